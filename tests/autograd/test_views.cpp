// Strided views: geometry, writes through views, ops on non-contiguous inputs, and PyTorch's autograd rules
// for in-place ops on views. Numbers marked "torch" come from views_reference.py (python3-torch 1.13).
#include <cmath>
#include <functional>
#include <tuple>

#include "helpers.hpp"

namespace {
xg::Tensor grid() { return xg::tensor({0, 1, 2, 3, 4, 5}, {2, 3}, xg::dtype(xg::kFloat64)); }
}  // namespace

TEST_CASE("views share storage and report PyTorch's strides and offsets") {
  xg::Tensor m = grid();
  CHECK(m.is_contiguous());
  CHECK_FALSE(m.is_view());
  xg::Tensor t = m.t();
  CHECK(t.strides() == xg::Shape{1, 3});  // torch: (1, 3)
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.is_view());
  CHECK(t._base().impl() == m.impl());
  CHECK(m[1].storage_offset() == 3);  // torch: 3
  xg::Tensor diagonal = m.diagonal(1);
  check_values(diagonal, {1, 5});  // torch: [1.0, 5.0], stride (4,), offset 1
  CHECK(diagonal.strides() == xg::Shape{4});
  CHECK(diagonal.storage_offset() == 1);
  xg::Tensor stepped = xg::arange(0, 10, 1, xg::dtype(xg::kFloat64)).slice(0, 1, 8, 3);
  check_values(stepped, {1, 4, 7});  // torch: [1.0, 4.0, 7.0], stride (3,)
  CHECK(stepped.strides() == xg::Shape{3});
  CHECK(xg::ones({3, 1}).expand({3, 4}).strides() == xg::Shape{1, 0});  // torch: (1, 0)
  CHECK(m.t()[0]._base().impl() == m.impl());  // a view of a view has the root as its base
  check_values(m.permute({1, 0}), {0, 3, 1, 4, 2, 5});
  check_values(m.t().to(xg::kFloat32), {0, 3, 1, 4, 2, 5});
  check_values(m.narrow(1, 1, 2), {1, 2, 4, 5});
  check_values(m.flatten(), {0, 1, 2, 3, 4, 5});
  CHECK(m.unsqueeze(1).strides() == xg::Shape{3, 3, 1});
}

TEST_CASE("view refuses strides it cannot express; reshape copies then") {
  xg::Tensor m = grid();
  CHECK_THROWS_WITH_AS(m.t().view({6}), doctest::Contains("view size is not compatible"), std::invalid_argument);
  xg::Tensor flat = m.t().reshape({6});
  check_values(flat, {0, 3, 1, 4, 2, 5});  // torch: [0.0, 3.0, 1.0, 4.0, 2.0, 5.0], not a view
  CHECK_FALSE(flat.is_view());
  CHECK(m.view({3, 2}).is_view());
  CHECK(m.narrow(0, 1, 1).view({3}).is_view());  // a contiguous slice views freely
  CHECK(m.t().view({3, 2}).strides() == xg::Shape{1, 3});
}

TEST_CASE("writes through views change the base: [], slice, t(), select, assignment") {
  xg::Tensor w = xg::zeros({2, 3});
  xg::Tensor row = w[0];
  row += 1.0;
  check_values(w, {1, 1, 1, 0, 0, 0});
  w.t().mul_(2);
  check_values(w, {2, 2, 2, 0, 0, 0});
  w.slice(1, 1, 3) -= 5.0;
  check_values(w, {2, -3, -3, 0, -5, -5});
  w[1][2] = 0.5;
  check_values(w, {2, -3, -3, 0, -5, 0.5});
  w.select(1, 0) = xg::tensor({7.0, 8.0});
  check_values(w, {7, -3, -3, 8, -5, 0.5});
  w.t()[2].copy_(xg::tensor({9.0, 9.0}));
  check_values(w, {7, -3, 9, 8, -5, 9});
  w.diagonal().zero_();
  check_values(w, {0, -3, 9, 8, 0, 9});
  w.t().clamp_(-1, 1);
  check_values(w, {0, -1, 1, 1, 0, 1});
  w[0].neg_();
  check_values(w, {0, 1, -1, 1, 0, 1});
  w.t().fill_(4);
  check_values(w, {4, 4, 4, 4, 4, 4});
  CHECK_THROWS_WITH_AS(xg::ones({3, 1}).expand({3, 4}).add_(1.0), doctest::Contains("single memory location"),
                       std::invalid_argument);
}

TEST_CASE("a parameter edited through a view under NoGradGuard, as real code does") {
  xg::nn::Linear layer(3, 2);
  {
    xg::NoGradGuard no_grad;
    layer->weight[0][0] = 0.5;
    layer->weight.t()[1] *= 0.0;
    layer->bias[1] = 2.0;
  }
  CHECK(layer->weight[0][0].item() == 0.5);
  CHECK(layer->weight[0][1].item() == 0.0);
  CHECK(layer->weight[1][1].item() == 0.0);
  CHECK(layer->bias.to_vector<double>()[1] == 2.0);
  CHECK(layer->weight.is_leaf());
  // With grad mode on, an in-place op on a view of a leaf that requires grad is refused (PyTorch's rule).
  CHECK_THROWS_WITH_AS(layer->weight[0] += 1.0, doctest::Contains("a view of a leaf tensor that requires grad"),
                       std::logic_error);
  CHECK_THROWS_WITH_AS(layer->weight[0][0] = 1.0, doctest::Contains("a view of a leaf"), std::logic_error);
}

TEST_CASE("in-place ops on views of non-leaves give PyTorch's gradients (CopySlices)") {
  xg::Tensor a = xg::arange(0, 4, 1, f64());
  xg::Tensor x = a * 1.0;
  x[0] *= 2.0;
  x.sum().backward();
  check_values(a.grad(), {2, 1, 1, 1});  // torch: [2.0, 1.0, 1.0, 1.0]

  xg::Tensor b = xg::tensor({0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, {2, 3}, f64());
  xg::Tensor y = b * 2.0;
  y.t()[0].mul_(3.0);
  (y * y).sum().backward();
  check_values(b.grad(), {7.2, 1.6, 2.4, 28.8, 4.0, 4.8}, 1e-12);  // torch: [7.2, 1.6, 2.4, 28.8, 4.0, 4.8]

  xg::Tensor c = xg::tensor({1.0, 2.0, 3.0}, f64());
  xg::Tensor z = c * c;
  xg::Tensor v1 = z[0], v2 = z[1];
  v1 *= 3.0;
  (v2 * 2.0 + v1).backward();
  check_values(c.grad(), {6, 8, 0});  // torch: [6.0, 8.0, 0.0]; v2's history was rebuilt (AsStridedBackward)
  CHECK(v2.grad_fn_name() == "AsStridedBackward");

  xg::Tensor w = xg::scalar_tensor(5.0, f64());
  xg::Tensor target = xg::zeros({3}, xg::dtype(xg::kFloat64));
  target[1] = w;
  check_values(target, {0, 5, 0});  // torch: [0.0, 5.0, 0.0], requires_grad True
  CHECK(target.requires_grad());
  (target * xg::tensor({1.0, 2.0, 3.0}, xg::dtype(xg::kFloat64))).sum().backward();
  CHECK(w.grad().item() == 2.0);  // torch: 2.0
}

TEST_CASE("a saved tensor modified through a view is caught at backward, as in PyTorch") {
  xg::Tensor a = xg::tensor({0.1, 0.2, 0.3, 0.4}, {2, 2}, f64());
  xg::Tensor y = a.exp();  // ExpBackward saves its output
  y.t()[0].mul_(3.0);
  CHECK_THROWS_WITH_AS(y.sum().backward(), doctest::Contains("modified by an inplace operation"), std::logic_error);
}

TEST_CASE("in-place ops on views are differentiable twice: gradcheck and gradgradcheck") {
  auto f = [](const std::vector<xg::Tensor>& in) {
    xg::Tensor x = in[0] * in[0];
    x.t()[1] *= in[1];  // column 1 of x scaled by a vector
    x[0] += in[1][0];
    return (x * x).sum();
  };
  std::vector<xg::Tensor> inputs = {random_input({2, 3}), random_input({2})};
  CHECK(xg::autograd::gradcheck(f, inputs));
  CHECK(xg::autograd::gradgradcheck(f, inputs));
}

TEST_CASE("every op gives the same values and gradients on non-contiguous inputs as on contiguous copies") {
  using Op = std::function<xg::Tensor(const xg::Tensor&, const xg::Tensor&)>;
  const std::vector<std::pair<const char*, Op>> ops = {
      {"add", [](const xg::Tensor& a, const xg::Tensor& b) { return a + b; }},
      {"mul", [](const xg::Tensor& a, const xg::Tensor& b) { return a * b; }},
      {"div", [](const xg::Tensor& a, const xg::Tensor& b) { return a / (b * b + 1.0); }},
      {"pow", [](const xg::Tensor& a, const xg::Tensor& b) { return (a * a + 1.0).pow(b); }},
      {"matmul", [](const xg::Tensor& a, const xg::Tensor& b) { return a.matmul(b.t()); }},
      {"exp/tanh/sigmoid", [](const xg::Tensor& a, const xg::Tensor&) { return a.exp() + a.tanh() + a.sigmoid(); }},
      {"sum dims", [](const xg::Tensor& a, const xg::Tensor&) { return a.sum({0}) + a.mean({1}).sum(); }},
      {"softmax", [](const xg::Tensor& a, const xg::Tensor&) { return xg::log_softmax(a, 1) + xg::softmax(a, 0); }},
      {"cat", [](const xg::Tensor& a, const xg::Tensor& b) { return xg::cat({a, b}, 1); }},
      {"index_select", [](const xg::Tensor& a, const xg::Tensor&) { return a.index_select(1, {2, 0}); }},
      {"max", [](const xg::Tensor& a, const xg::Tensor&) { return a.max() + a.abs().min(); }},
      {"clone", [](const xg::Tensor& a, const xg::Tensor&) { return a.clone(); }},
      {"reshape", [](const xg::Tensor& a, const xg::Tensor&) { return a.reshape({-1}) * 2.0; }},
      {"broadcast", [](const xg::Tensor& a, const xg::Tensor& b) { return a + b[0]; }},
  };
  // Non-contiguous [3, 3] inputs of each kind, made from a leaf: transposed, sliced with a step, expanded.
  const std::vector<std::tuple<const char*, xg::Shape, std::function<xg::Tensor(const xg::Tensor&)>>> layouts = {
      {"transposed", {3, 3}, [](const xg::Tensor& x) { return x.t(); }},
      {"sliced", {3, 6}, [](const xg::Tensor& x) { return x.slice(1, 0, 6, 2); }},
      {"expanded", {3, 1}, [](const xg::Tensor& x) { return x.expand({3, 3}); }},
  };
  for (const auto& [op_name, op] : ops)
    for (const auto& [layout_name, leaf_shape, view] : layouts) {
      CAPTURE(std::string(op_name));
      CAPTURE(std::string(layout_name));
      xg::Tensor leaf = random_input(leaf_shape), other = random_input({3, 3});
      xg::Tensor strided = view(leaf);
      REQUIRE_FALSE(strided.is_contiguous());
      xg::Tensor expected = op(strided.contiguous().detach(), other.detach());
      check_values(op(strided, other.detach()), expected.to_vector<double>(), 1e-12);
      const Op& f = op;
      const auto& make = view;
      CHECK(xg::autograd::gradcheck([&](const std::vector<xg::Tensor>& in) { return f(make(in[0]), in[1]); },
                                    {leaf, other}));
    }
  // The leaves themselves may be strided (gradcheck perturbs them through their strides), but not overlapping.
  xg::Tensor strided_leaf = random_input({4, 3}).detach().t().requires_grad_(true);
  CHECK(xg::autograd::gradcheck([](const std::vector<xg::Tensor>& in) { return (in[0] * in[0]).sum({1}); },
                                {strided_leaf}));
  xg::Tensor overlapping = random_input({3, 1}).detach().expand({3, 3}).requires_grad_(true);
  CHECK_THROWS_WITH_AS(xg::autograd::gradcheck([](const std::vector<xg::Tensor>& in) { return in[0] * 2.0; }, {overlapping}),
                       doctest::Contains("stride 0"), std::invalid_argument);
}

TEST_CASE("view ops are differentiable and gradchecked") {
  const std::vector<std::pair<const char*, std::function<xg::Tensor(const xg::Tensor&)>>> views = {
      {"select", [](const xg::Tensor& x) { return x.select(1, 1); }},
      {"slice step", [](const xg::Tensor& x) { return x.slice(0, 0, 4, 3); }},
      {"narrow", [](const xg::Tensor& x) { return x.narrow(1, 1, 2); }},
      {"t", [](const xg::Tensor& x) { return x.t(); }},
      {"permute", [](const xg::Tensor& x) { return x.unsqueeze(0).permute({2, 0, 1}); }},
      {"expand", [](const xg::Tensor& x) { return x[0].expand({2, 3}); }},
      {"view", [](const xg::Tensor& x) { return x.view({3, 4}); }},
      {"flatten", [](const xg::Tensor& x) { return x.t().flatten(); }},
      {"diagonal", [](const xg::Tensor& x) { return x.diagonal(-1); }},
      {"squeeze", [](const xg::Tensor& x) { return x.narrow(0, 1, 1).squeeze(0); }},
  };
  for (const auto& [name, view] : views) {
    CAPTURE(name);
    auto f = [&view](const std::vector<xg::Tensor>& in) { return view(in[0]) * view(in[0]); };
    CHECK(xg::autograd::gradcheck(f, {random_input({4, 3})}));
    CHECK(xg::autograd::gradgradcheck(f, {random_input({4, 3})}));
  }
}

TEST_CASE("bad view arguments are refused with clear errors") {
  xg::Tensor m = grid();
  CHECK_THROWS_WITH_AS(m.select(0, 2), doctest::Contains("select: index 2 is out of bounds"), std::out_of_range);
  CHECK_THROWS_WITH_AS(m.narrow(1, 2, 2), doctest::Contains("narrow:"), std::out_of_range);
  CHECK_THROWS_WITH_AS(m.narrow(1, 0, -1), doctest::Contains("narrow:"), std::out_of_range);
  CHECK_THROWS_WITH_AS(m.slice(0, 0, 2, 0), doctest::Contains("step must be positive"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.expand({2, 4}), doctest::Contains("expand:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.expand({3}), doctest::Contains("expand:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.expand({-1, 2, 3}), doctest::Contains("expand:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.permute({0, 0}), doctest::Contains("permute:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.permute({0}), doctest::Contains("permute:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.view({4, -1}), doctest::Contains("view:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.diagonal(0, 1, 1), doctest::Contains("diagonal:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.flatten(1, 0), doctest::Contains("flatten:"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(m.stride(2), doctest::Contains("stride:"), std::out_of_range);
  CHECK(m.diagonal(5).numel() == 0);  // PyTorch: an empty diagonal, not an error
}

TEST_CASE("optimizers refuse a strided parameter or gradient instead of updating the wrong elements") {
  xg::Tensor p = xg::randn({3, 2}).t().detach().requires_grad_(true);  // a transposed leaf
  (p * 2.0).sum().backward();
  CHECK(p.grad().is_contiguous());  // stored gradients are contiguous
  xg::optim::SGD sgd({p}, xg::optim::SGDOptions(0.1));
  CHECK_THROWS_WITH_AS(sgd.step(), doctest::Contains("contiguous"), std::invalid_argument);
}

TEST_CASE("matmul reads transposed views in place and differentiates through them") {
  xg::Tensor x = random_input({4, 3}), w = random_input({5, 3});
  check_values(x.matmul(w.t()), x.matmul(w.t().contiguous()).to_vector<double>(), 1e-12);
  check_values(x.t().t().matmul(w.t()), x.matmul(w.t().contiguous()).to_vector<double>(), 1e-12);
  xg::Tensor batch = random_input({2, 3, 4});
  check_values(batch.transpose(1, 2).matmul(x.t()), batch.transpose(1, 2).contiguous().matmul(x.t().contiguous()).to_vector<double>(), 1e-12);
  auto f = [](const std::vector<xg::Tensor>& in) { return in[0].matmul(in[1].t()) + in[1].t().t().matmul(in[0].t()).t(); };
  CHECK(xg::autograd::gradcheck(f, {x, w}));
  CHECK(xg::autograd::gradgradcheck(f, {x, w}));
}

TEST_CASE("broadcast_to is a view, as PyTorch's (expand)") {
  xg::Tensor x = xg::tensor({1.0, 2.0, 3.0}, xg::requires_grad());
  xg::Tensor wide = xg::broadcast_to(x, {2, 3});
  CHECK(wide.is_view());
  CHECK(wide.strides() == xg::Shape{0, 1});
  check_values(wide, {1, 2, 3, 1, 2, 3});
  (wide * xg::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3})).sum().backward();
  check_values(x.grad(), {5, 7, 9});  // torch: x.broadcast_to((2, 3)) with these weights
  CHECK_THROWS_WITH_AS(xg::broadcast_to(x, {3, 2}), doctest::Contains("cannot broadcast"), std::invalid_argument);
  CHECK_THROWS_AS(xg::broadcast_to(x, {}), std::invalid_argument);
}

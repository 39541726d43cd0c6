// Dropout, LayerNorm, BatchNorm1d, Embedding, Identity, Flatten, Unflatten and their functional forms, as
// LibTorch 1.13 defines them. Values and gradients come from torch 1.13 (tests/nn/layers_reference.py,
// whose output is layers_reference.inc); printing and error cases were checked against libtorch 1.13.
// Dropout's mask comes from xgrad's generator, so its tests check statistics, scaling and the gradient.
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"

namespace nn = xg::nn;
namespace F = xg::nn::functional;

namespace {
#include "layers_reference.inc"

template <typename T>
std::string printed(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

xg::Tensor f64_tensor(const std::vector<double>& values, xg::Shape shape, bool grad = false) {
  return xg::tensor(values, std::move(shape), f64(grad));
}

// Absolute-or-relative closeness, element by element.
void check_close(const xg::Tensor& t, const std::vector<double>& expected, double tolerance = 1e-10) {
  REQUIRE(t.defined());
  std::vector<double> got = t.to_vector<double>();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == doctest::Approx(expected[i]).epsilon(tolerance));
  }
}

std::vector<std::string> keys(const xg::StateDict& state) {
  std::vector<std::string> out;
  for (auto& entry : state) out.push_back(entry.first);
  return out;
}

// An input for gradcheck: a leaf, and the (possibly non-contiguous) view of it the op receives, made inside
// the checked function so the numerical derivative perturbs the leaf's elements.
struct ViewCase {
  std::string name;
  xg::Tensor leaf;
  std::function<xg::Tensor(const xg::Tensor&)> view;
};
xg::Tensor embedding_indices(xg::Dtype dtype = xg::kInt64) {
  return xg::tensor({0, 2, 5, 2, 1, 2, 0, 4}, {2, 4}, dtype);
}
}  // namespace

// ---------------------------------------------------------------- LayerNorm

TEST_CASE("LayerNorm matches torch 1.13: values and gradients of input, weight and bias") {
  nn::LayerNorm ln(std::vector<int64_t>{4});
  ln->to(xg::kFloat64);
  {
    xg::NoGradGuard no_grad;
    ln->weight.copy_(f64_tensor(ln_w, {4}));
    ln->bias.copy_(f64_tensor(ln_b, {4}));
  }
  xg::Tensor x = f64_tensor(ln_x, {2, 3, 4}, true);
  xg::Tensor g = f64_tensor(ln_g, {2, 3, 4});
  xg::Tensor y = ln(x);
  CHECK(y.shape() == xg::Shape{2, 3, 4});
  check_close(y, ln_y);
  (y * g).sum().backward();
  check_close(x.grad(), ln_dx);
  check_close(ln->weight.grad(), ln_dw);
  check_close(ln->bias.grad(), ln_db);

  // normalized_shape [3, 4], no affine parameters, eps = 0.1.
  nn::LayerNorm plain(nn::LayerNormOptions({3, 4}).eps(0.1).elementwise_affine(false));
  CHECK_FALSE(plain->weight.defined());
  CHECK(plain->parameters().empty());
  xg::Tensor x2 = f64_tensor(ln_x, {2, 3, 4}, true);
  xg::Tensor y2 = plain(x2);
  check_close(y2, ln2_y);
  (y2 * g).sum().backward();
  check_close(x2.grad(), ln2_dx);

  // float32 with a large mean (PyTorch's kernel scales first, then subtracts mean * rstd).
  nn::LayerNorm ln3(std::vector<int64_t>{5});
  xg::Tensor y3 = ln3(xg::tensor(ln3_x, {3, 5}));
  CHECK(y3.dtype() == xg::kFloat32);
  check_close(y3, ln3_y, 1e-4);
}

TEST_CASE("layer_norm passes gradcheck and gradgradcheck in float64, on contiguous and non-contiguous inputs") {
  xg::manual_seed(11);
  xg::Tensor w = random_input({4}, 0.5, 1.5), b = random_input({4});
  auto affine = [](const std::vector<xg::Tensor>& in) {
    return F::layer_norm(in[0], F::LayerNormFuncOptions({4}).weight(in[1]).bias(in[2]));
  };
  auto two_dims = [](const std::vector<xg::Tensor>& in) { return F::layer_norm(in[0], F::LayerNormFuncOptions({3, 4}).eps(1e-3)); };
  auto weight_only = [](const std::vector<xg::Tensor>& in) {
    return F::layer_norm(in[0], F::LayerNormFuncOptions({4}).weight(in[1]));
  };
  auto bias_only = [](const std::vector<xg::Tensor>& in) {
    return F::layer_norm(in[0], F::LayerNormFuncOptions({4}).bias(in[1]));
  };
  const std::vector<ViewCase> cases = {
      {"contiguous", random_input({2, 3, 4}), [](const xg::Tensor& t) { return t; }},
      {"permuted", random_input({4, 3, 2}), [](const xg::Tensor& t) { return t.permute({2, 1, 0}); }},
      {"sliced", random_input({2, 3, 8}), [](const xg::Tensor& t) { return t.slice(2, 0, 8, 2); }},
      {"expanded", random_input({2, 1, 4}), [](const xg::Tensor& t) { return t.expand({2, 3, 4}); }},
  };
  for (const ViewCase& c : cases) {
    CAPTURE(c.name);
    auto on_view = [&c](const std::function<xg::Tensor(const std::vector<xg::Tensor>&)>& fn) {
      return [&c, fn](const std::vector<xg::Tensor>& in) {
        std::vector<xg::Tensor> args = in;
        args[0] = c.view(in[0]);
        return fn(args);
      };
    };
    const xg::Tensor& x = c.leaf;
    CHECK(c.view(x).shape() == xg::Shape{2, 3, 4});
    CHECK(xg::autograd::gradcheck(on_view(affine), {x, w, b}));
    CHECK(xg::autograd::gradgradcheck(on_view(affine), {x, w, b}));
    CHECK(xg::autograd::gradcheck(on_view(two_dims), {x}));
    CHECK(xg::autograd::gradgradcheck(on_view(two_dims), {x}));
    CHECK(xg::autograd::gradcheck(on_view(weight_only), {x, w}));
    CHECK(xg::autograd::gradcheck(on_view(bias_only), {x, b}));
    // The same values as the contiguous copy.
    CHECK(xg::allclose(affine({c.view(x), w, b}), affine({c.view(x).contiguous(), w, b}), 1e-12, 1e-12));
  }
}

TEST_CASE("LayerNorm: parameters, printing, options, empty batches and bad input") {
  nn::LayerNorm ln(std::vector<int64_t>{2, 3});
  CHECK(ln->weight.shape() == xg::Shape{2, 3});
  CHECK(ln->weight.to_vector<double>() == std::vector<double>(6, 1.0));
  CHECK(ln->bias.to_vector<double>() == std::vector<double>(6, 0.0));
  CHECK(ln->named_parameters().keys() == std::vector<std::string>{"weight", "bias"});
  CHECK(ln->buffers().empty());
  CHECK(ln->options.eps() == 1e-5);
  CHECK(ln->options.elementwise_affine());
  CHECK(printed(ln) == "xgrad::nn::LayerNorm([2, 3], eps=1e-05, elementwise_affine=true)");
  CHECK(printed(nn::LayerNorm(nn::LayerNormOptions({4}).eps(1e-3).elementwise_affine(false))) ==
        "xgrad::nn::LayerNorm([4], eps=0.001, elementwise_affine=false)");
  // Each row is normalized to mean 0 and (biased) variance 1 - eps-ish.
  xg::Tensor y = ln(xg::randn({5, 2, 3}) * 4 + 2);
  CHECK(xg::allclose(y.mean({1, 2}), xg::zeros({5}), 1e-5, 1e-5));
  CHECK(xg::allclose(y.var({1, 2}, false), xg::ones({5}), 1e-3, 1e-3));
  // reset_parameters() restores ones and zeros.
  {
    xg::NoGradGuard no_grad;
    ln->weight.fill_(3);
  }
  ln->reset_parameters();
  CHECK(ln->weight.to_vector<double>() == std::vector<double>(6, 1.0));
  // Empty batches, as PyTorch: an empty output (and an empty input gradient).
  xg::Tensor empty = xg::zeros({0, 2, 3}, xg::requires_grad());
  xg::Tensor out = ln(empty);
  CHECK(out.shape() == xg::Shape{0, 2, 3});
  out.sum().backward();
  CHECK(empty.grad().shape() == xg::Shape{0, 2, 3});
  CHECK(ln->weight.grad().to_vector<double>() == std::vector<double>(6, 0.0));
  // Bad input, with PyTorch's messages.
  CHECK_THROWS_WITH_AS(ln(xg::zeros({2, 3, 2})),
                       doctest::Contains("Given normalized_shape=[2, 3], expected input with shape [*, 2, 3], but got input of size[2, 3, 2]"),
                       std::invalid_argument);
  CHECK_THROWS_AS(ln(xg::zeros({3})), std::invalid_argument);
  CHECK_THROWS_WITH_AS(ln(xg::zeros({2, 3}, xg::kInt64)), doctest::Contains("floating"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(ln(xg::zeros({2, 3}, xg::kFloat64)), doctest::Contains("weight has dtype float32 but the input float64"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::LayerNorm(std::vector<int64_t>{})(xg::zeros({2, 3})),
                       doctest::Contains("Expected normalized_shape to be at least 1-dimensional"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::LayerNorm(std::vector<int64_t>{-2}), doctest::Contains("negative"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::layer_norm(xg::zeros({2, 3}), F::LayerNormFuncOptions({3}).weight(xg::ones({2}))),
                       doctest::Contains("expected weight of shape [3], got [2]"), std::invalid_argument);
  CHECK_THROWS_AS(F::layer_norm(xg::Tensor(), F::LayerNormFuncOptions({3})), std::invalid_argument);
  // A clone has its own parameters.
  auto copy = std::dynamic_pointer_cast<nn::LayerNormImpl>(ln->clone());
  REQUIRE(copy);
  CHECK(copy->weight.impl() != ln->weight.impl());
  CHECK(copy->options.normalized_shape() == std::vector<int64_t>{2, 3});
}

// ---------------------------------------------------------------- BatchNorm1d

TEST_CASE("BatchNorm1d on (N, C) matches torch 1.13 in training (three steps) and in eval mode") {
  nn::BatchNorm1d bn(3);
  bn->to(xg::kFloat64);
  {
    xg::NoGradGuard no_grad;
    bn->weight.copy_(f64_tensor(bn_w, {3}));
    bn->bias.copy_(f64_tensor(bn_b, {3}));
  }
  bn(f64_tensor(bn_x0, {4, 3}));
  bn(f64_tensor(bn_x1, {4, 3}));
  xg::Tensor x = f64_tensor(bn_x2, {4, 3}, true);
  xg::Tensor y = bn(x);
  check_close(y, bn_y);
  (y * f64_tensor(bn_g, {4, 3})).sum().backward();
  check_close(x.grad(), bn_dx, 1e-9);
  check_close(bn->weight.grad(), bn_dw);
  check_close(bn->bias.grad(), bn_db);
  check_close(bn->running_mean, bn_running_mean);
  check_close(bn->running_var, bn_running_var);
  CHECK(bn->num_batches_tracked.item<int64_t>() == bn_num_batches_tracked);
  CHECK_FALSE(bn->running_mean.requires_grad());

  // Eval mode: the running statistics, which stay as they are.
  bn->eval();
  bn->zero_grad();
  xg::Tensor xe = f64_tensor(bn_eval_x, {2, 3}, true);
  xg::Tensor ye = bn(xe);
  check_close(ye, bn_eval_y);
  (ye * f64_tensor(bn_eval_g, {2, 3})).sum().backward();
  check_close(xe.grad(), bn_eval_dx);
  check_close(bn->weight.grad(), bn_eval_dw);
  check_close(bn->bias.grad(), bn_eval_db);
  check_close(bn->running_mean, bn_running_mean);
  CHECK(bn->num_batches_tracked.item<int64_t>() == 3);
  // One sample per channel is fine in eval mode.
  CHECK(bn(xg::ones({1, 3}, xg::kFloat64)).shape() == xg::Shape{1, 3});
}

TEST_CASE("BatchNorm1d on (N, C, L), with momentum = None, without affine or tracking, and in float32 (torch 1.13)") {
  nn::BatchNorm1d bn(3);
  bn->to(xg::kFloat64);
  xg::Tensor a = f64_tensor(bn3_a, {2, 3, 5});
  xg::Tensor b = f64_tensor(bn3_b, {2, 3, 5}, true);
  bn(a);
  xg::Tensor y = bn(b);
  check_close(y, bn3_y);
  (y * f64_tensor(bn3_g, {2, 3, 5})).sum().backward();
  check_close(b.grad(), bn3_dx, 1e-9);
  check_close(bn->weight.grad(), bn3_dw);
  check_close(bn->bias.grad(), bn3_db);
  check_close(bn->running_mean, bn3_running_mean);
  check_close(bn->running_var, bn3_running_var);
  bn->eval();
  check_close(bn(a), bn3_eval_y);

  // momentum = None: the cumulative average of the batches' statistics.
  nn::BatchNorm1d cumulative(nn::BatchNorm1dOptions(3).momentum(std::nullopt));
  cumulative->to(xg::kFloat64);
  for (const auto* values : {&bn_x0, &bn_x1, &bn_x2}) cumulative(f64_tensor(*values, {4, 3}));
  check_close(cumulative->running_mean, bnc_running_mean);
  check_close(cumulative->running_var, bnc_running_var);
  CHECK(cumulative->num_batches_tracked.item<int64_t>() == 3);

  // No affine parameters and no running statistics: batch statistics in eval mode too.
  nn::BatchNorm1d bare(nn::BatchNormOptions(3).affine(false).track_running_stats(false));
  CHECK(bare->parameters().empty());
  CHECK(bare->buffers().empty());
  CHECK_FALSE(bare->running_mean.defined());
  CHECK_FALSE(bare->num_batches_tracked.defined());
  bare->eval();
  check_close(bare(f64_tensor(bn_x0, {4, 3})), bnn_y);

  // float32, train then eval.
  nn::BatchNorm1d single(3);
  xg::Tensor xf = xg::tensor(bnf_x, {6, 3});
  check_close(single(xf), bnf_y, 1e-5);
  check_close(single->running_mean, bnf_running_mean, 1e-6);
  check_close(single->running_var, bnf_running_var, 1e-6);
  single->eval();
  check_close(single(xf), bnf_eval_y, 1e-5);
}

TEST_CASE("batch_norm passes gradcheck and gradgradcheck in float64, training and eval, on non-contiguous inputs") {
  xg::manual_seed(12);
  xg::Tensor w = random_input({3}, 0.5, 1.5), b = random_input({3});
  xg::Tensor running_mean = xg::rand({3}, xg::kFloat64), running_var = xg::rand({3}, xg::kFloat64) + 0.5;
  auto train = [](const std::vector<xg::Tensor>& in) {
    return F::batch_norm(in[0], xg::Tensor(), xg::Tensor(), F::BatchNormFuncOptions().weight(in[1]).bias(in[2]).training(true));
  };
  auto train_plain = [](const std::vector<xg::Tensor>& in) {
    return F::batch_norm(in[0], xg::Tensor(), xg::Tensor(), F::BatchNormFuncOptions().training(true).eps(1e-3));
  };
  auto eval = [&](const std::vector<xg::Tensor>& in) {
    return F::batch_norm(in[0], running_mean, running_var, F::BatchNormFuncOptions().weight(in[1]).bias(in[2]));
  };
  const std::vector<ViewCase> cases = {
      {"(N, C)", random_input({4, 3}), [](const xg::Tensor& t) { return t; }},
      {"(N, C) transposed", random_input({3, 4}), [](const xg::Tensor& t) { return t.t(); }},
      {"(N, C, L)", random_input({2, 3, 5}), [](const xg::Tensor& t) { return t; }},
      {"(N, C, L) permuted", random_input({5, 3, 2}), [](const xg::Tensor& t) { return t.permute({2, 1, 0}); }},
      {"(N, C, L) sliced", random_input({2, 6, 5}), [](const xg::Tensor& t) { return t.slice(1, 0, 6, 2); }},
      {"(N, C, L) expanded along L", random_input({4, 3, 1}), [](const xg::Tensor& t) { return t.expand({4, 3, 5}); }},
  };
  for (const ViewCase& c : cases) {
    CAPTURE(c.name);
    auto on_view = [&c](const std::function<xg::Tensor(const std::vector<xg::Tensor>&)>& fn) {
      return [&c, fn](const std::vector<xg::Tensor>& in) {
        std::vector<xg::Tensor> args = in;
        args[0] = c.view(in[0]);
        return fn(args);
      };
    };
    const xg::Tensor& x = c.leaf;
    CHECK(xg::autograd::gradcheck(on_view(train), {x, w, b}));
    CHECK(xg::autograd::gradgradcheck(on_view(train), {x, w, b}));
    CHECK(xg::autograd::gradcheck(on_view(train_plain), {x}));
    CHECK(xg::autograd::gradcheck(on_view(eval), {x, w, b}));
    CHECK(xg::autograd::gradgradcheck(on_view(eval), {x, w, b}));
    CHECK(xg::allclose(train({c.view(x), w, b}), train({c.view(x).contiguous(), w, b}), 1e-12, 1e-12));
  }
  // Running statistics from a non-contiguous input equal those from its contiguous copy.
  xg::Tensor x = random_input({5, 3, 2}).permute({2, 1, 0}).detach();
  xg::Tensor m1 = xg::zeros({3}, xg::kFloat64), v1 = xg::ones({3}, xg::kFloat64);
  xg::Tensor m2 = xg::zeros({3}, xg::kFloat64), v2 = xg::ones({3}, xg::kFloat64);
  F::batch_norm(x, m1, v1, F::BatchNormFuncOptions().training(true));
  F::batch_norm(x.contiguous(), m2, v2, F::BatchNormFuncOptions().training(true));
  CHECK(xg::allclose(m1, m2, 1e-14, 1e-14));
  CHECK(xg::allclose(v1, v2, 1e-14, 1e-14));
  CHECK_FALSE(xg::allclose(v1, xg::ones({3}, xg::kFloat64)));
}

TEST_CASE("BatchNorm1d buffers: state_dict, checkpoints, clone, reset and printing") {
  nn::BatchNorm1d bn(3);
  CHECK(bn->named_parameters().keys() == std::vector<std::string>{"weight", "bias"});
  CHECK(bn->named_buffers().keys() == std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"});
  CHECK(keys(bn->state_dict()) ==
        std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
  CHECK(bn->num_batches_tracked.dtype() == xg::kInt64);
  CHECK(bn->num_batches_tracked.dim() == 0);
  CHECK(bn->running_mean.to_vector<double>() == std::vector<double>(3, 0.0));
  CHECK(bn->running_var.to_vector<double>() == std::vector<double>(3, 1.0));
  CHECK(bn->weight.to_vector<double>() == std::vector<double>(3, 1.0));
  CHECK(bn->bias.to_vector<double>() == std::vector<double>(3, 0.0));
  for (int i = 0; i < 4; ++i) bn(xg::randn({8, 3}) * 2 + 1);
  CHECK(bn->num_batches_tracked.item<int64_t>() == 4);

  // Save and load: the running statistics travel, and the loaded model evaluates the same.
  const std::string path = "/tmp/xgrad_test_layers_batchnorm.npz";
  xg::save(bn, path);
  nn::BatchNorm1d loaded(3);
  xg::load(loaded, path);
  std::remove(path.c_str());
  CHECK(loaded->running_mean.to_vector<float>() == bn->running_mean.to_vector<float>());
  CHECK(loaded->running_var.to_vector<float>() == bn->running_var.to_vector<float>());
  CHECK(loaded->num_batches_tracked.item<int64_t>() == 4);
  bn->eval();
  loaded->eval();
  xg::Tensor probe = xg::randn({5, 3});
  CHECK(xg::equal(bn(probe), loaded(probe)));
  // load_state_dict too, into a module that never trained.
  nn::BatchNorm1d fresh(3);
  fresh->load_state_dict(bn->state_dict());
  CHECK(fresh->running_var.to_vector<float>() == bn->running_var.to_vector<float>());

  // clone() copies the buffers deeply; the copy keeps eval mode.
  auto copy = std::dynamic_pointer_cast<nn::BatchNorm1dImpl>(bn->clone());
  REQUIRE(copy);
  CHECK_FALSE(copy->is_training());
  CHECK(copy->running_mean.impl() != bn->running_mean.impl());
  CHECK(copy->num_batches_tracked.impl() != bn->num_batches_tracked.impl());
  CHECK(copy->running_mean.impl() == copy->named_buffers()["running_mean"].impl());
  const std::vector<float> before = copy->running_mean.to_vector<float>();
  bn->train();
  bn(xg::randn({8, 3}) + 5);
  CHECK(copy->running_mean.to_vector<float>() == before);
  CHECK(copy->num_batches_tracked.item<int64_t>() == 4);
  CHECK(bn->num_batches_tracked.item<int64_t>() == 5);

  // reset_running_stats() and reset_parameters(), in place (the handles stay registered).
  const xg::TensorImpl* handle = bn->running_mean.impl();
  {
    xg::NoGradGuard no_grad;
    bn->weight.fill_(2);
  }
  bn->reset_running_stats();
  CHECK(bn->running_mean.impl() == handle);
  CHECK(bn->running_mean.to_vector<double>() == std::vector<double>(3, 0.0));
  CHECK(bn->running_var.to_vector<double>() == std::vector<double>(3, 1.0));
  CHECK(bn->num_batches_tracked.item<int64_t>() == 0);
  CHECK(bn->weight.to_vector<double>() == std::vector<double>(3, 2.0));
  bn->reset_parameters();
  CHECK(bn->weight.to_vector<double>() == std::vector<double>(3, 1.0));

  // Printing, as LibTorch's.
  CHECK(printed(nn::BatchNorm1d(3)) == "xgrad::nn::BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
  CHECK(printed(nn::BatchNorm1d(
            nn::BatchNormOptions(5).momentum(std::nullopt).affine(false).track_running_stats(false).eps(0.001))) ==
        "xgrad::nn::BatchNorm1d(5, eps=0.001, momentum=None, affine=false, track_running_stats=false)");
  // A BatchNorm inside a model: train() and eval() reach it, and its buffers are named with the prefix.
  nn::Sequential model(nn::Linear(4, 3), nn::BatchNorm1d(3), nn::ReLU(), nn::Dropout(0.2), nn::Linear(3, 2));
  CHECK(model->named_buffers().keys() ==
        std::vector<std::string>{"1.running_mean", "1.running_var", "1.num_batches_tracked"});
  CHECK(model->forward(xg::randn({6, 4})).shape() == xg::Shape{6, 2});
  model->eval();
  CHECK(model->forward(xg::randn({1, 4})).shape() == xg::Shape{1, 2});
  CHECK(model[1]->as<nn::BatchNorm1dImpl>()->num_batches_tracked.item<int64_t>() == 1);
}

TEST_CASE("BatchNorm1d refuses bad input as torch does, and a refusal changes no statistic; empty batches") {
  nn::BatchNorm1d bn(3);
  // One value per channel in training (torch's message).
  CHECK_THROWS_WITH_AS(bn(xg::ones({1, 3})),
                       doctest::Contains("Expected more than 1 value per channel when training, got input size [1, 3]"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(bn(xg::ones({1, 3, 1})), doctest::Contains("got input size [1, 3, 1]"), std::invalid_argument);
  CHECK(bn(xg::randn({1, 3, 2})).shape() == xg::Shape{1, 3, 2});  // two values per channel
  CHECK(bn->num_batches_tracked.item<int64_t>() == 1);
  const std::vector<float> mean = bn->running_mean.to_vector<float>();
  CHECK_THROWS_WITH_AS(bn(xg::ones({3})), doctest::Contains("expected 2D or 3D input (got 1D input"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(bn(xg::ones({2, 3, 2, 2})), doctest::Contains("(got 4D input"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(bn(xg::ones({2, 4})), doctest::Contains("expected running_mean of shape [4], got [3]"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(bn(xg::ones({2, 3}, xg::kFloat64)), doctest::Contains("running_mean has dtype float32 but the input float64"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(bn(xg::ones({2, 3}, xg::kInt64)), doctest::Contains("floating"), std::invalid_argument);
  CHECK_THROWS_AS(bn(xg::Tensor()), std::invalid_argument);
  CHECK(bn->running_mean.to_vector<float>() == mean);
  CHECK(bn->num_batches_tracked.item<int64_t>() == 1);
  CHECK_THROWS_WITH_AS(nn::BatchNorm1d(-1), doctest::Contains("num_features must be >= 0, got -1"), std::invalid_argument);

  // An empty batch: an empty output, nothing to average (torch 1.13 still counts the batch).
  xg::Tensor empty = xg::zeros({0, 3}, xg::requires_grad());
  xg::Tensor out = bn(empty);
  CHECK(out.shape() == xg::Shape{0, 3});
  CHECK(bn->running_mean.to_vector<float>() == mean);
  CHECK(bn->num_batches_tracked.item<int64_t>() == 2);
  out.sum().backward();
  CHECK(empty.grad().shape() == xg::Shape{0, 3});
  CHECK(bn->weight.grad().to_vector<double>() == std::vector<double>(3, 0.0));
  CHECK(bn(xg::zeros({4, 3, 0})).shape() == xg::Shape{4, 3, 0});
  nn::BatchNorm1d none(0);
  CHECK(none(xg::zeros({2, 0})).shape() == xg::Shape{2, 0});

  // The functional form: eval needs running statistics, momentum must be a number.
  CHECK_THROWS_WITH_AS(F::batch_norm(xg::ones({2, 3}), xg::Tensor(), xg::Tensor()),
                       doctest::Contains("running_mean must be defined in evaluation mode"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::batch_norm(xg::ones({2, 3}), xg::zeros({3}), xg::ones({3}),
                                     F::BatchNormFuncOptions().training(true).momentum(std::nullopt)),
                       doctest::Contains("momentum must be a number"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::batch_norm(xg::ones({3}), xg::zeros({3}), xg::ones({3})), doctest::Contains("at least 2 dimensions"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::batch_norm(xg::ones({2, 3}), xg::zeros({3}), xg::ones({3}), F::BatchNormFuncOptions().weight(xg::ones({2}))),
                       doctest::Contains("expected weight of shape [3], got [2]"), std::invalid_argument);
  // Training without running statistics normalizes with the batch's.
  xg::Tensor batch = F::batch_norm(xg::tensor({1, 2, 3, 5}, {2, 2}), xg::Tensor(), xg::Tensor(), F::BatchNormFuncOptions().training(true));
  check_close(batch, {-1, -1, 1, 1}, 1e-4);
  // The running statistics given to the functional form are updated in place.
  xg::Tensor running_mean = xg::zeros({2}), running_var = xg::ones({2});
  F::batch_norm(xg::tensor({1, 2, 3, 5}, {2, 2}), running_mean, running_var, F::BatchNormFuncOptions().training(true).momentum(0.5));
  check_close(running_mean, {1.0, 1.75}, 1e-6);
  check_close(running_var, {1.5, 2.75}, 1e-6);  // 0.5 * 1 + 0.5 * (unbiased 2 and 4.5)
}

// ---------------------------------------------------------------- Embedding

TEST_CASE("Embedding matches torch 1.13: lookups and gradients with padding_idx, scale_grad_by_freq and max_norm") {
  const xg::Tensor table = f64_tensor(emb_weight, {6, 3});
  const xg::Tensor g = f64_tensor(emb_g, {2, 4, 3});
  struct Case {
    const char* name;
    nn::EmbeddingFromPretrainedOptions options;
    const std::vector<double>& y;
    const std::vector<double>& dw;
  };
  const std::vector<Case> cases = {
      {"plain", nn::EmbeddingFromPretrainedOptions().freeze(false), emb_y, emb_dw},
      {"padding_idx", nn::EmbeddingFromPretrainedOptions().freeze(false).padding_idx(2), emb_pad_y, emb_pad_dw},
      {"scale_grad_by_freq", nn::EmbeddingFromPretrainedOptions().freeze(false).scale_grad_by_freq(true), emb_freq_y,
       emb_freq_dw},
      {"both", nn::EmbeddingFromPretrainedOptions().freeze(false).padding_idx(0).scale_grad_by_freq(true), emb_pad_freq_y,
       emb_pad_freq_dw},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    for (xg::Dtype index_dtype : {xg::kInt64, xg::kInt32}) {
      nn::Embedding e = nn::Embedding::from_pretrained(table.clone(), c.options);
      CHECK(e->weight.requires_grad());
      xg::Tensor y = e(embedding_indices(index_dtype));
      CHECK(y.shape() == xg::Shape{2, 4, 3});
      check_close(y, c.y);
      (y * g).sum().backward();
      check_close(e->weight.grad(), c.dw);
    }
  }
  // max_norm: the rows looked up are rescaled in place first (norm_type 2 and 1).
  for (double norm_type : {2.0, 1.0}) {
    CAPTURE(norm_type);
    nn::Embedding e = nn::Embedding::from_pretrained(
        table.clone(), nn::EmbeddingFromPretrainedOptions().freeze(false).max_norm(1.5).norm_type(norm_type));
    xg::Tensor y = e(embedding_indices().slice(1, 0, 2));
    check_close(y, norm_type == 2.0 ? emb_maxnorm_y : emb_maxnorm1_y, 1e-9);
    check_close(e->weight, norm_type == 2.0 ? emb_maxnorm_weight : emb_maxnorm1_weight, 1e-9);
    CHECK(e->weight.is_leaf());
  }
  // The functional form takes LibTorch's options.
  xg::Tensor weight = table.clone().requires_grad_();
  xg::Tensor y = F::embedding(embedding_indices(), weight, F::EmbeddingFuncOptions().padding_idx(2));
  check_close(y, emb_pad_y);
  (y * g).sum().backward();
  check_close(weight.grad(), emb_pad_dw);
  CHECK(y.grad_fn_name() == "EmbeddingBackward");
  check_close(F::embedding(embedding_indices(), table), emb_y);
}

TEST_CASE("embedding passes gradcheck and gradgradcheck in float64, with padding_idx and scale_grad_by_freq") {
  xg::manual_seed(13);
  xg::Tensor weight = random_input({6, 3});
  for (bool transposed : {false, true}) {
    CAPTURE(transposed);
    xg::Tensor indices = transposed ? xg::tensor({0, 1, 2, 2, 5, 0, 2, 4}, {4, 2}, xg::kInt64).t() : embedding_indices();
    auto plain = [&](const std::vector<xg::Tensor>& in) { return F::embedding(indices, in[0]); };
    CHECK(xg::autograd::gradcheck(plain, {weight}));
    CHECK(xg::autograd::gradgradcheck(plain, {weight}));
    // padding_idx and scale_grad_by_freq change the gradient on purpose (it is no longer the derivative,
    // so gradcheck must fail), but the backward stays differentiable: gradgradcheck holds.
    for (auto options : {F::EmbeddingFuncOptions().padding_idx(2), F::EmbeddingFuncOptions().scale_grad_by_freq(true).padding_idx(-1)}) {
      auto fn = [&](const std::vector<xg::Tensor>& in) { return F::embedding(indices, in[0], options); };
      CHECK_THROWS_AS(xg::autograd::gradcheck(fn, {weight}), xg::autograd::GradcheckError);
      CHECK(xg::autograd::gradgradcheck(fn, {weight}));
    }
  }
  // A non-contiguous table.
  xg::Tensor wide = random_input({3, 6});
  CHECK(xg::autograd::gradcheck([](const std::vector<xg::Tensor>& in) { return F::embedding(embedding_indices(), in[0].t()); },
                                {wide}));
}

TEST_CASE("Embedding: initialization, padding row, index shapes and dtypes, from_pretrained, printing, clone, errors") {
  xg::manual_seed(14);
  nn::Embedding big(2000, 50);
  CHECK(big->weight.shape() == xg::Shape{2000, 50});
  CHECK(big->weight.requires_grad());
  CHECK(big->weight.mean().item() == doctest::Approx(0).epsilon(0.02));  // N(0, 1), 100000 draws
  CHECK(big->weight.std().item() == doctest::Approx(1).epsilon(0.02));
  CHECK(big->named_parameters().keys() == std::vector<std::string>{"weight"});

  // A negative padding_idx counts from the end and is stored normalized, as LibTorch; its row is zero and
  // gets no gradient.
  nn::Embedding e(nn::EmbeddingOptions(5, 2).padding_idx(-1));
  CHECK(e->options.padding_idx() == 4);
  CHECK(e->weight[4].to_vector<double>() == std::vector<double>{0, 0});
  CHECK(printed(e) == "xgrad::nn::Embedding(num_embeddings=5, embedding_dim=2, padding_idx=4)");
  xg::Tensor y = e(xg::tensor({4, 1, 4}, {3}, xg::kInt64));
  CHECK(y.shape() == xg::Shape{3, 2});
  CHECK(y[0].to_vector<double>() == std::vector<double>{0, 0});
  y.sum().backward();
  CHECK(e->weight.grad().to_vector<double>() == std::vector<double>{0, 0, 1, 1, 0, 0, 0, 0, 0, 0});

  // Index shapes: 0-d, 3-d, empty, non-contiguous; int32 as int64.
  nn::Embedding table(7, 3);
  CHECK(table(xg::scalar_tensor(2, xg::kInt64)).shape() == xg::Shape{3});
  CHECK(table(xg::scalar_tensor(2, xg::kInt64)).to_vector<float>() == table->weight[2].to_vector<float>());
  CHECK(table(xg::zeros({2, 2, 2}, xg::kInt64)).shape() == xg::Shape{2, 2, 2, 3});
  xg::Tensor none = table(xg::zeros({0}, xg::kInt64));
  CHECK(none.shape() == xg::Shape{0, 3});
  none.sum().backward();
  CHECK(table->weight.grad().to_vector<double>() == std::vector<double>(21, 0.0));
  CHECK(table(xg::zeros({2, 0}, xg::kInt32)).shape() == xg::Shape{2, 0, 3});
  xg::Tensor index = xg::tensor({0, 1, 2, 3, 4, 5}, {2, 3}, xg::kInt64);
  CHECK(xg::equal(table(index.t()), table(index.t().contiguous())));
  CHECK(xg::equal(table(index.to(xg::kInt32)), table(index)));

  // Out-of-range and negative indices name Embedding and the index (torch: "index out of range in self").
  CHECK_THROWS_WITH_AS(table(xg::tensor({1, 7}, {2}, xg::kInt64)), doctest::Contains("Embedding: index 7 is out of range"),
                       std::out_of_range);
  CHECK_THROWS_WITH_AS(table(xg::tensor({-1}, {1}, xg::kInt32)), doctest::Contains("index -1"), std::out_of_range);
  CHECK_THROWS_WITH_AS(table(xg::tensor({1.0})), doctest::Contains("indices must be int64 or int32"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::embedding(xg::tensor({1}, {1}, xg::kInt64), xg::ones({4})), doctest::Contains("'weight' must be 2-D"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::Embedding(nn::EmbeddingOptions(5, 2).padding_idx(5)), doctest::Contains("Padding_idx must be within num_embeddings"),
                       std::invalid_argument);
  CHECK_THROWS_AS(nn::Embedding(nn::EmbeddingOptions(5, 2).padding_idx(-6)), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::embedding(xg::tensor({1}, {1}, xg::kInt64), xg::ones({4, 2}), F::EmbeddingFuncOptions().padding_idx(4)),
                       doctest::Contains("padding_idx 4 must be within num_embeddings (4)"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::Embedding(-1, 2), doctest::Contains("must be >= 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::Embedding(nn::EmbeddingOptions(5, 2)._weight(xg::ones({4, 2}))),
                       doctest::Contains("Shape of _weight [4, 2] does not match"), std::invalid_argument);

  // from_pretrained: frozen by default, the given storage shared.
  xg::Tensor pretrained = xg::tensor({1, 2, 3, 4, 5, 6}, {3, 2});
  nn::Embedding frozen = nn::Embedding::from_pretrained(pretrained);
  CHECK_FALSE(frozen->weight.requires_grad());
  CHECK(frozen->options.num_embeddings() == 3);
  CHECK(frozen(xg::tensor({2}, {1}, xg::kInt64)).to_vector<float>() == std::vector<float>{5, 6});
  {
    xg::NoGradGuard no_grad;
    pretrained[2][0] = 50.0;
  }
  CHECK(frozen->weight[2][0].item() == 50.0);
  CHECK(printed(frozen) == "xgrad::nn::Embedding(num_embeddings=3, embedding_dim=2)");
  CHECK_THROWS_WITH_AS(nn::Embedding::from_pretrained(xg::ones({4})), doctest::Contains("expected to be 2-dimensional"),
                       std::invalid_argument);
  // clone() is deep even for a table given through _weight (the original keeps its values).
  auto copy = std::dynamic_pointer_cast<nn::EmbeddingImpl>(frozen->clone());
  REQUIRE(copy);
  CHECK(copy->weight.to_vector<float>() == frozen->weight.to_vector<float>());
  {
    xg::NoGradGuard no_grad;
    copy->weight.fill_(0);
  }
  CHECK(frozen->weight[0][0].item() == 1.0);
  CHECK(pretrained[0][0].item() == 1.0);

  CHECK(printed(nn::Embedding(10, 3)) == "xgrad::nn::Embedding(num_embeddings=10, embedding_dim=3)");
  CHECK(printed(nn::Embedding(
            nn::EmbeddingOptions(10, 3).padding_idx(-1).max_norm(2.0).norm_type(1.0).scale_grad_by_freq(true).sparse(true))) ==
        "xgrad::nn::Embedding(num_embeddings=10, embedding_dim=3, padding_idx=9, max_norm=2, norm_type=1, "
        "scale_grad_by_freq=true, sparse=true)");
  // sparse = true gives the same (dense) gradient.
  nn::Embedding sparse(nn::EmbeddingOptions(4, 2).sparse(true));
  sparse(xg::tensor({1, 1}, {2}, xg::kInt64)).sum().backward();
  CHECK(sparse->weight.grad().to_vector<double>() == std::vector<double>{0, 0, 2, 2, 0, 0, 0, 0});
  // one_hot through nn::functional, as LibTorch's.
  CHECK(F::one_hot(xg::tensor({0, 2}, {2}, xg::kInt64), 3).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0, 0, 0, 1});
}

// ---------------------------------------------------------------- Dropout

TEST_CASE("Dropout: the identity in eval mode, scaled Bernoulli masks in training, reproducible under manual_seed") {
  nn::Dropout dropout(0.3);
  CHECK(dropout->options.p() == 0.3);
  CHECK_FALSE(dropout->options.inplace());
  CHECK(nn::Dropout()->options.p() == 0.5);
  xg::Tensor x = xg::ones({200000});
  // Training: about 30% zeros, the rest 1 / 0.7, so the mean stays about 1.
  xg::manual_seed(1);
  xg::Tensor y = dropout(x);
  std::vector<float> values = y.to_vector<float>();
  int64_t zeros = 0;
  bool scaled = true;
  for (float v : values) {
    if (v == 0) ++zeros;
    else scaled = scaled && v == doctest::Approx(1 / 0.7).epsilon(1e-6);
  }
  CHECK(scaled);
  CHECK(static_cast<double>(zeros) / values.size() == doctest::Approx(0.3).epsilon(0.02));  // ~10 sigma
  CHECK(y.mean().item() == doctest::Approx(1.0).epsilon(0.01));
  // Reproducible bit for bit from the seed; a different seed gives another mask.
  xg::manual_seed(1);
  CHECK(xg::equal(dropout(x), y));
  xg::manual_seed(2);
  CHECK_FALSE(xg::equal(dropout(x), y));
  // Eval mode: the input itself, as PyTorch.
  dropout->eval();
  xg::Tensor same = dropout(x);
  CHECK(same.impl() == x.impl());
  dropout->train();
  // p = 0 returns the input; p = 1 gives zeros (NaN * 0 stays NaN, as torch).
  CHECK(nn::Dropout(0.0)(x).impl() == x.impl());
  xg::Tensor special = xg::tensor({1.0, std::numeric_limits<double>::quiet_NaN(), -2.0});
  std::vector<double> dropped = nn::Dropout(1.0)(special).to_vector<double>();
  CHECK(dropped[0] == 0);
  CHECK(std::isnan(dropped[1]));
  CHECK(dropped[2] == 0);
  CHECK(nn::Dropout(1.0)(xg::ones({3}, xg::kInt64)).to_vector<int64_t>() == std::vector<int64_t>{0, 0, 0});
  // Empty and integer inputs.
  CHECK(dropout(xg::zeros({0, 3})).shape() == xg::Shape{0, 3});
  CHECK_THROWS_WITH_AS(dropout(xg::ones({3}, xg::kInt64)), doctest::Contains("dropout: expected a floating-point input"),
                       std::invalid_argument);
  dropout->eval();
  CHECK(dropout(xg::ones({3}, xg::kInt64)).dtype() == xg::kInt64);
  // Printing and bad probabilities (torch's message).
  CHECK(printed(nn::Dropout()) == "xgrad::nn::Dropout(p=0.5, inplace=false)");
  CHECK(printed(nn::Dropout(nn::DropoutOptions(0.3).inplace(true))) == "xgrad::nn::Dropout(p=0.3, inplace=true)");
  CHECK_THROWS_WITH_AS(nn::Dropout(1.5), doctest::Contains("dropout probability has to be between 0 and 1, but got 1.5"),
                       std::invalid_argument);
  CHECK_THROWS_AS(nn::Dropout(-0.1), std::invalid_argument);
  CHECK_THROWS_AS(nn::Dropout(std::nan("")), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::dropout(x, F::DropoutFuncOptions().p(-0.1)), doctest::Contains("but got -0.1"), std::invalid_argument);
  CHECK_THROWS_AS(F::dropout(x, F::DropoutFuncOptions().p(2).training(false)), std::invalid_argument);
}

TEST_CASE("Dropout's gradient is mask / (1 - p); gradcheck and gradgradcheck with a fixed seed; in-place and functional forms") {
  xg::manual_seed(3);
  xg::Tensor x = random_input({50, 40}, 0.5, 1.5);  // never 0, so the mask is y != 0
  xg::Tensor g = xg::randn({50, 40}, xg::kFloat64);
  nn::Dropout dropout(0.4);
  xg::Tensor y = dropout(x);
  CHECK(y.dtype() == xg::kFloat64);
  (y * g).sum().backward();
  xg::Tensor mask = (y != 0).to(xg::kFloat64);
  CHECK(xg::allclose(x.grad(), g * mask / 0.6, 1e-14, 1e-14));
  CHECK(xg::allclose(y, x.detach() * mask / 0.6, 1e-14, 1e-14));
  CHECK(mask.mean().item() == doctest::Approx(0.6).epsilon(0.05));

  auto fn = [](const std::vector<xg::Tensor>& in) {
    xg::manual_seed(4);  // the same mask at every evaluation
    return F::dropout(in[0], F::DropoutFuncOptions().p(0.4));
  };
  CHECK(xg::autograd::gradcheck(fn, {random_input({4, 5})}));
  CHECK(xg::autograd::gradgradcheck(fn, {random_input({4, 5})}));
  auto on_transposed = [&fn](const std::vector<xg::Tensor>& in) { return fn({in[0].t()}); };
  CHECK(xg::autograd::gradcheck(on_transposed, {random_input({5, 4})}));
  CHECK(xg::autograd::gradgradcheck(on_transposed, {random_input({5, 4})}));
  auto on_expanded = [&fn](const std::vector<xg::Tensor>& in) { return fn({in[0].expand({4, 5})}); };
  CHECK(xg::autograd::gradcheck(on_expanded, {random_input({4, 1})}));
  // A non-contiguous input is masked element for element like its contiguous copy.
  xg::Tensor t = random_input({5, 4}).t();
  xg::manual_seed(5);
  xg::Tensor a = F::dropout(t);
  xg::manual_seed(5);
  xg::Tensor b = F::dropout(t.contiguous());
  CHECK(xg::equal(a, b));

  // In place: the input is overwritten and returned; the gradient reaches the leaf through it.
  nn::Dropout inplace(nn::DropoutOptions(0.5).inplace(true));
  xg::Tensor leaf = random_input({6, 6}, 0.5, 1.5);
  xg::Tensor h = leaf * 1.0;
  xg::Tensor out = inplace(h);
  CHECK(out.impl() == h.impl());
  xg::Tensor kept = (out != 0).to(xg::kFloat64);
  out.sum().backward();
  CHECK(xg::allclose(leaf.grad(), kept * 2.0, 1e-14, 1e-14));
  CHECK_THROWS_WITH(inplace(random_input({3})), doctest::Contains("leaf"));  // a leaf that requires grad, as torch
  // Functional defaults: training = true, p = 0.5; training(false) is the identity.
  xg::Tensor ones = xg::ones({1000});
  CHECK(F::dropout(ones).eq(0).any().item<bool>());
  CHECK(F::dropout(ones, F::DropoutFuncOptions().training(false)).impl() == ones.impl());
  CHECK(F::dropout(ones, {}).eq(2).any().item<bool>());
}

// ---------------------------------------------------------------- Identity, Flatten, Unflatten

TEST_CASE("Identity, Flatten and Unflatten: shapes, views, gradients, printing and bad arguments") {
  xg::Tensor x = xg::arange(0., 24.).reshape({2, 3, 4}).requires_grad_();
  nn::Identity identity;
  CHECK(identity(x).impl() == x.impl());
  CHECK(printed(identity) == "xgrad::nn::Identity()");

  nn::Flatten flatten;
  CHECK(flatten->options.start_dim() == 1);
  CHECK(flatten->options.end_dim() == -1);
  xg::Tensor flat = flatten(x);
  CHECK(flat.shape() == xg::Shape{2, 12});
  CHECK(flat.to_vector<float>() == x.to_vector<float>());
  CHECK(nn::Flatten(nn::FlattenOptions().start_dim(0).end_dim(1))(x).shape() == xg::Shape{6, 4});
  CHECK(printed(flatten) == "xgrad::nn::Flatten(start_dim=1, end_dim=-1)");
  CHECK(printed(nn::Flatten(nn::FlattenOptions().start_dim(0).end_dim(2))) == "xgrad::nn::Flatten(start_dim=0, end_dim=2)");
  CHECK_THROWS_AS(flatten(xg::ones({3})), std::invalid_argument);  // torch: dimension out of range
  CHECK_THROWS_AS(nn::Flatten(nn::FlattenOptions().start_dim(2).end_dim(1))(x), std::invalid_argument);

  nn::Unflatten unflatten(1, std::vector<int64_t>{2, 6});
  xg::Tensor back = unflatten(flat);
  CHECK(back.shape() == xg::Shape{2, 2, 6});
  CHECK(back.is_view());
  (back * 2).sum().backward();
  CHECK(x.grad().to_vector<float>() == std::vector<float>(24, 2.0f));
  CHECK(nn::Unflatten(1, std::vector<int64_t>{2, -1})(xg::ones({3, 8})).shape() == xg::Shape{3, 2, 4});
  CHECK(nn::Unflatten(-1, std::vector<int64_t>{2, 2})(xg::ones({3, 4})).shape() == xg::Shape{3, 2, 2});
  CHECK(nn::Unflatten(0, std::vector<int64_t>{0, 5})(xg::ones({0, 2})).shape() == xg::Shape{0, 5, 2});
  xg::Tensor transposed = xg::arange(0., 24.).reshape({6, 4}).t();
  xg::Tensor split = nn::Unflatten(1, std::vector<int64_t>{2, 3})(transposed);
  CHECK(split.shape() == xg::Shape{4, 2, 3});
  CHECK(split.to_vector<float>() == transposed.contiguous().reshape({4, 2, 3}).to_vector<float>());
  CHECK(printed(unflatten) == "xgrad::nn::Unflatten(dim=1, unflattened_size={2, 6})");
  CHECK(printed(nn::Unflatten(0, std::vector<int64_t>{6})) == "xgrad::nn::Unflatten(dim=0, unflattened_size={6})");
  CHECK_THROWS_WITH_AS(nn::Unflatten(1, std::vector<int64_t>{2, 4})(xg::ones({3, 7})),
                       doctest::Contains("Provided sizes [2, 4] don't multiply up to the size of dim 1 (7)"), std::invalid_argument);
  CHECK_THROWS_AS(nn::Unflatten(1, std::vector<int64_t>{2, -1})(xg::ones({3, 7})), std::invalid_argument);
  CHECK_THROWS_AS(nn::Unflatten(1, std::vector<int64_t>{0, -1})(xg::ones({3, 0})), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::Unflatten(1, std::vector<int64_t>{-1, -1}), doctest::Contains("only one size can be inferred"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::Unflatten(1, std::vector<int64_t>{}), doctest::Contains("sizes must be non-empty"),
                       std::invalid_argument);
  CHECK_THROWS_AS(nn::Unflatten(1, std::vector<int64_t>{2, -3}), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::Unflatten(2, std::vector<int64_t>{1})(xg::ones({3, 4})), doctest::Contains("Dimension out of range"),
                       std::invalid_argument);
  // In a Sequential, and cloned.
  nn::Sequential model(nn::Flatten(), nn::Linear(12, 6), nn::Unflatten(1, std::vector<int64_t>{2, 3}), nn::Identity());
  CHECK(model->forward(xg::ones({5, 3, 4})).shape() == xg::Shape{5, 2, 3});
  auto copy = std::dynamic_pointer_cast<nn::UnflattenImpl>(unflatten->clone());
  REQUIRE(copy);
  CHECK(copy->options.sizes() == std::vector<int64_t>{2, 6});
}

// ---------------------------------------------------------------- in models and checkpoints

namespace {
// A LibTorch-style model using every layer of this file, registered in its constructor.
struct TaggerImpl : nn::Module {
  TaggerImpl() {
    embedding = register_module("embedding", nn::Embedding(nn::EmbeddingOptions(20, 4).padding_idx(0)));
    flatten = register_module("flatten", nn::Flatten());
    norm = register_module("norm", nn::LayerNorm(std::vector<int64_t>{12}));
    hidden = register_module("hidden", nn::Linear(12, 8));
    batch_norm = register_module("batch_norm", nn::BatchNorm1d(8));
    dropout = register_module("dropout", nn::Dropout(0.25));
    out = register_module("out", nn::Linear(8, 3));
  }
  xg::Tensor forward(const xg::Tensor& indices) {
    xg::Tensor h = norm(flatten(embedding(indices)));
    return out(dropout(xg::relu(batch_norm(hidden(h)))));
  }
  nn::Embedding embedding{nullptr};
  nn::Flatten flatten{nullptr};
  nn::LayerNorm norm{nullptr};
  nn::Linear hidden{nullptr}, out{nullptr};
  nn::BatchNorm1d batch_norm{nullptr};
  nn::Dropout dropout{nullptr};
};
XGRAD_MODULE(Tagger);
}  // namespace

TEST_CASE("a model with every layer trains, switches to eval, and resumes from a training checkpoint exactly") {
  xg::manual_seed(21);
  Tagger model;
  CHECK(model->named_buffers().keys() ==
        std::vector<std::string>{"batch_norm.running_mean", "batch_norm.running_var", "batch_norm.num_batches_tracked"});
  xg::optim::Adam adam(model->parameters(), xg::optim::AdamOptions(1e-2));
  xg::Tensor indices = xg::randint(0, 20, {16, 3});
  xg::Tensor labels = xg::randint(0, 3, {16});
  auto step = [&](Tagger& net, xg::optim::Adam& optimizer) {
    optimizer.zero_grad();
    xg::Tensor loss = -xg::log_softmax(net(indices), 1).gather(1, labels.unsqueeze(1)).mean();
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  const double first = step(model, adam);
  for (int i = 0; i < 30; ++i) step(model, adam);
  model->eval();
  const double trained = -xg::log_softmax(model(indices), 1).gather(1, labels.unsqueeze(1)).mean().item();
  CHECK(trained < first);
  CHECK(model->batch_norm->num_batches_tracked.item<int64_t>() == 31);
  CHECK(model->embedding->weight[0].to_vector<double>() == std::vector<double>{0, 0, 0, 0});  // padding row untouched
  // Eval mode is deterministic (no dropout, running statistics).
  CHECK(xg::equal(model(indices), model(indices)));

  // A training checkpoint carries the buffers (num_batches_tracked is int64) and the optimizer's state:
  // the resumed run takes the same next steps, bit for bit.
  const std::string path = "/tmp/xgrad_test_layers_tagger.npz";
  model->train();
  xg::optim::save_checkpoint(path, model, adam);
  Tagger resumed;
  xg::optim::Adam resumed_adam(resumed->parameters(), xg::optim::AdamOptions(1e-2));
  xg::optim::load_checkpoint(path, resumed, resumed_adam);
  std::remove(path.c_str());
  CHECK(resumed->batch_norm->num_batches_tracked.item<int64_t>() == 31);
  CHECK(resumed->batch_norm->num_batches_tracked.dtype() == xg::kInt64);
  for (int i = 0; i < 3; ++i) {
    xg::manual_seed(100 + i);  // the same dropout masks in both runs
    const double a = step(model, adam);
    xg::manual_seed(100 + i);
    const double b = step(resumed, resumed_adam);
    CHECK(a == b);
  }
  CHECK(xg::equal(resumed->batch_norm->running_var, model->batch_norm->running_var));
  // Sequential takes the Embedding holder as it takes the others.
  nn::Sequential chain(nn::Embedding(20, 4), nn::Flatten(), nn::Linear(12, 2));
  CHECK(chain->forward(indices).shape() == xg::Shape{16, 2});
}

TEST_CASE("checkpoints hold int64 and int32 tensors bit for bit; bool tensors are refused clearly") {
  const std::string path = "/tmp/xgrad_test_layers_integers.npz";
  xg::StateDict state = {
      {"count", xg::scalar_tensor(int64_t(1) << 40, xg::kInt64)},
      {"labels", xg::tensor({-3, 0, 7, 2147483647}, {2, 2}, xg::kInt32)},
      {"big", xg::tensor({-9007199254740993.0, 5}, {2}, xg::kInt64)},
      {"none", xg::zeros({0, 3}, xg::kInt64)},
  };
  xg::save(state, path);
  xg::StateDict loaded = xg::load_state_dict_file(path);
  REQUIRE(loaded.size() == state.size());
  for (size_t i = 0; i < state.size(); ++i) {
    CAPTURE(state[i].first);
    CHECK(loaded[i].first == state[i].first);
    CHECK(loaded[i].second.dtype() == state[i].second.dtype());
    CHECK(loaded[i].second.shape() == state[i].second.shape());
    CHECK(loaded[i].second.to_vector<int64_t>() == state[i].second.to_vector<int64_t>());
  }
  std::remove(path.c_str());
  CHECK_THROWS_WITH_AS(xg::save(xg::StateDict{{"mask", xg::ones({2}, xg::kBool)}}, path), doctest::Contains("bool tensors cannot be saved"),
                       std::invalid_argument);
  // A float checkpoint entry does not load into an int64 buffer (dtypes are checked as before).
  nn::BatchNorm1d bn(2);
  xg::StateDict wrong = bn->state_dict();
  wrong.back().second = xg::zeros({});
  CHECK_THROWS_WITH_AS(bn->load_state_dict(wrong), doctest::Contains("num_batches_tracked"), std::invalid_argument);
}

// Every differentiable op gradchecked in float64: plain, broadcast both ways, keepdim, negative dims and
// transposed inputs; gradgradcheck for the element-wise ops and matmul.
#include "helpers.hpp"

using xg::autograd::gradcheck;
using xg::autograd::gradgradcheck;
using Inputs = std::vector<xg::Tensor>;

namespace {
xg::Tensor positive(xg::Shape shape) { return random_input(shape, 0.5, 2.0); }
}  // namespace

TEST_CASE("binary ops: same shape, broadcast both ways, scalar and transposed") {
  xg::manual_seed(1);
  auto ops = std::vector<std::function<xg::Tensor(const xg::Tensor&, const xg::Tensor&)>>{
      [](auto& a, auto& b) { return a + b; }, [](auto& a, auto& b) { return a - b; },
      [](auto& a, auto& b) { return a * b; }, [](auto& a, auto& b) { return a / b; },
      [](auto& a, auto& b) { return xg::pow(a, b); }};
  std::vector<std::pair<xg::Shape, xg::Shape>> shapes = {
      {{3, 2}, {3, 2}}, {{3, 2}, {2}}, {{2}, {3, 2}}, {{3, 1}, {1, 4}}, {{2, 3, 4}, {3, 1}}, {{}, {2, 3}}, {{2, 3}, {}}};
  for (size_t k = 0; k < ops.size(); ++k) {
    for (auto& [sa, sb] : shapes) {
      CAPTURE(k);
      xg::Tensor a = positive(sa), b = positive(sb);
      CHECK(gradcheck([&](const Inputs& in) { return ops[k](in[0], in[1]); }, {a, b}));
      CHECK(gradgradcheck([&](const Inputs& in) { return ops[k](in[0], in[1]); }, {a, b}));
    }
    // A transposed operand.
    xg::Tensor a = positive({2, 3}), b = positive({3, 2});
    CHECK(gradcheck([&](const Inputs& in) { return ops[k](in[0].t(), in[1]); }, {a, b}));
  }
}

TEST_CASE("ops with a double on either side") {
  xg::Tensor x = positive({2, 3});
  auto check = [&](std::function<xg::Tensor(const xg::Tensor&)> f) {
    CHECK(gradcheck([&](const Inputs& in) { return f(in[0]); }, {x}));
    CHECK(gradgradcheck([&](const Inputs& in) { return f(in[0]); }, {x}));
  };
  check([](auto& t) { return t + 2.5; });
  check([](auto& t) { return 2.5 + t; });
  check([](auto& t) { return t - 2.5; });
  check([](auto& t) { return 2.5 - t; });
  check([](auto& t) { return t * 3.0; });
  check([](auto& t) { return 3.0 * t; });
  check([](auto& t) { return t / 3.0; });
  check([](auto& t) { return 3.0 / t; });
  check([](auto& t) { return -t; });
  check([](auto& t) { return t.pow(2.0); });
  check([](auto& t) { return t.pow(3.0); });
  check([](auto& t) { return t.pow(-1.5); });
  check([](auto& t) { return t.pow(0.0); });
}

TEST_CASE("unary math ops, including their second derivatives") {
  xg::manual_seed(2);
  std::vector<std::function<xg::Tensor(const xg::Tensor&)>> ops = {
      [](auto& t) { return t.exp(); },     [](auto& t) { return t.log(); },  [](auto& t) { return t.sqrt(); },
      [](auto& t) { return t.abs(); },     [](auto& t) { return t.tanh(); }, [](auto& t) { return t.sigmoid(); },
      [](auto& t) { return t.relu(); },    [](auto& t) { return t.clamp(0.8, 1.5); },
      [](auto& t) { return t.erf(); }};
  for (size_t k = 0; k < ops.size(); ++k) {
    CAPTURE(k);
    // Away from kinks (abs, relu, clamp at 0, 0.8, 1.5) so finite differences are valid.
    xg::Tensor x = xg::tensor({0.6, 0.9, 1.2, 1.7, 0.55, 1.9}, {2, 3}, f64());
    xg::Tensor negative_x = xg::tensor({-0.6, 0.9, -1.2, 1.7, -0.5, 1.1}, {2, 3}, f64());
    CHECK(gradcheck([&](const Inputs& in) { return ops[k](in[0]); }, {x}));
    CHECK(gradgradcheck([&](const Inputs& in) { return ops[k](in[0]); }, {x}));
    if (k != 1 && k != 2) CHECK(gradcheck([&](const Inputs& in) { return ops[k](in[0]); }, {negative_x}));
    // Large enough to take the SIMD path.
    xg::Tensor big = positive({5, 9});
    CHECK(gradcheck([&](const Inputs& in) { return ops[k](in[0]); }, {big}));
  }
}

TEST_CASE("reductions: all, dims, keepdim, negative dims") {
  xg::Tensor x = random_input({2, 3, 4});
  CHECK(gradcheck([](const Inputs& in) { return in[0].sum(); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].mean(); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].sum({1}); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].sum({-1}, true); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].sum({0, 2}); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].mean({-2}, true); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].mean({0, -1}); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].max(); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].min(); }, {x}));
  CHECK(gradgradcheck([](const Inputs& in) { return (in[0] * in[0]).sum({1}); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].t().sum({0}); }, {random_input({3, 5})}));
}

TEST_CASE("max and min share the gradient between ties, like PyTorch") {
  xg::Tensor x = xg::tensor({1.0, 3.0, 3.0, 2.0}, xg::requires_grad());
  x.max().backward();
  check_values(x.grad(), {0, 0.5, 0.5, 0});
  xg::Tensor y = xg::tensor({1.0, 3.0, 1.0, 2.0}, xg::requires_grad());
  y.min().backward();
  check_values(y.grad(), {0.5, 0, 0.5, 0});
}

TEST_CASE("shape ops") {
  xg::Tensor x = random_input({2, 3, 4});
  CHECK(gradcheck([](const Inputs& in) { return in[0].reshape({4, -1}); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].transpose(0, -1); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].transpose(1, 2) * 2.0; }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].unsqueeze(-1).unsqueeze(0); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].unsqueeze(1).squeeze(); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].unsqueeze(1).squeeze(1); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0][1]; }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0][-1][2]; }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].slice(1, 1, 3); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].slice(-1, -3, 100); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].index_select(2, {3, 0, 3}); }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].index_select(-3, {1, 1}); }, {x}));
  xg::Tensor y = random_input({2, 3});
  CHECK(gradcheck([](const Inputs& in) { return in[0].t(); }, {y}));
  CHECK(gradcheck([](const Inputs& in) { return xg::cat({in[0], in[1].slice(1, 0, 3)}, 0); }, {y, random_input({4, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return xg::cat({in[0], in[1]}, -1); }, {y, random_input({2, 5})}));
  CHECK(gradcheck([](const Inputs& in) { return xg::stack({in[0], in[1]}, 1); }, {y, random_input({2, 3})}));
  CHECK(gradcheck([](const Inputs& in) { return xg::stack({in[0], in[1]}, -1); }, {y, random_input({2, 3})}));
  CHECK(gradgradcheck([](const Inputs& in) { return xg::cat({in[0] * in[0], in[0].slice(0, 0, 1)}, 0); }, {y}));
  CHECK(gradgradcheck([](const Inputs& in) { return (in[0] * in[0]).index_select(1, {2, 2, 0}); }, {y}));
  CHECK(gradcheck([](const Inputs& in) { return xg::broadcast_to(in[0], {4, 2, 3}); }, {y}));
  CHECK(gradcheck([](const Inputs& in) { return xg::sum_to(in[0], {1, 3}); }, {y}));
}

TEST_CASE("matmul: 1-D, 2-D, batched, broadcast batches, transposed operands") {
  xg::manual_seed(3);
  auto mm = [](const Inputs& in) { return xg::matmul(in[0], in[1]); };
  std::vector<std::pair<xg::Shape, xg::Shape>> shapes = {
      {{3}, {3}},       {{2, 3}, {3, 4}},    {{3}, {3, 4}},       {{2, 3}, {3}},      {{2, 2, 3}, {2, 3, 4}},
      {{2, 2, 3}, {3, 4}}, {{3}, {2, 3, 4}}, {{2, 2, 3}, {3}}, {{2, 1, 2, 3}, {3, 3, 2}}, {{20, 30}, {30, 10}}};
  for (auto& [sa, sb] : shapes) {
    CAPTURE(xg::shape_string(sa));
    CAPTURE(xg::shape_string(sb));
    CHECK(gradcheck(mm, {random_input(sa), random_input(sb)}));
  }
  CHECK(gradgradcheck(mm, {random_input({2, 3}), random_input({3, 2})}));
  CHECK(gradgradcheck(mm, {random_input({2, 2, 3}), random_input({2, 3, 2})}));
  CHECK(gradcheck([](const Inputs& in) { return xg::matmul(in[0].t(), in[1].t()); }, {random_input({3, 2}), random_input({4, 3})}));
  CHECK(gradcheck([](const Inputs& in) { return xg::matmul(in[0].t(), in[1]); }, {random_input({30, 20}), random_input({30, 10})}));
}

TEST_CASE("softmax and log_softmax") {
  xg::Tensor x = random_input({3, 4}, -3, 3);
  for (int64_t dim : {0, 1, -1}) {
    CHECK(gradcheck([dim](const Inputs& in) { return xg::softmax(in[0], dim); }, {x}));
    CHECK(gradcheck([dim](const Inputs& in) { return xg::log_softmax(in[0], dim); }, {x}));
    CHECK(gradgradcheck([dim](const Inputs& in) { return xg::softmax(in[0], dim); }, {x}));
    CHECK(gradgradcheck([dim](const Inputs& in) { return xg::log_softmax(in[0], dim); }, {x}));
  }
  // Numerically stable for large inputs.
  xg::Tensor big = xg::tensor({1000.0, 1001.0, 1002.0}, f64(false));
  check_values(xg::softmax(big, 0), {0.09003057, 0.24472847, 0.66524096});
  check_values(xg::log_softmax(big, 0), {-2.40760596, -1.40760596, -0.40760596});
}

TEST_CASE("clone and dtype conversion are differentiable") {
  xg::Tensor x = random_input({2, 2});
  CHECK(gradcheck([](const Inputs& in) { return in[0].clone() * 2.0; }, {x}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].to(xg::kFloat32).to(xg::kFloat64); }, {x},
                  xg::autograd::GradcheckOptions().set_atol(1e-3).set_eps(1e-3)));
}

TEST_CASE("gradcheck reports a wrong gradient with the input, element and both values") {
  xg::Tensor x = random_input({2});
  // abs at 0 is a kink: finite differences see slope 0, the analytical gradient is sign(0) = 0 -> agrees.
  // A deliberately wrong function: detach part of the computation so the analytical gradient misses it.
  auto wrong = [](const Inputs& in) { return in[0] * in[0].detach(); };
  try {
    gradcheck(wrong, {x});
    FAIL("gradcheck accepted a wrong gradient");
  } catch (const xg::autograd::GradcheckError& error) {
    std::string message = error.what();
    CHECK(message.find("input 0") != std::string::npos);
    CHECK(message.find("analytical") != std::string::npos);
    CHECK(message.find("numerical") != std::string::npos);
  }
  CHECK_THROWS_AS(gradcheck(wrong, {xg::rand({2}, xg::requires_grad())}), std::invalid_argument);  // float32
}

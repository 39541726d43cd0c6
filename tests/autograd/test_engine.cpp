// The backward engine: graph shapes, accumulation, retain_graph, errors, autograd::grad, deep graphs.
#include <cmath>

#include "helpers.hpp"

TEST_CASE("fan-out: a tensor used twice gets both contributions") {
  xg::Tensor x = xg::tensor({2.0}, xg::requires_grad());
  xg::Tensor y = x * x + x * 3.0;  // dy/dx = 2x + 3
  y.backward();
  check_values(x.grad(), {7.0});
}

TEST_CASE("diamond: two paths from one intermediate") {
  xg::Tensor x = xg::tensor({1.5}, xg::requires_grad());
  xg::Tensor h = x.exp();
  xg::Tensor y = h.tanh() * h.sigmoid();  // both branches depend on h
  y.backward();
  double e = std::exp(1.5), t = std::tanh(e), s = 1 / (1 + std::exp(-e));
  check_values(x.grad(), {((1 - t * t) * s + t * s * (1 - s)) * e});
}

TEST_CASE("gradients accumulate across backward calls until zeroed") {
  xg::Tensor w = xg::tensor({1.0, 2.0}, xg::requires_grad());
  for (int i = 0; i < 3; ++i) (w * w).sum().backward();
  check_values(w.grad(), {6.0, 12.0});
  xg::Tensor handle = w.grad();
  w.grad().zero_();
  check_values(handle, {0.0, 0.0});  // grad() is a handle to the stored gradient
  (w * 3.0).sum().backward();
  check_values(w.grad(), {3.0, 3.0});
  check_values(handle, {3.0, 3.0});  // accumulation happens in place
}

TEST_CASE("retain_graph allows a second backward, and without it the second throws") {
  xg::Tensor x = xg::tensor({3.0}, xg::requires_grad());
  xg::Tensor y = (x * x).sum();
  y.backward({}, true);
  y.backward();
  check_values(x.grad(), {12.0});
  try {
    y.backward();
    FAIL("second backward through a freed graph did not throw");
  } catch (const std::logic_error& error) {
    CHECK(std::string(error.what()).find("second time") != std::string::npos);
  }
}

TEST_CASE("backward error paths") {
  xg::Tensor x = xg::tensor({1.0, 2.0}, xg::requires_grad());
  CHECK_THROWS_AS((x * 2.0).backward(), std::logic_error);                  // non-scalar without gradient
  CHECK_THROWS_AS(xg::tensor({1.0}).backward(), std::logic_error);          // no grad_fn, no requires_grad
  CHECK_THROWS_AS((x * 2.0).backward(xg::ones({3})), std::invalid_argument);  // wrong gradient shape
  (x * 2.0).backward(xg::tensor({1.0, 0.5}));
  check_values(x.grad(), {2.0, 1.0});
  CHECK_THROWS_AS(xg::Tensor().backward(), std::logic_error);
}

TEST_CASE("shape and dtype errors name the op and both shapes") {
  xg::Tensor a = xg::zeros({3, 2}), b = xg::zeros({4});
  try {
    (void)(a + b);
    FAIL("no throw");
  } catch (const std::invalid_argument& error) {
    CHECK(std::string(error.what()) == "add: shapes [3, 2] and [4] cannot broadcast");
  }
  CHECK_THROWS_WITH_AS((void)xg::matmul(xg::zeros({2, 3}), xg::zeros({4, 5})),
                       "matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)", std::invalid_argument);
  // Elementwise ops promote like PyTorch (test_dtypes.cpp); matmul, like PyTorch's, does not.
  CHECK_THROWS_WITH_AS((void)xg::matmul(xg::zeros({2, 2}), xg::zeros({2, 2}, xg::dtype(xg::kFloat64))),
                       "matmul: dtypes float32 and float64 differ; convert one with .to()", std::invalid_argument);
  CHECK_THROWS_AS((void)a.reshape({5}), std::invalid_argument);
  CHECK_THROWS_AS((void)a.sum({2}), std::invalid_argument);
  CHECK_THROWS_AS((void)a[3], std::out_of_range);
  CHECK_THROWS_AS((void)a.index_select(0, {3}), std::out_of_range);
  CHECK_THROWS_AS((void)xg::cat({a, b}, 0), std::invalid_argument);
  CHECK_THROWS_AS((void)xg::stack({a, b}), std::invalid_argument);
  CHECK_THROWS_AS((void)a.item(), std::invalid_argument);
}

TEST_CASE("no_grad records nothing, and detach cuts history and shares data") {
  xg::Tensor w = xg::tensor({1.0, 2.0}, xg::requires_grad());
  {
    xg::NoGradGuard guard;
    CHECK_FALSE(xg::GradMode::is_enabled());
    xg::Tensor y = w * 2.0;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.is_leaf());
  }
  CHECK(xg::GradMode::is_enabled());
  xg::Tensor d = w.detach();
  CHECK_FALSE(d.requires_grad());
  d.fill_(5.0);  // shares storage with w
  check_values(w, {5.0, 5.0});
  xg::Tensor y = w * 2.0;
  CHECK(y.requires_grad());
  CHECK_FALSE(y.is_leaf());
  CHECK(y.grad_fn_name() == "MulBackward");
  CHECK_FALSE((xg::ones({2}) * 2.0).requires_grad());
}

TEST_CASE("non-leaf gradients only with retain_grad") {
  xg::Tensor x = xg::tensor({2.0}, xg::requires_grad());
  xg::Tensor h = x * 3.0;
  xg::Tensor k = x * 4.0;
  h.retain_grad();
  (h * h + k).sum().backward();
  check_values(h.grad(), {12.0});
  CHECK_FALSE(k.grad().defined());
  check_values(x.grad(), {36.0 + 4.0});
}

TEST_CASE("autograd::grad returns gradients without touching .grad") {
  xg::Tensor x = xg::tensor({1.0, 2.0}, xg::requires_grad());
  xg::Tensor y = xg::tensor({3.0}, xg::requires_grad());
  xg::Tensor h = x * y;
  xg::Tensor out = (h * h).sum();
  auto grads = xg::autograd::grad({out}, {x, h}, {}, true);
  check_values(grads[0], {18.0, 36.0});  // 2 h y
  check_values(grads[1], {6.0, 12.0});   // 2 h
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(y.grad().defined());
  CHECK_THROWS_AS(xg::autograd::grad({out}, {xg::tensor({1.0}, xg::requires_grad())}, {}, true), std::invalid_argument);
  auto unused = xg::autograd::grad({out}, {xg::tensor({1.0}, xg::requires_grad())}, {}, true, false, true);
  CHECK_FALSE(unused[0].defined());
}

TEST_CASE("create_graph gives higher-order gradients") {
  xg::Tensor x = xg::tensor({2.0}, f64());
  xg::Tensor y = x.pow(3.0).sum();
  auto first = xg::autograd::grad({y}, {x}, {}, true, true);  // 3x^2 = 12
  check_values(first[0], {12.0});
  CHECK(first[0].requires_grad());
  auto second = xg::autograd::grad({first[0].sum()}, {x}, {}, true, true);  // 6x = 12
  check_values(second[0], {12.0});
  auto third = xg::autograd::grad({second[0].sum()}, {x});  // 6
  check_values(third[0], {6.0});
  // Through an op that saves its output (exp): d2/dx2 exp(x) = exp(x).
  xg::Tensor z = xg::tensor({0.5}, f64());
  auto dz = xg::autograd::grad({z.exp().sum()}, {z}, {}, true, true);
  auto ddz = xg::autograd::grad({dz[0].sum()}, {z});
  check_values(ddz[0], {std::exp(0.5)});
}

TEST_CASE("backward with create_graph fills differentiable .grad") {
  xg::Tensor x = xg::tensor({1.5}, f64());
  (x * x * x).sum().backward({}, false, true);
  CHECK(x.grad().requires_grad());
  check_values(x.grad(), {6.75});
  auto second = xg::autograd::grad({x.grad().sum()}, {x});
  check_values(second[0], {9.0});
  // As in PyTorch, a differentiable .grad refers back to x through its graph: reset it to break the cycle.
  x.mutable_grad() = xg::Tensor();
}

TEST_CASE("requires_grad propagates, and requires_grad_ only on leaves") {
  xg::Tensor a = xg::ones({2});
  xg::Tensor b = xg::ones({2}, xg::requires_grad());
  CHECK((a + b).requires_grad());
  CHECK_FALSE((a + a).requires_grad());
  xg::Tensor c = a + b;
  CHECK_THROWS_AS(c.requires_grad_(false), std::logic_error);
  a.requires_grad_();
  CHECK(a.requires_grad());
  CHECK(a.is_leaf());
}

TEST_CASE("in place: refused on leaves that require grad, allowed under NoGradGuard, tracked on non-leaves") {
  xg::Tensor w = xg::tensor({1.0, 2.0}, xg::requires_grad());
  CHECK_THROWS_AS(w += 1.0, std::logic_error);
  CHECK_THROWS_AS(w.zero_(), std::logic_error);
  {
    xg::NoGradGuard guard;
    w -= xg::tensor({0.5, 0.5});
    w *= 2.0;
  }
  check_values(w, {1.0, 3.0});
  xg::Tensor h = w * 2.0;  // non-leaf
  h += w;                   // h = 3 w
  h *= w;                   // h = 3 w^2
  h.sum().backward();
  check_values(w.grad(), {6.0, 18.0});
  xg::Tensor plain = xg::zeros({2, 3});
  plain += xg::ones({3});
  check_values(plain, {1, 1, 1, 1, 1, 1});
  CHECK_THROWS_AS(plain += xg::ones({2, 2, 3}), std::invalid_argument);  // never broadcasts the target
}

TEST_CASE("a tensor saved for backward and then modified in place makes backward throw") {
  xg::Tensor w = xg::tensor({1.0, 2.0}, xg::requires_grad());
  xg::Tensor x = xg::tensor({3.0, 4.0});
  xg::Tensor y = (w * x).sum();
  x += 1.0;  // MulBackward saved x
  try {
    y.backward();
    FAIL("no throw");
  } catch (const std::logic_error& error) {
    CHECK(std::string(error.what()).find("MulBackward") != std::string::npos);
    CHECK(std::string(error.what()).find("inplace") != std::string::npos);
  }
}

TEST_CASE("an in-place op on a non-leaf that backward still needs is caught too") {
  xg::Tensor w = xg::tensor({1.0, 2.0}, xg::requires_grad());
  xg::Tensor h = w * 2.0;
  xg::Tensor y = (h * h).sum();  // MulBackward saved h
  h += 1.0;                       // recorded in place: h gets a new value and a new history
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("inplace"), std::logic_error);
  // The in-place result itself differentiates correctly: d/dw sum(2w + 1) = 2.
  h.sum().backward();
  check_values(w.grad(), {2.0, 2.0});
  // A view sees a recorded in-place update of its base and differentiates through the new history.
  xg::Tensor g = w * 3.0;
  xg::Tensor view = g.reshape({2, 1});
  g += 1.0;
  check_values(view, {4.0, 7.0});
  w.mutable_grad() = xg::Tensor();
  view.sum().backward();
  check_values(w.grad(), {3.0, 3.0});
}

TEST_CASE("hand-checked gradient descent from the seed text: L(w) = (w - 3)^2, lr 0.1") {
  xg::Tensor w = xg::scalar_tensor(0.0, xg::dtype(xg::kFloat64).requires_grad(true));
  std::vector<double> expected = {0.6, 1.08, 1.464, 1.7712};
  for (double value : expected) {
    xg::Tensor loss = (w - 3.0).pow(2.0);
    loss.backward();
    {
      xg::NoGradGuard guard;
      w -= 0.1 * w.grad();
    }
    w.grad().zero_();
    CHECK(w.item() == doctest::Approx(value).epsilon(1e-12));
  }
}

TEST_CASE("a 1,000,000-op chain backprops and is freed without recursion") {
  xg::Tensor x = xg::scalar_tensor(1.0, xg::requires_grad());
  xg::Tensor y = x;
  for (int i = 0; i < 1000000; ++i) y = y * 1.0 + 0.0;
  y.backward();
  CHECK(x.grad().item() == doctest::Approx(1.0));
  y = xg::Tensor();  // drop a second, unreleased deep graph too
  xg::Tensor z = x;
  for (int i = 0; i < 1000000; ++i) z = z + 1.0;
  z = xg::Tensor();
  CHECK(x.grad().item() == doctest::Approx(1.0));
}

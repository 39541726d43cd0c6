#include "helpers.hpp"

TEST_CASE("smoke: seed regression step") {
  xg::Tensor w = xg::scalar_tensor(0.0, xg::requires_grad());
  xg::Tensor x = xg::tensor({1, 2, 3});
  xg::Tensor loss = ((w * x - 2.0 * x).pow(2)).mean();
  loss.backward();
  CHECK(w.grad().item() == doctest::Approx(-2.0 * 2.0 * (1 + 4 + 9) / 3.0));
}

// Shared test helpers.
#pragma once
#include <doctest/doctest.h>

#include <vector>
#include <xgrad.hpp>

namespace xg = xgrad;

inline xg::TensorOptions f64(bool grad = true) { return xg::dtype(xg::kFloat64).requires_grad(grad); }

// Random float64 input that requires grad, values in [low, high).
inline xg::Tensor random_input(xg::Shape shape, double low = -1.0, double high = 1.0) {
  xg::Tensor t = xg::rand(shape, xg::dtype(xg::kFloat64)) * (high - low) + low;
  return t.detach().requires_grad_(true);
}

inline void check_values(const xg::Tensor& t, const std::vector<double>& expected, double tolerance = 1e-6) {
  std::vector<double> got = t.to_vector<double>();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(expected[i]).epsilon(tolerance));
}

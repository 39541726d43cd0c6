// Reductions over dimensions and scans: max/min (values, indices), argmax/argmin, amax/amin, prod, var/std,
// norm, logsumexp, cumsum/cumprod. Expected values are PyTorch 1.13's, printed by
// tests/autograd/ops_a_reference.py (run it with /usr/bin/python3) and pasted here; gradients are of
// (f(x) * w).sum() with w = 1, 2, 3, ... as there. Every differentiable op is gradchecked in float64 on
// contiguous and strided inputs.
#include <cmath>
#include <functional>
#include <limits>
#include <tuple>

#include "helpers.hpp"

using xg::autograd::gradcheck;
using xg::autograd::gradgradcheck;
using Inputs = std::vector<xg::Tensor>;

namespace {
const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

void expect(const xg::Tensor& t, const xg::Shape& shape, xg::Dtype dtype, const std::vector<double>& values,
            double tolerance = 1e-12) {
  REQUIRE(t.defined());
  CHECK(xg::shape_string(t.shape()) == xg::shape_string(shape));
  CHECK(std::string(xg::dtype_name(t.dtype())) == xg::dtype_name(dtype));
  std::vector<double> got = t.to_vector<double>();
  REQUIRE(got.size() == values.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    if (std::isnan(values[i])) {
      CHECK(std::isnan(got[i]));
    } else if (std::isinf(values[i])) {
      CHECK(got[i] == values[i]);
    } else {
      CHECK(std::abs(got[i] - values[i]) <= tolerance * std::max(1.0, std::abs(values[i])));
    }
  }
}

xg::Tensor weights(const xg::Shape& shape) {
  int64_t n = 1;
  for (int64_t extent : shape) n *= extent;
  return xg::arange(1, static_cast<double>(n) + 1, 1, xg::dtype(xg::kFloat64)).reshape(shape);
}
// The gradient of (f(x) * w).sum(), w = 1, 2, 3, ... (as ops_a_reference.py's grad_of).
xg::Tensor grad_of(const std::function<xg::Tensor(const xg::Tensor&)>& f, const xg::Tensor& x_in) {
  xg::Tensor x = x_in.detach().clone().requires_grad_(true);
  xg::Tensor y = f(x);
  (y * weights(y.shape())).sum().backward();
  return x.grad();
}

xg::Tensor f64t(std::vector<double> values, xg::Shape shape) {
  return xg::tensor(std::move(values), std::move(shape), xg::dtype(xg::kFloat64));
}
xg::Tensor longs(std::vector<double> values, xg::Shape shape) {
  return xg::tensor(std::move(values), std::move(shape), xg::dtype(xg::kInt64));
}
xg::Tensor A() { return f64t({1.5, -2.0, 3.0, 0.0, 2.0, -1.0}, {2, 3}); }
xg::Tensor TIES() { return f64t({1, 3, 3, 2, 2, 2, 5, -1, 5}, {3, 3}); }
xg::Tensor NANS() { return f64t({1, kNan, 3, 4, 5, kNan}, {2, 3}); }
xg::Tensor ZEROS() { return f64t({0, 2, 3, 1, 2, 3, 0, 0, 1}, {3, 3}); }
// ((i * 7) % 11 - 5) / 4 for i < 24, as [2, 3, 4]: ties, a zero, signs.
xg::Tensor CUBE() {
  std::vector<double> values;
  for (int i = 0; i < 24; ++i) values.push_back(((i * 7) % 11 - 5) / 4.0);
  return f64t(values, {2, 3, 4});
}
// Inputs whose absolute values are all different and far from 0 (gradchecks of max-like ops and norms need
// no ties, not even near ones): a shuffled grid in [0.5, 1.5), every third element negated.
xg::Tensor distinct(xg::Shape shape) {
  int64_t n = 1;
  for (int64_t extent : shape) n *= extent;
  std::vector<double> values;
  for (int64_t i = 0; i < n; ++i)
    values.push_back((i % 3 == 0 ? -1 : 1) * (static_cast<double>((i * 37) % n) / static_cast<double>(n) + 0.5));
  return f64t(values, shape).requires_grad_(true);
}
}  // namespace

// The caller's line in failure messages.
#define EXPECT(...)            \
  do {                         \
    INFO("line " << __LINE__); \
    expect(__VA_ARGS__);       \
  } while (0)

TEST_CASE("the reference inputs match ops_a_reference.py's") {
  EXPECT(CUBE(), {2, 3, 4}, xg::kFloat64, {-1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25,
                                           0.5, -0.5, 1.25, 0.25, -0.75, 1.0, 0.0, -1.0, 0.75, -0.25, -1.25, 0.5});
}

TEST_CASE("max and min over a dim give values and int64 indices: first of ties, first NaN") {
  auto [values, indices] = TIES().max(0);
  EXPECT(values, {3}, xg::kFloat64, {5, 3, 5});
  EXPECT(indices, {3}, xg::kInt64, {2, 0, 2});
  EXPECT(std::get<0>(TIES().min(0, true)), {1, 3}, xg::kFloat64, {1, -1, 2});
  EXPECT(std::get<1>(TIES().min(0, true)), {1, 3}, xg::kInt64, {0, 2, 1});
  EXPECT(std::get<0>(xg::max(TIES(), 1)), {3}, xg::kFloat64, {3, 2, 5});
  EXPECT(std::get<1>(xg::max(TIES(), 1)), {3}, xg::kInt64, {1, 0, 0});
  EXPECT(std::get<1>(TIES().max(-1)), {3}, xg::kInt64, {1, 0, 0});
  EXPECT(std::get<0>(xg::min(TIES(), -1, true)), {3, 1}, xg::kFloat64, {1, 2, -1});
  EXPECT(std::get<1>(xg::min(TIES(), -1, true)), {3, 1}, xg::kInt64, {0, 0, 1});
  EXPECT(std::get<0>(NANS().max(0)), {3}, xg::kFloat64, {4, kNan, kNan});
  EXPECT(std::get<1>(NANS().max(0)), {3}, xg::kInt64, {1, 0, 1});
  EXPECT(std::get<1>(NANS().min(0, true)), {1, 3}, xg::kInt64, {0, 0, 1});
  EXPECT(std::get<1>(NANS().max(1)), {2}, xg::kInt64, {1, 2});
  EXPECT(std::get<1>(NANS().min(-1, true)), {2, 1}, xg::kInt64, {1, 2});
  EXPECT(std::get<0>(CUBE().max(1)), {2, 4}, xg::kFloat64, {0.25, 0.75, 1.0, 1.25, 0.75, 1.0, 1.25, 0.5});
  EXPECT(std::get<1>(CUBE().max(1)), {2, 4}, xg::kInt64, {1, 2, 1, 0, 2, 1, 0, 2});
  // Strided input: the same as its contiguous copy.
  EXPECT(std::get<1>(CUBE().permute({2, 0, 1}).max(2)), {4, 2}, xg::kInt64, {1, 2, 2, 1, 1, 0, 0, 2});
  EXPECT(std::get<0>(longs({3, 7, 7, -1, -5, 2}, {2, 3}).max(1)), {2}, xg::kInt64, {7, 2});
  EXPECT(std::get<1>(longs({3, 7, 7, -1, -5, 2}, {2, 3}).max(1)), {2}, xg::kInt64, {1, 2});
  xg::Tensor flags = xg::tensor({1, 0, 0, 0}, {2, 2}, xg::dtype(xg::kBool));
  EXPECT(std::get<0>(flags.max(1)), {2}, xg::kBool, {1, 0});
  EXPECT(std::get<1>(flags.max(1)), {2}, xg::kInt64, {0, 0});
  EXPECT(std::get<0>(xg::scalar_tensor(5).max(0)), {}, xg::kFloat32, {5});
  EXPECT(std::get<1>(xg::scalar_tensor(5).max(-1, true)), {}, xg::kInt64, {0});
  // The whole-tensor forms still work.
  EXPECT(TIES().max(), {}, xg::kFloat64, {5});
  EXPECT(xg::min(TIES()), {}, xg::kFloat64, {-1});
  // Empty: refused over the empty dim, fine over another (torch: max(): Expected reduction dim 1 to have non-zero size).
  CHECK_THROWS_WITH_AS(xg::zeros({3, 0}).max(1), doctest::Contains("max: expected reduction dim 1 to have non-zero size"),
                       std::invalid_argument);
  EXPECT(std::get<0>(xg::zeros({3, 0}).max(0)), {0}, xg::kFloat32, {});
  CHECK_THROWS_WITH_AS(TIES().max(2), doctest::Contains("max: dimension 2 out of range"), std::invalid_argument);
  CHECK_THROWS_AS(xg::Tensor().min(0), std::invalid_argument);
}

TEST_CASE("max and min over a dim: the gradient goes to the chosen element") {
  auto max1 = [](const xg::Tensor& x) { return std::get<0>(x.max(1)); };
  EXPECT(grad_of(max1, TIES()), {3, 3}, xg::kFloat64, {0, 1, 0, 2, 0, 0, 3, 0, 0});
  EXPECT(grad_of([](const xg::Tensor& x) { return std::get<0>(x.min(0, true)); }, TIES()), {3, 3}, xg::kFloat64,
         {1, 0, 0, 0, 0, 3, 0, 2, 0});
  EXPECT(grad_of(max1, NANS()), {2, 3}, xg::kFloat64, {0, 1, 0, 0, 0, 2});
  EXPECT(grad_of([](const xg::Tensor& x) { return std::get<0>(x.max(-2)); }, CUBE()), {2, 3, 4}, xg::kFloat64,
         {0, 0, 0, 4, 1, 0, 3, 0, 0, 2, 0, 0, 0, 0, 7, 0, 0, 6, 0, 0, 5, 0, 0, 8});
  CHECK(gradcheck([](const Inputs& in) { return std::get<0>(in[0].max(1)); }, {distinct({3, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return std::get<0>(in[0].min(-1, true)); }, {distinct({2, 3, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return std::get<0>(in[0].t().max(0)); }, {distinct({4, 3})}));
  CHECK(gradcheck([](const Inputs& in) { return std::get<0>(in[0].slice(1, 0, 4, 2).min(0)); }, {distinct({3, 4})}));
  CHECK(gradgradcheck([](const Inputs& in) { return std::get<0>((in[0] * in[0]).max(0)); }, {distinct({3, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return std::get<0>(in[0].max(0)); }, {random_input({})}));
  // The saved indices are checked against in-place changes.
  xg::Tensor x = distinct({2, 3});
  auto [values, indices] = x.max(1);
  indices.zero_();
  CHECK_THROWS_AS(values.sum().backward(), std::logic_error);
}

TEST_CASE("argmax and argmin: whole tensor or one dim, keepdim, integers") {
  EXPECT(TIES().argmax(), {}, xg::kInt64, {6});
  EXPECT(xg::argmin(TIES()), {}, xg::kInt64, {7});
  EXPECT(TIES().argmax(1), {3}, xg::kInt64, {1, 0, 0});
  EXPECT(TIES().argmin(0, true), {1, 3}, xg::kInt64, {0, 2, 1});
  EXPECT(NANS().argmax(), {}, xg::kInt64, {1});
  EXPECT(NANS().argmin(1), {2}, xg::kInt64, {1, 2});
  EXPECT(CUBE().argmax(std::nullopt, true), {1, 1, 1}, xg::kInt64, {3});
  EXPECT(xg::argmax(CUBE(), 2), {2, 3}, xg::kInt64, {3, 2, 1, 2, 1, 0});
  EXPECT(xg::argmax(CUBE().transpose(1, 2).contiguous().transpose(1, 2), 2), {2, 3}, xg::kInt64, {3, 2, 1, 2, 1, 0});
  EXPECT(longs({3, 7, 7, -1, 9, 2}, {2, 3}).argmax(0), {3}, xg::kInt64, {0, 1, 0});
  EXPECT(xg::tensor({4, 1, 1}, xg::dtype(xg::kInt32)).argmin(), {}, xg::kInt64, {1});
  CHECK_THROWS_WITH_AS(xg::zeros({3, 0}).argmax(), doctest::Contains("argmax: expected reduction dim to be specified"),
                       std::invalid_argument);
  CHECK_THROWS_AS(xg::zeros({3, 0}).argmin(1), std::invalid_argument);
  EXPECT(xg::zeros({3, 0}).argmax(0), {0}, xg::kInt64, {});
  CHECK_THROWS_WITH_AS(xg::tensor({1, 0}, xg::dtype(xg::kBool)).argmax(), doctest::Contains("bool"), std::invalid_argument);
  // What accuracy code does: predictions == labels.
  xg::Tensor logits = f64t({0.1, 2.0, -1.0, 3.0, 0.5, 0.2}, {3, 2});
  xg::Tensor labels = longs({1, 0, 1}, {3});
  CHECK((logits.argmax(1) == labels).sum().item<int64_t>() == 1);  // predictions 1, 1, 0
}

TEST_CASE("amax and amin: dims lists, keepdim, ties share the gradient") {
  EXPECT(TIES().amax({1}), {3}, xg::kFloat64, {3, 2, 5});
  EXPECT(xg::amin(TIES(), {0}, true), {1, 3}, xg::kFloat64, {1, -1, 2});
  EXPECT(TIES().amax(), {}, xg::kFloat64, {5});
  EXPECT(CUBE().amax({0, 2}), {3}, xg::kFloat64, {1.25, 1.0, 0.75});
  EXPECT(CUBE().amin({-1, 0}, true), {1, 3, 1}, xg::kFloat64, {-1.25, -1.0, -1.25});
  EXPECT(NANS().amax({1}), {2}, xg::kFloat64, {kNan, kNan});
  EXPECT(longs({3, 7, 7, -1, -5, 2}, {2, 3}).amax({1}), {2}, xg::kInt64, {7, 2});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.amax({1}); }, TIES()), {3, 3}, xg::kFloat64,
         {0, 0.5, 0.5, 2.0 / 3, 2.0 / 3, 2.0 / 3, 1.5, 0, 1.5});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.amax(); }, TIES()), {3, 3}, xg::kFloat64, {0, 0, 0, 0, 0, 0, 0.5, 0, 0.5});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.amin({0, 1}); }, TIES()), {3, 3}, xg::kFloat64, {0, 0, 0, 0, 0, 0, 0, 1, 0});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.amax({0, 2}); }, CUBE()), {2, 3, 4}, xg::kFloat64,
         {0, 0, 0, 0.5, 0, 0, 1, 0, 0, 1.5, 0, 0, 0, 0, 0.5, 0, 0, 1, 0, 0, 1.5, 0, 0, 0});
  // A NaN maximum makes every gradient NaN, as PyTorch's formula does.
  EXPECT(grad_of([](const xg::Tensor& x) { return x.amax({1}); }, NANS()), {2, 3}, xg::kFloat64,
         {kNan, kNan, kNan, kNan, kNan, kNan});
  CHECK(gradcheck([](const Inputs& in) { return in[0].amax({0, 2}); }, {distinct({3, 4, 5})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].amin({-1}, true); }, {distinct({3, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].permute({2, 0, 1}).amax({1}); }, {distinct({3, 4, 5})}));
  CHECK(gradgradcheck([](const Inputs& in) { return (in[0] * in[0]).amin({0}); }, {distinct({3, 4})}));
  CHECK_THROWS_WITH_AS(xg::zeros({3, 0}).amax({1}), doctest::Contains("amax: expected reduction dim 1 to have non-zero size"),
                       std::invalid_argument);
  CHECK_THROWS_AS(xg::zeros({3, 0}).amin(), std::invalid_argument);
  EXPECT(xg::zeros({3, 0}).amax({0}), {0}, xg::kFloat32, {});
  CHECK_THROWS_WITH_AS(TIES().amax({0, 0}), doctest::Contains("dim 0 appears multiple times"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(TIES().amax({0, -2}), doctest::Contains("dim 0 appears multiple times"), std::invalid_argument);
}

TEST_CASE("prod: whole tensor or one dim; integers in int64; empty gives 1") {
  EXPECT(A().prod(), {}, xg::kFloat64, {0});
  EXPECT(CUBE().prod(1), {2, 4}, xg::kFloat64, {0.3125, -0.28125, 0.125, -0.0, -0.28125, 0.125, -0.0, -0.125});
  EXPECT(xg::prod(CUBE(), -1, true), {2, 3, 1}, xg::kFloat64, {0.390625, -0.0, -0.234375, -0.078125, 0.0, 0.1171875});
  EXPECT(CUBE().transpose(0, 2).prod(1), {4, 2}, xg::kFloat64, {0.3125, -0.28125, -0.28125, 0.125, 0.125, -0.0, -0.0, -0.125});
  EXPECT(ZEROS().prod(1), {3}, xg::kFloat64, {0, 6, 0});
  EXPECT(longs({3, 7, -1, 5}, {2, 2}).prod(0), {2}, xg::kInt64, {-3, 35});
  EXPECT(xg::tensor({3, 7}, xg::dtype(xg::kInt32)).prod(), {}, xg::kInt64, {21});
  EXPECT(xg::tensor({1, 1}, xg::dtype(xg::kBool)).prod(), {}, xg::kInt64, {1});
  EXPECT(xg::tensor({1.5, 2.0}).prod(xg::kFloat64), {}, xg::kFloat64, {3});
  EXPECT(xg::tensor({3, 7}, xg::dtype(xg::kInt32)).prod(0, false, xg::kInt32), {}, xg::kInt32, {21});
  EXPECT(xg::zeros({3, 0}).prod(), {}, xg::kFloat32, {1});
  EXPECT(xg::zeros({3, 0}).sum(), {}, xg::kFloat32, {0});  // the existing sum, for comparison
  EXPECT(xg::zeros({0}, xg::dtype(xg::kInt64)).prod(), {}, xg::kInt64, {1});
  EXPECT(longs({4, 5}, {2}).sum(), {}, xg::kInt64, {9});
  EXPECT(xg::zeros({3, 0}).prod(1), {3}, xg::kFloat32, {1, 1, 1});
  EXPECT(xg::scalar_tensor(5).prod(0), {}, xg::kFloat32, {5});
  CHECK_THROWS_AS(CUBE().prod(3), std::invalid_argument);
}

TEST_CASE("prod's gradient is exact with zeros in the input, as PyTorch's") {
  auto whole = [](const xg::Tensor& x) { return x.prod(); };
  EXPECT(grad_of(whole, f64t({1.5, -2.0, 3.0, 0.5, 2.0, -1.0}, {2, 3})), {2, 3}, xg::kFloat64, {6.0, -4.5, 3.0, 18.0, 4.5, -9.0});
  EXPECT(grad_of(whole, f64t({0, 2, 3}, {3})), {3}, xg::kFloat64, {6, 0, 0});
  EXPECT(grad_of(whole, f64t({0, 2, 0}, {3})), {3}, xg::kFloat64, {0, 0, 0});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.prod(1); }, ZEROS()), {3, 3}, xg::kFloat64, {6, 0, 0, 12, 6, 4, 0, 0, 0});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.prod(0, true); }, ZEROS()), {3, 3}, xg::kFloat64, {0, 0, 9, 0, 0, 9, 0, 8, 27});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.prod(1); }, CUBE()), {2, 3, 4}, xg::kFloat64,
         {-0.25, -1.125, -0.75, -0.0, 1.25, 0.75, 0.375, -6.25, -0.3125, -0.75, -1.5, 0.0, -2.8125, -1.5, -0.0, -4.0, 1.875,
          0.75, -10.9375, 1.0, -1.875, -3.0, 0.0, -2.0});
  CHECK(gradcheck([](const Inputs& in) { return in[0].prod(); }, {random_input({2, 3})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].prod(-1, true); }, {random_input({2, 3, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].t().prod(1); }, {random_input({4, 3})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].expand({3, 2, 4}).prod(0); }, {random_input({2, 4})}));
  // At zeros (one and two per line) the first and second derivatives are still right.
  xg::Tensor zeros = ZEROS().requires_grad_(true);
  CHECK(gradcheck([](const Inputs& in) { return in[0].prod(1); }, {zeros}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].prod(0); }, {zeros}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].prod(); }, {f64t({0, 2, 3, 1.5}, {2, 2}).requires_grad_(true)}));
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].prod(1); }, {zeros}));
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].prod(); }, {f64t({0, 2, 0, 1.5}, {2, 2}).requires_grad_(true)}));
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].prod(0); }, {random_input({3, 2})}));
}

TEST_CASE("var and std: unbiased, biased, correction, dims, keepdim") {
  EXPECT(A().var(), {}, xg::kFloat64, {3.641666666666667});
  EXPECT(A().var(false), {}, xg::kFloat64, {3.0347222222222228});
  EXPECT(xg::std(A()), {}, xg::kFloat64, {1.9083151381956458});
  const std::vector<double> var1 = {0.6458333333333334, 0.6458333333333333, 0.6458333333333334, 1.5625,
                                    0.6458333333333333, 0.6458333333333334, 1.5625, 0.6458333333333333};
  EXPECT(CUBE().var(1), {2, 4}, xg::kFloat64, var1);
  EXPECT(CUBE().var({1}), {2, 4}, xg::kFloat64, var1);
  EXPECT(xg::var(CUBE(), {-2}, true, false), {2, 4}, xg::kFloat64, var1);
  EXPECT(CUBE().var({0, 2}, true, true), {1, 3, 1}, xg::kFloat64, {0.78125, 0.5970982142857143, 0.7321428571428571});
  EXPECT(CUBE().permute({1, 2, 0}).var({0}), {4, 2}, xg::kFloat64,
         {0.6458333333333334, 0.6458333333333333, 0.6458333333333333, 0.6458333333333334, 0.6458333333333334, 1.5625,
          1.5625, 0.6458333333333333});
  EXPECT(CUBE().std({-1}, false), {2, 3}, xg::kFloat64,
         {0.9519716382329886, 0.625, 0.7781187248742958, 0.625, 0.7781187248742958, 0.7781187248742958});
  EXPECT(CUBE().var({1}, std::optional<int64_t>(2)), {2, 4}, xg::kFloat64,
         {1.2916666666666667, 1.2916666666666665, 1.2916666666666667, 3.125, 1.2916666666666665, 1.2916666666666667, 3.125,
          1.2916666666666665});
  EXPECT(xg::std(CUBE(), {}, std::optional<int64_t>(0)), {}, xg::kFloat64, {0.8046495743489833});
  EXPECT(CUBE().std({}, std::optional<int64_t>(), true), {1, 1, 1}, xg::kFloat64, {0.8219558461641832});
  EXPECT(xg::ones({1}, xg::dtype(xg::kFloat64)).var(), {}, xg::kFloat64, {kNan});
  EXPECT(xg::ones({1}, xg::dtype(xg::kFloat64)).var(false), {}, xg::kFloat64, {0});
  EXPECT(xg::zeros({3, 0}, xg::dtype(xg::kFloat64)).var(1), {3}, xg::kFloat64, {kNan, kNan, kNan});
  EXPECT(xg::tensor({1.0, 2.0, 3.0}).var(), {}, xg::kFloat32, {1});
  CHECK_THROWS_WITH_AS(longs({1, 2}, {2}).var(), doctest::Contains("var: std and var only support floating point"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(longs({1, 2}, {2}).std(0), doctest::Contains("std: std and var"), std::invalid_argument);
  CHECK_THROWS_AS(CUBE().var({0, 0}), std::invalid_argument);
}

TEST_CASE("var and std gradients, as PyTorch's (std: 0 where it is 0)") {
  EXPECT(grad_of([](const xg::Tensor& x) { return x.var(); }, A()), {2, 3}, xg::kFloat64,
         {0.3666666666666667, -1.0333333333333334, 0.9666666666666667, -0.23333333333333336, 0.5666666666666667,
          -0.6333333333333334});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.std(false); }, A()), {2, 3}, xg::kFloat64,
         {0.08770022675973896, -0.2471551845047189, 0.23120968873022088, -0.05580923521074298, 0.13553671408323292,
          -0.15148220985773095});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.var({0, 2}); }, CUBE()), {2, 3, 4}, xg::kFloat64,
         {-0.4107142857142857, 0.08928571428571427, -0.19642857142857142, 0.30357142857142855, 0.1607142857142857,
          -0.4107142857142857, 0.5892857142857143, 0.017857142857142856, -0.6428571428571428, 0.8571428571428571, 0.0,
          -0.8571428571428571, 0.08928571428571427, -0.19642857142857142, 0.30357142857142855, 0.017857142857142856,
          -0.4107142857142857, 0.5892857142857143, 0.017857142857142856, -0.5535714285714285, 0.8571428571428571, 0.0,
          -0.8571428571428571, 0.6428571428571428});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.std({1}, true, true); }, CUBE()), {2, 3, 4}, xg::kFloat64,
         {-0.36293309315564887, 0.4147806778921702, -1.0887992794669465, 2.0, 0.5703234321017339, -1.140646864203468,
          1.7109702963052016, 0.0, -0.20739033894608508, 0.7258661863112978, -0.622171016838255, -2.0, 1.0369516947304256,
          -2.177598558933893, 3.5, 1.6591227115686806, -2.8516171605086695, 3.421940592610403, 0.0, -4.562587456813872,
          1.8146654657782446, -1.24434203367651, -3.5, 2.9034647452451914});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.var({1}, std::optional<int64_t>(2)); }, CUBE()), {2, 3, 4}, xg::kFloat64,
         {-1.1666666666666667, 1.3333333333333335, -3.5, 10.0, 1.8333333333333333, -3.6666666666666665, 5.5, 0.0,
          -0.6666666666666667, 2.3333333333333335, -2.0, -10.0, 3.333333333333334, -7.0, 17.5, 5.333333333333333,
          -9.166666666666666, 11.0, 0.0, -14.666666666666666, 5.833333333333334, -4.0, -17.5, 9.333333333333334});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.std(1); }, f64t({1, 1, 1, 3}, {2, 2})), {2, 2}, xg::kFloat64,
         {0, 0, -1.414213562373095, 1.414213562373095});
  CHECK(gradcheck([](const Inputs& in) { return in[0].var(); }, {random_input({2, 3})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].var({0, 2}, false, true); }, {random_input({2, 3, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].std({-1}); }, {random_input({3, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].t().std({0}, std::optional<int64_t>(0)); }, {random_input({3, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].slice(0, 0, 4, 2).var({1}); }, {random_input({4, 5})}));
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].var({1}); }, {random_input({3, 4})}));
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].std(); }, {random_input({3, 4})}));
}

TEST_CASE("norm: p = 2, 1, inf, -inf, 0, other p; dims and keepdim") {
  const std::vector<std::pair<double, double>> cases = {{2, 4.5}, {1, 9.5}, {kInf, 3.0}, {-kInf, 0.0}, {0, 5.0},
                                                        {3, 3.618398607951252}, {0.5, 46.039248495940825}, {-1, 0.0},
                                                        {1.5, 5.722751933594295}};
  for (auto [p, value] : cases) {
    CAPTURE(p);
    EXPECT(A().norm(p), {}, xg::kFloat64, {value});
  }
  EXPECT(A().norm(), {}, xg::kFloat64, {4.5});
  EXPECT(CUBE().norm(2, {1}), {2, 4}, xg::kFloat64,
         {1.620185174601965, 1.1726039399558574, 1.14564392373896, 1.7677669529663689, 1.1726039399558574, 1.14564392373896,
          1.7677669529663689, 1.14564392373896});
  EXPECT(xg::norm(CUBE(), 3, {0, -1}, true), {1, 3, 1}, xg::kFloat64, {1.8542148846330946, 1.568576339352792, 1.8076066981314225});
  EXPECT(CUBE().norm(kInf, {2}), {2, 3}, xg::kFloat64, {1.25, 1.0, 1.25, 1.25, 1.0, 1.25});
  EXPECT(CUBE().norm(std::nullopt, {2}), {2, 3}, xg::kFloat64, CUBE().pow(2.0).sum({2}).sqrt().to_vector<double>());
  EXPECT(xg::zeros({3, 0}).norm(), {}, xg::kFloat32, {0});
  EXPECT(xg::zeros({3, 0}).norm(kInf, {1}), {3}, xg::kFloat32, {0, 0, 0});
  EXPECT(xg::zeros({3, 0}).norm(-kInf, {1}), {3}, xg::kFloat32, {0, 0, 0});
  EXPECT(xg::zeros({3, 0}).norm(-1, {1}), {3}, xg::kFloat32, {0, 0, 0});
  CHECK_THROWS_WITH_AS(longs({1, 2}, {2}).norm(), doctest::Contains("norm: input dtype should be floating point"),
                       std::invalid_argument);
}

TEST_CASE("norm gradients, including at zero (0 for p = 2, as PyTorch)") {
  const xg::Tensor x = f64t({0.0, 1.0, -2.0, 3.0, -2.0, 0.5}, {2, 3});
  const std::vector<std::pair<double, std::vector<double>>> cases = {
      {2, {0.0, 0.23408229439226114, -0.4681645887845223, 0.7022468831767834, -0.4681645887845223, 0.11704114719613057}},
      {1, {0.0, 1.0, -1.0, 1.0, -1.0, 1.0}},
      {kInf, {0.0, 0.0, -0.0, 1.0, -0.0, 0.0}},
      {-kInf, {0.0, 0.0, -0.0, 0.0, -0.0, 0.0}},
      {3, {0.0, 0.08008358770223178, -0.32033435080892714, 0.7207522893200861, -0.32033435080892714, 0.020020896925557946}},
      {0.5, {0.0, 6.267584713501615, -4.431851652578136, 3.618591721508942, -4.431851652578136, 8.863703305156273}},
      {-1, {0.0, 0.0, -0.0, 0.0, -0.0, 0.0}},
      {1.5, {0.0, 0.4343124068302611, -0.6142104960462565, 0.7522511549875365, -0.6142104960462565, 0.3071052480231283}}};
  for (const auto& [p, expected] : cases) {
    CAPTURE(p);
    const double order = p;
    EXPECT(grad_of([order](const xg::Tensor& t) { return t.norm(order); }, x), {2, 3}, xg::kFloat64, expected);
  }
  EXPECT(grad_of([](const xg::Tensor& t) { return t.norm(); }, xg::zeros({3}, xg::dtype(xg::kFloat64))), {3}, xg::kFloat64, {0, 0, 0});
  EXPECT(grad_of([](const xg::Tensor& t) { return t.norm(2, {1}, true); }, f64t({0, 0, 3, 4}, {2, 2})), {2, 2}, xg::kFloat64,
         {0, 0, 1.2, 1.6});
  EXPECT(grad_of([](const xg::Tensor& t) { return t.norm(3, {0, 2}); }, CUBE()), {2, 3, 4}, xg::kFloat64,
         {-0.4544644325081115, 0.07271430920129784, -0.07271430920129784, 0.4544644325081115, 0.050804091962843474,
          -0.45723682766559126, 0.8128654714054956, 0.0, -0.9181494339715162, 0.5164590566089778, -0.05738433962321976,
          -1.434608490580494, 0.07271430920129784, -0.07271430920129784, 0.4544644325081115, 0.01817857730032446,
          -0.45723682766559126, 0.8128654714054956, 0.0, -0.8128654714054956, 0.5164590566089778, -0.05738433962321976,
          -1.434608490580494, 0.22953735849287904});
  EXPECT(grad_of([](const xg::Tensor& t) { return t.norm(0); }, x), {2, 3}, xg::kFloat64, {0, 0, 0, 0, 0, 0});
  for (double p : {2.0, 1.0, kInf, -kInf, 3.0, 0.5, -1.0, 1.5}) {
    CAPTURE(p);
    // Away from zeros and ties (kinks), on contiguous and strided inputs.
    CHECK(gradcheck([p](const Inputs& in) { return in[0].norm(p); }, {distinct({3, 4})}));
    CHECK(gradcheck([p](const Inputs& in) { return in[0].t().norm(p, {1}, true); }, {distinct({3, 4})}));
    CHECK(gradcheck([p](const Inputs& in) { return in[0].norm(p, {0, 2}); }, {distinct({2, 3, 4})}));
  }
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].norm(2, {1}); }, {random_input({3, 4})}));
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].norm(3); }, {random_input({3, 4})}));
}

TEST_CASE("logsumexp: stable, infinities, empty lines, integers") {
  EXPECT(A().logsumexp({1}), {2}, xg::kFloat64, {3.2069069336734133, 2.1698460195562856});
  EXPECT(xg::logsumexp(CUBE(), {0, 2}, true), {1, 3, 1}, xg::kFloat64, {2.5696858142040755, 2.3058997554516467, 2.1259925227680347});
  EXPECT(f64t({1000, 1000, 999}, {3}).logsumexp({0}), {}, xg::kFloat64, {1000.8619948040582});
  EXPECT(f64t({kInf, 1, -kInf, -kInf}, {2, 2}).logsumexp({1}), {2}, xg::kFloat64, {kInf, -kInf});
  EXPECT(longs({1, 2}, {2}).logsumexp({0}), {}, xg::kFloat32, {2.3132617473602295}, 1e-6);
  EXPECT(xg::zeros({3, 0}).logsumexp({1}), {3}, xg::kFloat32, {-kInf, -kInf, -kInf});
  // An empty list reduces every dimension (torch 1.13 refuses it; later versions reduce all).
  EXPECT(CUBE().logsumexp({}), {}, xg::kFloat64, {CUBE().exp().sum().log().item()});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.logsumexp({1}); }, CUBE()), {2, 3, 4}, xg::kFloat64,
         {0.14780404965619498, 0.7780495982731646, 0.44341214896858494, 2.922716516810755, 0.6624117938958736,
          0.22291494210040558, 1.9872353816876207, 0.8373723019287876, 0.18978415644793137, 0.99903545962643,
          0.5693524693437941, 0.23991118126045707, 1.9451239956829114, 0.8868242979371699, 5.114753904418821,
          3.112198393092658, 0.5572873552510139, 3.9744707633752414, 1.4654015283753783, 0.8916597684016223,
          2.497588649066075, 1.1387049386875883, 0.4198445672057999, 3.99614183850572});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.logsumexp({0}); }, f64t({1000, 1000, 999}, {3})), {3}, xg::kFloat64,
         {0.42231879825153423, 0.42231879825153423, 0.15536240349696953});
  // Lines of 32 or more take xtensor's SIMD exp: the same as the plain formula (float64 and float32).
  xg::Tensor wide = random_input({3, 40}, -3, 3);
  EXPECT(wide.logsumexp({1}), {3}, xg::kFloat64, wide.exp().sum({1}).log().to_vector<double>());
  xg::Tensor wide32 = wide.detach().to(xg::kFloat32);
  EXPECT(wide32.logsumexp({-1}, true), {3, 1}, xg::kFloat32, wide32.exp().sum({1}).log().to_vector<double>(), 1e-6);
  EXPECT((wide32 + 1000.0f).logsumexp({1}), {3}, xg::kFloat32, (wide32.exp().sum({1}).log() + 1000.0).to_vector<double>(), 1e-6);
  CHECK(gradcheck([](const Inputs& in) { return in[0].logsumexp({1}); }, {wide}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].logsumexp({1}); }, {random_input({3, 4}, -3, 3)}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].permute({2, 0, 1}).logsumexp({0, 2}, true); }, {random_input({2, 3, 4})}));
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].logsumexp({-1}); }, {random_input({3, 4})}));
}

TEST_CASE("cumsum and cumprod: values, dtypes, negative dims") {
  EXPECT(CUBE().cumsum(1), {2, 3, 4}, xg::kFloat64,
         {-1.25, 0.5, -0.5, 1.25, -1.0, -0.25, 0.5, 1.25, -2.0, 0.5, 0.25, 0.0, 0.5, -0.5, 1.25, 0.25, -0.25, 0.5, 1.25,
          -0.75, 0.5, 0.25, 0.0, -0.25});
  EXPECT(xg::cumsum(CUBE(), -1), {2, 3, 4}, xg::kFloat64,
         {-1.25, -0.75, -1.25, 0.0, 0.25, -0.5, 0.5, 0.5, -1.0, -0.25, -0.5, -1.75, 0.5, 0.0, 1.25, 1.5, -0.75, 0.25, 0.25,
          -0.75, 0.75, 0.5, -0.75, -0.25});
  EXPECT(CUBE().transpose(1, 2).cumsum(2).transpose(1, 2), {2, 3, 4}, xg::kFloat64, CUBE().cumsum(1).to_vector<double>());
  EXPECT(xg::tensor({1, 2, 3}, xg::dtype(xg::kInt32)).cumsum(0), {3}, xg::kInt64, {1, 3, 6});
  EXPECT(xg::tensor({1, 0, 1}, xg::dtype(xg::kBool)).cumsum(0), {3}, xg::kInt64, {1, 1, 2});
  EXPECT(xg::tensor({1, 2}, xg::dtype(xg::kInt32)).cumsum(0, xg::kFloat64), {2}, xg::kFloat64, {1, 3});
  EXPECT(CUBE().cumprod(2), {2, 3, 4}, xg::kFloat64,
         {-1.25, -0.625, 0.3125, 0.390625, 0.25, -0.1875, -0.1875, -0.0, -1.0, -0.75, 0.1875, -0.234375, 0.5, -0.25,
          -0.3125, -0.078125, -0.75, -0.75, -0.0, 0.0, 0.75, -0.1875, 0.234375, 0.1171875});
  EXPECT(longs({2, 3, 4, -5}, {2, 2}).cumprod(0), {2, 2}, xg::kInt64, {2, 3, 8, -15});
  EXPECT(xg::zeros({2, 0}).cumsum(1), {2, 0}, xg::kFloat32, {});
  EXPECT(xg::zeros({2, 0}).cumprod(0), {2, 0}, xg::kFloat32, {});
  EXPECT(xg::scalar_tensor(5).cumsum(0), {}, xg::kFloat32, {5});
  CHECK_THROWS_WITH_AS(CUBE().cumsum(3), doctest::Contains("cumsum: dimension 3 out of range"), std::invalid_argument);
  CHECK_THROWS_AS(CUBE().cumprod(-4), std::invalid_argument);
}

TEST_CASE("cumsum and cumprod gradients, exact with zeros (cumprod) and to second order") {
  EXPECT(grad_of([](const xg::Tensor& x) { return x.cumsum(1); }, CUBE()), {2, 3, 4}, xg::kFloat64,
         {15, 18, 21, 24, 14, 16, 18, 20, 9, 10, 11, 12, 51, 54, 57, 60, 38, 40, 42, 44, 21, 22, 23, 24});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.cumprod(2); }, CUBE()), {2, 3, 4}, xg::kFloat64,
         {-0.0, 2.5, -5.0, 1.25, -4.75, 3.25, -1.3125, -1.5, 17.25, -11.0, 3.0, 2.25, -5.875, 18.875, -4.75, -5.0, 35.0,
          -13.5, 0.75, 0.0, 26.4375, -16.3125, -6.5625, 5.625});
  auto cumprod0 = [](const xg::Tensor& x) { return x.cumprod(0); };
  EXPECT(grad_of(cumprod0, f64t({2, 0, 3, 0, 5}, {5})), {5}, xg::kFloat64, {1, 22, 0, 0, 0});
  EXPECT(grad_of(cumprod0, f64t({2, 3, 0, 4}, {4})), {4}, xg::kFloat64, {7, 4, 114, 0});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.cumprod(1); }, ZEROS()), {3, 3}, xg::kFloat64, {23, 0, 0, 50, 23, 12, 7, 0, 0});
  EXPECT(grad_of(cumprod0, ZEROS()), {3, 3}, xg::kFloat64, {5, 12, 48, 0, 10, 45, 0, 32, 81});
  CHECK(gradcheck([](const Inputs& in) { return in[0].cumsum(1); }, {random_input({3, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].t().cumsum(-1); }, {random_input({3, 4})}));
  CHECK(gradgradcheck([](const Inputs& in) { return (in[0] * in[0]).cumsum(0); }, {random_input({3, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].cumprod(1); }, {random_input({3, 4})}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].permute({2, 0, 1}).cumprod(0); }, {random_input({2, 3, 4})}));
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].cumprod(1); }, {random_input({3, 4})}));
  // Zeros: the O(n) kernel (first order) and the differentiable form (create_graph) agree with finite differences.
  xg::Tensor zeros = ZEROS().requires_grad_(true);
  CHECK(gradcheck([](const Inputs& in) { return in[0].cumprod(1); }, {zeros}));
  CHECK(gradcheck([](const Inputs& in) { return in[0].cumprod(0); }, {zeros}));
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].cumprod(1); }, {zeros}));
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].t().cumprod(1); }, {zeros}));
  CHECK(gradgradcheck([](const Inputs& in) { return in[0].cumprod(0); }, {f64t({2, 0, 3, 0, 5}, {5}).requires_grad_(true)}));
}

TEST_CASE("reductions over dims are safe on bad input") {
  CHECK_THROWS_AS(xg::Tensor().amax(), std::invalid_argument);
  CHECK_THROWS_AS(xg::Tensor().prod(), std::invalid_argument);
  CHECK_THROWS_AS(xg::Tensor().var(), std::invalid_argument);
  CHECK_THROWS_AS(xg::Tensor().norm(), std::invalid_argument);
  CHECK_THROWS_AS(xg::Tensor().logsumexp({0}), std::invalid_argument);
  CHECK_THROWS_AS(xg::Tensor().cumsum(0), std::invalid_argument);
  CHECK_THROWS_AS(xg::Tensor().any(), std::invalid_argument);
  CHECK_THROWS_AS(xg::Tensor().argmax(), std::invalid_argument);
  CHECK_THROWS_AS(CUBE().norm(kNan), std::invalid_argument);
  CHECK_THROWS_AS(CUBE().var({5}), std::invalid_argument);
  CHECK_THROWS_AS(CUBE().logsumexp({-4}), std::invalid_argument);
  CHECK_THROWS_AS(CUBE().argmax(3), std::invalid_argument);
}

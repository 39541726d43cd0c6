// Comparison, where, masked_fill, logical ops, isnan/isinf/isfinite, any/all, isclose/allclose/equal and
// nan_to_num. Expected values are PyTorch 1.13's, printed by tests/autograd/ops_a_reference.py (run it with
// /usr/bin/python3) and pasted here; gradients are of (f(x) * w).sum() with w = 1, 2, 3, ... as there.
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

// Shape, dtype and values (NaN matches NaN; tolerance relative, with a floor for values near 0).
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
void expect_bool(const xg::Tensor& t, const xg::Shape& shape, const std::vector<double>& values) {
  expect(t, shape, xg::kBool, values);
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
xg::Tensor bools(std::vector<double> values, xg::Shape shape) {
  return xg::tensor(std::move(values), std::move(shape), xg::dtype(xg::kBool));
}
xg::Tensor A() { return f64t({1.5, -2.0, 3.0, 0.0, 2.0, -1.0}, {2, 3}); }
}  // namespace
// The caller's line in failure messages.
#define EXPECT(...)              \
  do {                           \
    INFO("line " << __LINE__);   \
    expect(__VA_ARGS__);         \
  } while (0)
#define EXPECT_BOOL(...)         \
  do {                           \
    INFO("line " << __LINE__);   \
    expect_bool(__VA_ARGS__);    \
  } while (0)

TEST_CASE("comparisons broadcast, promote and return bool tensors, as PyTorch") {
  xg::Tensor a = xg::tensor({1, 2, kNan, 4, 5, 6}, {2, 3});     // float32
  xg::Tensor b = xg::tensor({2, 5, 6}, xg::dtype(xg::kInt64));  // broadcast over rows
  EXPECT_BOOL(xg::eq(a, b), {2, 3}, {0, 0, 0, 0, 1, 1});
  EXPECT_BOOL(xg::ne(a, b), {2, 3}, {1, 1, 1, 1, 0, 0});
  EXPECT_BOOL(xg::lt(a, b), {2, 3}, {1, 1, 0, 0, 0, 0});
  EXPECT_BOOL(xg::le(a, b), {2, 3}, {1, 1, 0, 0, 1, 1});
  EXPECT_BOOL(xg::gt(a, b), {2, 3}, {0, 0, 0, 1, 0, 0});
  EXPECT_BOOL(xg::ge(a, b), {2, 3}, {0, 0, 0, 1, 1, 1});
  // The operators, members and free functions agree.
  EXPECT_BOOL(a == b, {2, 3}, {0, 0, 0, 0, 1, 1});
  EXPECT_BOOL(a != b, {2, 3}, {1, 1, 1, 1, 0, 0});
  EXPECT_BOOL(a < b, {2, 3}, {1, 1, 0, 0, 0, 0});
  EXPECT_BOOL(a <= b, {2, 3}, {1, 1, 0, 0, 1, 1});
  EXPECT_BOOL(a > b, {2, 3}, {0, 0, 0, 1, 0, 0});
  EXPECT_BOOL(a >= b, {2, 3}, {0, 0, 0, 1, 1, 1});
  EXPECT_BOOL(a.ge(b), {2, 3}, {0, 0, 0, 1, 1, 1});
  EXPECT_BOOL(a > 2.5, {2, 3}, {0, 0, 0, 1, 1, 1});
  EXPECT_BOOL(a.gt(2.5), {2, 3}, {0, 0, 0, 1, 1, 1});
  EXPECT_BOOL(2.5 > a, {2, 3}, {1, 1, 0, 0, 0, 0});
  EXPECT_BOOL(2.5 <= a, {2, 3}, {0, 0, 0, 1, 1, 1});
  EXPECT_BOOL(6.0 == a, {2, 3}, {0, 0, 0, 0, 0, 1});
  EXPECT_BOOL(6 != a, {2, 3}, {1, 1, 1, 1, 1, 0});
  // [3, 1] against [3]: [3, 3] (torch: a[0].reshape(3, 1) <= a[1])
  EXPECT_BOOL(a[0].reshape({3, 1}) <= a[1], {3, 3}, {1, 1, 1, 1, 1, 1, 0, 0, 0});
  CHECK_THROWS_AS(xg::tensor({1.0, 2.0}) == xg::tensor({1.0, 2.0, 3.0}), std::invalid_argument);
}

TEST_CASE("comparisons with numbers use PyTorch's promotion") {
  xg::Tensor i = xg::tensor({16777217, 3, -4}, xg::dtype(xg::kInt64));
  EXPECT_BOOL(i == 16777216, {3}, {0, 0, 0});    // an integer compares as an integer (exact)
  EXPECT_BOOL(i == 16777216.0, {3}, {1, 0, 0});  // a double in float32, where 16777217 == 16777216 (torch)
  EXPECT_BOOL(i < 3.5, {3}, {0, 1, 1});                // a fractional one in float32 (torch: i < 3.5)
  EXPECT_BOOL(i >= 3, {3}, {1, 1, 0});
  // A floating 0-d tensor raises the int64 tensor to its own dtype: in float32 16777217 == 16777216.
  EXPECT_BOOL(i == xg::scalar_tensor(16777216.0), {3}, {1, 0, 0});
  EXPECT_BOOL(i == xg::scalar_tensor(16777216.0, xg::dtype(xg::kFloat64)), {3}, {0, 0, 0});
  EXPECT_BOOL(i == xg::scalar_tensor(3.0, xg::dtype(xg::kFloat64)), {3}, {0, 1, 0});
  // Beyond int32's range: PyTorch wraps 3e9 into int32; xgrad compares exactly (never equal, always larger).
  xg::Tensor i32 = xg::tensor({1, -2}, xg::dtype(xg::kInt32));
  EXPECT_BOOL(i32 == 3e9, {2}, {0, 0});
  EXPECT_BOOL(i32 < 3e9, {2}, {1, 1});
  xg::Tensor b = bools({1, 0}, {2});
  EXPECT_BOOL(b == 1, {2}, {1, 0});
  EXPECT_BOOL(b < 0.5, {2}, {0, 1});
  EXPECT_BOOL(xg::lt(b, xg::tensor({0.5, -0.5})), {2}, {0, 0});
  // float32 against a number beyond its range: the number becomes infinity, as in PyTorch.
  EXPECT_BOOL(xg::tensor({1.0, 3e38}) < 1e39, {2}, {1, 1});
  CHECK_THROWS_AS(xg::Tensor() == 1.0, std::invalid_argument);
}

TEST_CASE("comparisons read strided and expanded inputs in place") {
  xg::Tensor a = A();
  // torch: A.t() < A.t().flip(0)
  xg::Tensor flipped = a.t().index_select(0, {2, 1, 0});
  EXPECT_BOOL(a.t() < flipped, {3, 2}, {1, 0, 0, 0, 0, 1});
  xg::Tensor big = xg::arange(0, 60, 1, xg::dtype(xg::kFloat64)).reshape({3, 4, 5});
  xg::Tensor view = big.permute({2, 0, 1}).slice(1, 0, 3, 2);  // [5, 2, 4], strided
  xg::Tensor expected = view.contiguous();
  CHECK((view == expected).all().item<bool>());
  CHECK((view.gt(expected - 0.5)).all().item<bool>());
  xg::Tensor row = xg::tensor({1.0, 2.0, 3.0}).expand({4, 3});
  EXPECT_BOOL(row >= 2, {4, 3}, {0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1});
  // Comparisons are not differentiable: the result never requires grad.
  xg::Tensor x = random_input({2, 3});
  CHECK_FALSE((x > 0).requires_grad());
}

TEST_CASE("where broadcasts its three operands, promotes the values and routes gradients") {
  xg::Tensor cond = bools({1, 0}, {2, 1});
  xg::Tensor row = f64t({10, 20, 30}, {3});
  EXPECT(xg::where(cond, A(), row), {2, 3}, xg::kFloat64, {1.5, -2.0, 3.0, 10.0, 20.0, 30.0});
  EXPECT(A().where(cond, row), {2, 3}, xg::kFloat64, {1.5, -2.0, 3.0, 10.0, 20.0, 30.0});
  xg::Tensor c = bools({1, 0}, {2});
  xg::Tensor ints = xg::tensor({1, 2}, xg::dtype(xg::kInt64));
  EXPECT(xg::where(c, ints, 1.5), {2}, xg::kFloat32, {1.0, 1.5});
  EXPECT(xg::where(c, ints, 1), {2}, xg::kInt64, {1, 1});
  EXPECT(xg::where(c, 1.0, 0.0), {2}, xg::kFloat32, {1.0, 0.0});
  EXPECT(xg::where(c, 7, ints), {2}, xg::kInt64, {7, 2});
  EXPECT(xg::where(c, 7.0, ints), {2}, xg::kFloat32, {7, 2});  // torch: where(c, 7.0, ints) is float32
  EXPECT(xg::where(c, xg::tensor({1.0, 2.0}), xg::scalar_tensor(3, xg::dtype(xg::kFloat64))), {2}, xg::kFloat32, {1, 3});
  EXPECT(xg::where(c, xg::tensor({1.0, 2.0}), f64t({3}, {1})), {2}, xg::kFloat64, {1, 3});
  CHECK_THROWS_WITH_AS(xg::where(xg::tensor({1.0, 0.0}), xg::tensor({1.0, 2.0}), 0.0),
                       doctest::Contains("where: expected condition to be a bool tensor, got float32"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::where(c, xg::tensor({1.0}), xg::tensor({1.0, 2.0, 3.0})), doctest::Contains("where: shapes"),
                       std::invalid_argument);
  // torch: where(c, int32 tensor, 2**40) -> "value cannot be converted to type int without overflow"
  CHECK_THROWS_AS(xg::where(c, ints.to(xg::kInt32), int64_t(1) << 40), std::invalid_argument);
  CHECK_THROWS_AS(xg::where(xg::Tensor(), ints, ints), std::invalid_argument);

  // torch: where(cond [2, 1], a [2, 3], b [3]); b's gradient is summed over the broadcast rows.
  xg::Tensor a = A().requires_grad_(true), b = row.clone().requires_grad_(true);
  xg::Tensor y = xg::where(cond, a, b);
  (y * weights(y.shape())).sum().backward();
  EXPECT(a.grad(), {2, 3}, xg::kFloat64, {1.0, 2.0, 3.0, 0.0, 0.0, 0.0});
  EXPECT(b.grad(), {3}, xg::kFloat64, {4.0, 5.0, 6.0});
  CHECK(y.grad_fn_name() == "WhereBackward");
}

TEST_CASE("where is gradchecked: broadcast, strided, mixed dtypes, second order") {
  xg::manual_seed(11);
  xg::Tensor cond = xg::rand({3, 4}) > 0.5;
  auto f = [cond](const Inputs& in) { return xg::where(cond, in[0], in[1]) * xg::where(cond, in[1], in[0]); };
  CHECK(gradcheck(f, {random_input({3, 4}), random_input({3, 4})}));
  CHECK(gradgradcheck(f, {random_input({3, 4}), random_input({3, 4})}));
  CHECK(gradcheck([cond](const Inputs& in) { return xg::where(cond, in[0], in[1]); }, {random_input({4}), random_input({3, 1})}));
  CHECK(gradcheck([cond](const Inputs& in) { return xg::where(cond, in[0].t(), in[1].expand({3, 4})); },
                  {random_input({4, 3}), random_input({1, 4})}));
  CHECK(gradcheck([cond](const Inputs& in) { return xg::where(cond.t(), in[0].slice(0, 0, 8, 2), 2.0); }, {random_input({8, 3})}));
  CHECK(gradcheck([cond](const Inputs& in) { return xg::where(cond, -1.0, in[0]); }, {random_input({3, 4})}));
  // A float32 operand: its gradient comes back in float32 (loose tolerance through the float32 cast).
  xg::Tensor small = xg::rand({3, 4}).requires_grad_(true);
  xg::Tensor both = random_input({3, 4});
  xg::where(cond, small, both).sum().backward();
  CHECK(small.grad().dtype() == xg::kFloat32);
  CHECK(both.grad().dtype() == xg::kFloat64);
  CHECK((small.grad() == cond.to(xg::kFloat32)).all().item<bool>());
}

TEST_CASE("masked_fill fills where the mask is true, with the tensor's dtype") {
  xg::Tensor mask = bools({1, 0, 1, 0, 0, 1}, {2, 3});
  EXPECT(A().masked_fill(mask, -7), {2, 3}, xg::kFloat64, {-7.0, -2.0, -7.0, 0.0, 2.0, -7.0});
  EXPECT(xg::masked_fill(A(), mask, -7), {2, 3}, xg::kFloat64, {-7.0, -2.0, -7.0, 0.0, 2.0, -7.0});
  // The out-of-place op broadcasts self too.
  EXPECT(xg::tensor({1.0, 2.0, 3.0}).masked_fill(mask, 0.0), {2, 3}, xg::kFloat32, {0.0, 2.0, 0.0, 1.0, 2.0, 0.0});
  xg::Tensor c = bools({1, 0}, {2});
  EXPECT(xg::tensor({1, 2}, xg::dtype(xg::kInt64)).masked_fill(c, 2.5), {2}, xg::kInt64, {2, 2});
  EXPECT(bools({0, 0}, {2}).masked_fill(c, 2.5), {2}, xg::kBool, {1, 0});
  CHECK_THROWS_WITH_AS(xg::tensor({1, 2}, xg::dtype(xg::kInt64)).masked_fill(c, kNan),
                       doctest::Contains("cannot be converted to type int64"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(A().masked_fill(mask, xg::tensor({1.0})), doctest::Contains("0-dimensional value tensor"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(A().masked_fill(xg::tensor({1.0, 0.0, 1.0}), 0.0), doctest::Contains("masked_fill: expected the mask to be a bool"),
                       std::invalid_argument);
  CHECK_THROWS_AS(A().masked_fill(bools({1, 0}, {2}), 0.0), std::invalid_argument);  // [2] vs [2, 3]
  CHECK_THROWS_AS(xg::tensor({1.0f}).masked_fill(c.slice(0, 0, 1), 1e39), std::invalid_argument);  // not a float32

  // torch: x.masked_fill(mask, v) with v a 0-d tensor requiring grad: v gets the sum where the mask is true.
  xg::Tensor x = A().requires_grad_(true);
  xg::Tensor v = xg::scalar_tensor(2.5, f64());
  xg::Tensor y = x.masked_fill(mask, v);
  (y * weights(y.shape())).sum().backward();
  EXPECT(x.grad(), {2, 3}, xg::kFloat64, {0.0, 2.0, 0.0, 4.0, 5.0, 0.0});
  EXPECT(v.grad(), {}, xg::kFloat64, {10.0});
  CHECK(gradcheck([mask](const Inputs& in) { return in[0].masked_fill(mask, in[1]) * in[0]; },
                  {random_input({2, 3}), random_input({})}));
  CHECK(gradgradcheck([mask](const Inputs& in) { return in[0].t().masked_fill(mask.t(), in[1]) * in[0].t(); },
                      {random_input({2, 3}), random_input({})}));
}

TEST_CASE("masked_fill_ writes in place: contiguous, views, recorded, refused") {
  xg::Tensor mask = bools({1, 0, 1, 0, 0, 1}, {2, 3});
  // torch: y = x * 2; y.masked_fill_(mask, 1.0); gradients flow where the mask is false.
  xg::Tensor x = A().requires_grad_(true);
  xg::Tensor y = x * 2;
  y.masked_fill_(mask, 1.0);
  EXPECT(y.detach(), {2, 3}, xg::kFloat64, {1.0, -4.0, 1.0, 0.0, 4.0, 1.0});
  (y * weights(y.shape())).sum().backward();
  EXPECT(x.grad(), {2, 3}, xg::kFloat64, {0.0, 4.0, 0.0, 8.0, 10.0, 0.0});
  // On a view: the base sees the write (torch: z[:, 1:3].masked_fill_(tensor([True, False]), 5)).
  xg::Tensor z = xg::zeros({3, 4});
  z.slice(1, 1, 3).masked_fill_(bools({1, 0}, {2}), 5.0);
  EXPECT(z, {3, 4}, xg::kFloat32, {0, 5, 0, 0, 0, 5, 0, 0, 0, 5, 0, 0});
  // A plain tensor: bumps the version, so a saved copy notices.
  xg::Tensor w = xg::ones({2, 3}, f64(false));
  xg::Tensor leaf = random_input({2, 3});
  xg::Tensor product = leaf * w;
  w.masked_fill_(mask, 0.0);
  CHECK_THROWS_AS(product.sum().backward(), std::logic_error);
  // With a differentiable 0-d value.
  xg::Tensor base = random_input({2, 3});
  xg::Tensor value = xg::scalar_tensor(0.5, f64());
  CHECK(gradcheck([mask](const Inputs& in) {
          xg::Tensor t = in[0] * 1.0;
          t.masked_fill_(mask, in[1]);
          return t * t;
        }, {base, value}));
  // Refusals.
  CHECK_THROWS_WITH_AS(random_input({2, 3}).masked_fill_(mask, 0.0), doctest::Contains("masked_fill_: a leaf tensor"),
                       std::logic_error);
  CHECK_THROWS_WITH_AS(xg::zeros({2, 2}).masked_fill_(xg::ones({1, 2, 2}, xg::dtype(xg::kBool)), 0.0),
                       doctest::Contains("cannot be broadcast into the in-place target"), std::invalid_argument);
  CHECK_THROWS_AS(xg::zeros({2, 3}).masked_fill_(mask, xg::tensor({1.0, 2.0})), std::invalid_argument);
  CHECK_THROWS_AS(xg::zeros({2, 3}).masked_fill_(xg::ones({2, 3}), 1.0), std::invalid_argument);
  xg::Tensor expanded = xg::zeros({3}).expand({2, 3});
  CHECK_THROWS_AS(expanded.masked_fill_(mask, 1.0), std::invalid_argument);  // one element, several positions
}

TEST_CASE("logical ops, isnan, isinf and isfinite") {
  xg::Tensor p = xg::tensor({1, 0, kNan, 0, -2, 0}, {2, 3});
  xg::Tensor q = xg::tensor({2, 0, 0}, xg::dtype(xg::kInt64));
  EXPECT_BOOL(xg::logical_and(p, q), {2, 3}, {1, 0, 0, 0, 0, 0});
  EXPECT_BOOL(p.logical_or(q), {2, 3}, {1, 0, 1, 1, 1, 0});
  EXPECT_BOOL(xg::logical_xor(p, q), {2, 3}, {0, 0, 1, 1, 1, 0});
  EXPECT_BOOL(p.logical_not(), {2, 3}, {0, 1, 0, 1, 0, 1});
  EXPECT_BOOL(xg::logical_not(p.t()), {3, 2}, {0, 1, 1, 0, 0, 1});
  CHECK_THROWS_AS(xg::logical_and(p, xg::tensor({1.0, 0.0})), std::invalid_argument);
  xg::Tensor s = xg::tensor({1.0, kNan, kInf, -kInf, 0.0});
  EXPECT_BOOL(s.isnan(), {5}, {0, 1, 0, 0, 0});
  EXPECT_BOOL(xg::isinf(s), {5}, {0, 0, 1, 1, 0});
  EXPECT_BOOL(s.isfinite(), {5}, {1, 0, 0, 0, 1});
  EXPECT_BOOL(xg::isfinite(xg::tensor({1, 2}, xg::dtype(xg::kInt64))), {2}, {1, 1});
  EXPECT_BOOL(xg::isnan(xg::tensor({1, 2}, xg::dtype(xg::kInt32))), {2}, {0, 0});
  EXPECT_BOOL(xg::isnan(s.slice(0, 1, 5, 2)), {2}, {1, 0});
  EXPECT_BOOL(xg::isnan(xg::zeros({0, 3})), {0, 3}, {});
}

TEST_CASE("any and all, over everything or one dimension") {
  xg::Tensor m = xg::tensor({1, 0, 0, 1, 1, kNan}, {2, 3});
  EXPECT_BOOL(m.any(), {}, {1});
  EXPECT_BOOL(m.all(), {}, {0});
  EXPECT_BOOL(m.any(0), {3}, {1, 1, 1});
  EXPECT_BOOL(xg::all(m, 1), {2}, {0, 1});
  EXPECT_BOOL(m.all(-1, true), {2, 1}, {0, 1});
  EXPECT_BOOL(m.t().all(0), {2}, {0, 1});
  EXPECT_BOOL(xg::tensor({0, 0, 0, 3}, {2, 2}, xg::dtype(xg::kInt64)).any(1), {2}, {0, 1});
  EXPECT_BOOL(xg::zeros({0}).all(), {}, {1});
  EXPECT_BOOL(xg::zeros({0}).any(), {}, {0});
  EXPECT_BOOL(xg::zeros({2, 0}).all(1), {2}, {1, 1});
  EXPECT_BOOL(xg::zeros({2, 0}).any(1), {2}, {0, 0});
  EXPECT_BOOL(xg::zeros({2, 0}).any(0), {0}, {});
  EXPECT_BOOL(xg::scalar_tensor(2).all(0), {}, {1});
  CHECK_THROWS_WITH_AS(m.all(2), doctest::Contains("dimension 2 out of range"), std::invalid_argument);
}

TEST_CASE("isclose, allclose and equal") {
  xg::Tensor u = f64t({1.0, 1.0 + 1e-6, 1.1, kInf, -kInf, kNan}, {6});
  xg::Tensor w = f64t({1.0, 1.0, 1.0, kInf, kInf, kNan}, {6});
  EXPECT_BOOL(u.isclose(w), {6}, {1, 1, 0, 1, 0, 0});
  EXPECT_BOOL(xg::isclose(u, w, 1e-5, 1e-8, true), {6}, {1, 1, 0, 1, 0, 1});
  EXPECT_BOOL(u.isclose(w, 0.1), {6}, {1, 1, 1, 1, 0, 0});
  EXPECT_BOOL(u.isclose(w, 0.0, 0.0), {6}, {1, 0, 0, 1, 0, 0});
  xg::Tensor i = xg::tensor({1, 2}, xg::dtype(xg::kInt64)), j = xg::tensor({1, 3}, xg::dtype(xg::kInt64));
  EXPECT_BOOL(i.isclose(j, 0.5), {2}, {1, 1});
  EXPECT_BOOL(i.isclose(j), {2}, {1, 0});
  CHECK_FALSE(xg::tensor({1.0, 2.0}).allclose(xg::tensor({1.0})));  // broadcast: 2 vs 1
  CHECK(f64t({1, 2}, {2}).allclose(f64t({1 + 1e-9, 2}, {2})));
  CHECK_FALSE(xg::tensor({kNan}).allclose(xg::tensor({kNan})));
  CHECK(xg::allclose(xg::tensor({kNan}), xg::tensor({kNan}), 1e-5, 1e-8, true));
  CHECK_THROWS_WITH_AS(i.allclose(xg::tensor({1.0, 2.0})), doctest::Contains("allclose: dtypes int64 and float32 differ"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::tensor({1.0}).isclose(xg::tensor({1.0}), -1),
                       doctest::Contains("rtol must be greater than or equal to zero"), std::invalid_argument);
  CHECK_THROWS_AS(xg::tensor({1.0}).isclose(xg::tensor({1.0}), 1e-5, -1), std::invalid_argument);
  CHECK_THROWS_AS(xg::tensor({1.0, 2.0}).allclose(xg::tensor({1.0, 2.0, 3.0})), std::invalid_argument);
  // torch: True True False False False
  CHECK(xg::tensor({1.0, 2.0}).equal(f64t({1, 2}, {2})));
  CHECK(xg::equal(i, xg::tensor({1.0, 2.0})));
  CHECK_FALSE(xg::tensor({1.0, 2.0}).equal(xg::tensor({1.0, 2.0, 3.0})));
  CHECK_FALSE(xg::tensor({kNan}).equal(xg::tensor({kNan})));
  CHECK_FALSE(xg::ones({2, 1}).equal(xg::ones({2})));
  CHECK(A().t().equal(A().t().contiguous()));
  CHECK(xg::zeros({0, 2}).equal(xg::zeros({0, 2})));
}

TEST_CASE("nan_to_num replaces NaN and infinities; its gradient is 0 there") {
  xg::Tensor t = xg::tensor({1.0, kNan, kInf, -kInf});
  const double f32max = std::numeric_limits<float>::max(), f64max = std::numeric_limits<double>::max();
  EXPECT(t.nan_to_num(), {4}, xg::kFloat32, {1, 0, f32max, -f32max});
  EXPECT(t.to(xg::kFloat64).nan_to_num(), {4}, xg::kFloat64, {1, 0, f64max, -f64max});
  EXPECT(xg::nan_to_num(t, 2.0, 3.0, -4.0), {4}, xg::kFloat32, {1, 2, 3, -4});
  EXPECT(t.nan_to_num(std::nullopt, 9.0), {4}, xg::kFloat32, {1, 0, 9, -f32max});
  EXPECT(xg::tensor({1, 2}, xg::dtype(xg::kInt64)).nan_to_num(1.5), {2}, xg::kInt64, {1, 2});
  EXPECT(t.slice(0, 1, 4, 2).nan_to_num(), {2}, xg::kFloat32, {0, -f32max});
  EXPECT(grad_of([](const xg::Tensor& x) { return x.nan_to_num(); }, f64t({1, kNan, kInf, -kInf, -2}, {5})), {5}, xg::kFloat64,
         {1, 0, 0, 0, 5});
  CHECK(gradcheck([](const Inputs& in) { return (in[0].t() * in[0].t()).nan_to_num(); }, {random_input({2, 3})}));
  xg::Tensor in_place = xg::tensor({kNan, 1.0});
  in_place.nan_to_num_(-1.0);
  EXPECT(in_place, {2}, xg::kFloat32, {-1, 1});
}

TEST_CASE("Tensor == Tensor is an element-wise comparison; handles compare with impl()") {
  xg::Tensor a = xg::tensor({1.0, 2.0}), b = a;
  xg::Tensor same = a == b;  // a kBool tensor, as in LibTorch
  CHECK(same.dtype() == xg::kBool);
  CHECK(same.all().item<bool>());
  CHECK(a.impl() == b.impl());
  CHECK(a.impl() != xg::tensor({1.0, 2.0}).impl());
}

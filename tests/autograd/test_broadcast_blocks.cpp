// The block fast paths of broadcasting and reduction (kernels.hpp block_broadcast): an operand that
// varies along one contiguous run of the other's dimensions (per-row [N, 1], per-channel [C, 1] against
// [N, C, L], bias rows), sums whose kept dimensions are one run, and sum_to / expand_copy to such shapes.
// Each is compared with the same computation done element by element.
#include <functional>
#include <string>
#include <vector>

#include "helpers.hpp"

namespace {
// Row-major index arithmetic for the reference computations.
std::vector<int64_t> strides_of(const xg::Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d) strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}
// The flat index in `small` (right-aligned, broadcast) of element `flat` of `big`.
int64_t broadcast_index(int64_t flat, const xg::Shape& big, const xg::Shape& small) {
  const std::vector<int64_t> big_strides = strides_of(big), small_strides = strides_of(small);
  const size_t pad = big.size() - small.size();
  int64_t index = 0;
  for (size_t d = 0; d < big.size(); ++d) {
    const int64_t coordinate = (flat / big_strides[d]) % big[d];
    if (d >= pad && small[d - pad] != 1) index += coordinate * small_strides[d - pad];
  }
  return index;
}

struct Pair {
  xg::Shape big, small;
};
const std::vector<Pair> kPairs = {
    {{4, 5}, {4, 1}},           // per row
    {{4, 5}, {5}},              // bias row (the trailing path)
    {{2, 3, 4}, {3, 1}},        // per channel of (N, C, L)
    {{2, 3, 4}, {1, 3, 1}},     // the same with the leading 1
    {{2, 3, 4}, {2, 3, 1}},     // per (N, C)
    {{2, 1, 3, 4}, {1, 1, 3, 1}},  // a size-1 dimension in the big shape
    {{3, 1, 4}, {3, 1, 1}},
    {{2, 3, 4, 5}, {3, 4, 1}},  // a run of two dimensions
    {{0, 3}, {0, 1}},           // empty
    {{3, 0}, {3, 1}},
};
}  // namespace

TEST_CASE("binary ops broadcast per row and per channel like the element-by-element definition") {
  for (const Pair& pair : kPairs) {
    CAPTURE(xg::shape_string(pair.big));
    CAPTURE(xg::shape_string(pair.small));
    for (xg::Dtype dtype : {xg::kFloat32, xg::kFloat64, xg::kInt64, xg::kInt32}) {
      const std::string dtype_text = xg::dtype_name(dtype);
      CAPTURE(dtype_text);
      xg::Tensor big = (xg::rand(pair.big, xg::kFloat64) * 20 - 10).to(dtype);
      xg::Tensor small = (xg::rand(pair.small, xg::kFloat64) * 20 - 10 + 0.5).to(dtype);
      std::vector<double> a = big.to_vector<double>(), b = small.to_vector<double>();
      std::vector<double> sum(a.size()), difference(a.size()), reversed(a.size()), product(a.size());
      for (size_t i = 0; i < a.size(); ++i) {
        const double s = b[broadcast_index(static_cast<int64_t>(i), pair.big, pair.small)];
        sum[i] = a[i] + s;
        difference[i] = a[i] - s;
        reversed[i] = s - a[i];
        product[i] = a[i] * s;
      }
      CHECK((big + small).shape() == pair.big);
      check_values(big + small, sum, 1e-6);
      check_values(big - small, difference, 1e-6);
      check_values(small - big, reversed, 1e-6);
      check_values(big * small, product, 1e-6);
      // In place (the output is the big operand itself) and through a non-contiguous big operand.
      xg::Tensor target = big.clone();
      target += small;
      check_values(target, sum, 1e-6);
      if (pair.big.size() >= 2) {
        xg::Tensor transposed = big.transpose(0, 1).contiguous().transpose(0, 1);
        check_values(transposed * small, product, 1e-6);
      }
      // expand_copy (via expand().contiguous()) places every value.
      std::vector<double> expanded(a.size());
      for (size_t i = 0; i < a.size(); ++i) expanded[i] = b[broadcast_index(static_cast<int64_t>(i), pair.big, pair.small)];
      check_values(small.expand(pair.big).contiguous(), expanded, 1e-12);
    }
  }
}

TEST_CASE("sums whose kept dimensions are one run, and sum_to per row or channel, add up the right blocks") {
  struct Case {
    xg::Shape shape;
    std::vector<int64_t> dims;
  };
  const std::vector<Case> cases = {
      {{4, 5}, {1}}, {{2, 3, 4}, {0, 2}}, {{2, 3, 4}, {2}}, {{2, 3, 4}, {1, 2}}, {{2, 3, 4, 5}, {0, 3}},
      {{2, 3, 4, 5}, {-1}}, {{3, 0}, {1}}, {{0, 3}, {1}}, {{2, 1, 4}, {0, 2}},
  };
  for (const Case& c : cases) {
    CAPTURE(xg::shape_string(c.shape));
    for (xg::Dtype dtype : {xg::kFloat32, xg::kFloat64, xg::kInt64}) {
      const std::string dtype_text = xg::dtype_name(dtype);
      CAPTURE(dtype_text);
      xg::Tensor x = (xg::rand(c.shape, xg::kFloat64) * 20 - 10).to(dtype);
      xg::Tensor kept = x.sum(c.dims, true);
      const xg::Shape kept_shape = kept.shape();
      std::vector<double> values = x.to_vector<double>(), expected(static_cast<size_t>(kept.numel()), 0.0);
      for (size_t i = 0; i < values.size(); ++i) expected[broadcast_index(static_cast<int64_t>(i), c.shape, kept_shape)] += values[i];
      check_values(kept, expected, 1e-5);
      check_values(x.sum(c.dims, false), expected, 1e-5);
      if (xg::is_floating_point(dtype)) check_values(xg::sum_to(x, kept_shape), expected, 1e-5);
    }
  }
  // The gradients of per-row and per-channel products sum back through these paths.
  auto per_row = [](const std::vector<xg::Tensor>& in) { return in[0] * in[1] + in[1]; };
  CHECK(xg::autograd::gradcheck(per_row, {random_input({4, 5}), random_input({4, 1})}));
  CHECK(xg::autograd::gradcheck(per_row, {random_input({2, 3, 4}), random_input({3, 1})}));
  CHECK(xg::autograd::gradgradcheck(per_row, {random_input({2, 3, 4}), random_input({1, 3, 1})}));
  CHECK(xg::autograd::gradcheck([](const std::vector<xg::Tensor>& in) { return in[0].sum({0, 2}); }, {random_input({2, 3, 4})}));
}

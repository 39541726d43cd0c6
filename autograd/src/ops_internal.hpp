// Private ops shared by the engine, the ops files and the nn/optim layers.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "tensor_impl.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad {

// target += value without history (value broadcasts to target's shape); bumps target's version.
void add_inplace_raw(Tensor& target, const Tensor& value);
// Where `keep` is 0 the result is 0, elsewhere `x`; differentiable in x (the mask is a constant).
Tensor masked_zero(const Tensor& x, const Tensor& keep);
// 1 where predicate holds, else 0; never requires grad.
Tensor mask_positive(const Tensor& x);                          // x > 0
Tensor mask_in_range(const Tensor& x, double low, double high);  // low <= x <= high
Tensor mask_equal(const Tensor& x, const Tensor& value);        // x == value (broadcast)
Tensor mask_nan(const Tensor& x);                                // x is NaN
// Batched product on 3-D tensors [B, n, k] x [B, k, m], reading either operand transposed in place (BLAS flags).
Tensor bmm(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b);
// x broadcast to `shape` as a new contiguous tensor (differentiable): what kernels and gradients want, where
// the public broadcast_to gives a view.
Tensor expand_copy(const Tensor& x, Shape shape);
// Backward of index_select: a zero tensor of `shape` with `grad` added into the rows `indices` name.
Tensor index_add_zeros(const Tensor& grad, const Shape& shape, int64_t dim, const std::vector<int64_t>& indices);
// Sum of value(i) for i < n in eight running sums (vectorizable, more accurate than one long chain),
// combined pairwise. Every full reduction uses it, so they all round alike.
template <class T, class Value>
T sum_lanes(int64_t n, Value value) {
  T lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int lane = 0; lane < 8; ++lane) lanes[lane] += value(i + lane);
  for (; i < n; ++i) lanes[i % 8] += value(i);
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}
// Throws `op: dtypes float32 and float64 differ` (for ops that, like PyTorch's, do not promote).
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b);
// PyTorch's type promotion (torch.result_type) for two tensors: bool < integer < floating, and a 0-d
// tensor raises the category but not the width of tensors with dimensions.
Dtype result_type(const Tensor& a, const Tensor& b);
// Both operands of a binary op in their common dtype, converted through differentiable to() only when
// they differ (gradients then come back in each input's own dtype). `floating`: the result is always
// floating point (true division), integers and bools compute in float32.
class Promoted {
 public:
  Promoted(const char* op, const Tensor& a, const Tensor& b, bool floating = false) : a_(&a), b_(&b) {
    // Nearly always both are defined, floating and alike: nothing to do.
    const TensorImpl* x = a.impl();
    const TensorImpl* y = b.impl();
    if (!x || !y || !same_floating(x, y)) promote(op, floating);
  }
  const Tensor& a() const { return *a_; }
  const Tensor& b() const { return *b_; }

 private:
  static bool same_floating(const TensorImpl* x, const TensorImpl* y) {
    return x->dtype == y->dtype && (x->dtype == kFloat32 || x->dtype == kFloat64);
  }
  void promote(const char* op, bool floating);
  Tensor hold_a_, hold_b_;
  const Tensor* a_;
  const Tensor* b_;
};
// The tensor operand of an op with a C++ number, in the op's dtype (torch.result_type with a number):
// floating tensors as they are; an integer tensor stays integer with an integer or bool number and computes
// in float32 with a floating one (always when `floating`, true division); a bool tensor becomes int64 with
// an integer number.
const Tensor& scalar_operand_slow(const char* op, const Tensor& x, const Scalar& scalar, bool floating, Tensor& holder);
inline const Tensor& scalar_operand(const char* op, const Tensor& x, const Scalar& scalar, bool floating, Tensor& holder) {
  const TensorImpl* impl = x.impl();
  return impl && is_floating_point(impl->dtype) ? x : scalar_operand_slow(op, x, scalar, floating, holder);
}
// A number read once in the form each kernel type needs (an integer kernel only ever meets an integer or
// bool number: a floating one promoted its tensor to floating first).
struct ScalarValue {
  explicit ScalarValue(const Scalar& s) : floating(s.toDouble()), integral(s.isFloatingPoint() ? 0 : s.toLong()) {}
  template <class T>
  T as() const {
    if constexpr (std::is_floating_point<T>::value) return static_cast<T>(floating);
    else return static_cast<T>(integral);
  }
  double floating;
  int64_t integral;
};
void check_defined(const char* op, const Tensor& x);
// Factories refuse a CUDA device in their options (xgrad is CPU-only).
void check_device(const char* op, const TensorOptions& options);
// NumPy broadcasting of two shapes; throws `op: shapes [..] and [..] cannot broadcast`.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);
void bump_version(const Tensor& x);
// Throws unless `value` fits `dtype` (finite values beyond float32's range do not, nor integers beyond
// an integer dtype's range), as PyTorch's "value cannot be converted to type ... without overflow".
void check_fill_value(const char* op, const Scalar& value, Dtype dtype);
// Writes `values` (the target's shape) into the target's elements through its strides; no history.
void write_into(TensorImpl& target, const Tensor& values);
// An in-place op on `self` given as its out-of-place form: `compute(previous)` gives the new value. With
// `record`, self (or, for a view, its base) takes the history; without, the value is written through
// self's strides. Refuses writes through expanded views.
Tensor& apply_inplace(const char* op, Tensor& self, bool record, const std::function<Tensor(const Tensor&)>& compute);
// Throws for in-place ops PyTorch refuses under grad mode: on a leaf that requires grad, or a view of one.
void check_inplace_allowed(const char* op, const Tensor& self);
// A recorded in-place op on a view: `compute(previous)` gives the new value, which is written into the
// view's elements; the view's base takes the history (PyTorch's CopySlices).
Tensor& inplace_on_view(const char* op, Tensor& view, const std::function<Tensor(const Tensor&)>& compute);
// The stored gradient of `parameter` (undefined when there is none), after checking that it still matches
// the parameter's shape and dtype: anything can be assigned through mutable_grad(), and every reader of a
// gradient (optimizers, clipping, accumulation) must refuse a mismatch instead of reading out of bounds.
const Tensor& checked_grad(const Tensor& parameter, const char* op);
const Tensor& checked_grad(const TensorImpl& parameter, const char* op);
// zero_grad for one parameter: drop the gradient (set_to_none, PyTorch 2.x default) or zero it in place.
void clear_grad(Tensor& parameter, bool set_to_none);

}  // namespace xgrad

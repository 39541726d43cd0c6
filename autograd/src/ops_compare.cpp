// Comparison, logical and selection ops: eq/ne/lt/le/gt/ge (and their operators), where, masked_fill,
// logical_*, isnan/isinf/isfinite, isclose/allclose/equal and nan_to_num. Comparisons compute in the
// operands' promoted dtype and give kBool tensors; where and masked_fill are differentiable in their values.
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {

namespace {

// ---------------------------------------------------------------- broadcasting element loop

// The strides that read `impl` as if broadcast to `shape`: 0 along dimensions it repeats.
Shape broadcast_strides(const TensorImpl& impl, const Shape& shape) {
  const Shape own = strides_of(impl);
  Shape out(shape.size(), 0);
  const size_t lead = shape.size() - impl.shape.size();
  for (size_t d = 0; d < impl.shape.size(); ++d) out[lead + d] = impl.shape[d] == 1 ? 0 : own[d];
  return out;
}

// The flat loop with the pattern of single-element inputs known at compile time, so the loads are plain
// (vectorizable) array reads.
template <size_t N, unsigned Singles, class Body>
void flat_loop(int64_t count, const Body& body_in) {
  Body body = body_in;  // a local copy the compiler keeps in registers (no reloads of its pointers)
  std::array<int64_t, N> offsets{};
  for (int64_t i = 0; i < count; ++i) {
    for (size_t k = 0; k < N; ++k) offsets[k] = (Singles >> k) & 1u ? 0 : i;
    body(i, offsets);
  }
}
template <size_t N, class Body, unsigned... Patterns>
void flat_dispatch(unsigned singles, int64_t count, Body& body, std::integer_sequence<unsigned, Patterns...>) {
  ((singles == Patterns ? flat_loop<N, Patterns>(count, body) : void()), ...);
}

// Calls body(k, offsets) for every element k (row-major) of `shape`, with the element's offset in each
// input (relative to its data<T>()); inputs broadcast to `shape` and may be strided views. Inputs that are
// dense in the output's layout, or single elements, take a flat loop.
template <size_t N, class Body>
void broadcast_loop(const Shape& shape, const std::array<const TensorImpl*, N>& inputs, Body body) {
  int64_t count = 1;
  for (int64_t extent : shape) count *= extent;
  if (count == 0) return;
  std::array<int64_t, N> step{};
  bool flat = true;
  for (size_t k = 0; k < N; ++k) {
    if (inputs[k]->numel == 1) step[k] = 0;
    else if (inputs[k]->numel == count && inputs[k]->is_contiguous()) step[k] = 1;
    else flat = false;
  }
  if (flat) {
    unsigned singles = 0;  // bit k: input k is one element
    for (size_t k = 0; k < N; ++k) singles |= step[k] == 0 ? 1u << k : 0u;
    return flat_dispatch<N>(singles, count, body, std::make_integer_sequence<unsigned, (1u << N)>{});
  }
  std::array<int64_t, N> offsets{};
  const size_t rank = shape.size();  // >= 1: a 0-d output has one element, and took the flat loop
  std::array<Shape, N> strides;
  for (size_t k = 0; k < N; ++k) strides[k] = broadcast_strides(*inputs[k], shape);
  std::array<int64_t, N> base{}, inner_step{};
  for (size_t k = 0; k < N; ++k) inner_step[k] = strides[k][rank - 1];
  const int64_t inner = shape[rank - 1];
  std::vector<int64_t> index(rank, 0);
  int64_t out = 0;
  while (true) {
    for (int64_t i = 0; i < inner; ++i) {
      for (size_t k = 0; k < N; ++k) offsets[k] = base[k] + i * inner_step[k];
      body(out++, offsets);
    }
    size_t d = rank - 1;  // advance the outer dimensions like an odometer
    while (d-- > 0) {
      for (size_t k = 0; k < N; ++k) base[k] += strides[k][d];
      if (++index[d] < shape[d]) break;
      for (size_t k = 0; k < N; ++k) base[k] -= strides[k][d] * shape[d];
      index[d] = 0;
    }
    if (d == static_cast<size_t>(-1)) return;
  }
}

// A bool tensor's elements as bytes (0 or 1): GCC vectorizes loops over uint8_t loads, not over bool ones.
const uint8_t* bytes_of(const Tensor& mask) { return reinterpret_cast<const uint8_t*>(mask.impl()->data<bool>()); }

// ---------------------------------------------------------------- numbers and dtypes

// A dtype conversion for reading only (no history: comparisons and masks are not differentiable).
Tensor cast(const Tensor& x, Dtype dtype) {
  if (x.dtype() == dtype) return x;
  NoGradGuard no_grad;
  return x.to(dtype);
}

// A double as T: float32 saturates to infinity beyond its range (a plain cast would be undefined there);
// integers truncate toward zero (callers check the range).
template <class T>
T narrowed(double value) {
  if constexpr (std::is_same<T, float>::value) {
    const double top = std::numeric_limits<float>::max();
    return value > top ? std::numeric_limits<float>::infinity()
                       : value < -top ? -std::numeric_limits<float>::infinity() : static_cast<float>(value);
  } else {
    return static_cast<T>(value);
  }
}

// A 0-d tensor holding `value` in `dtype` (integers exactly, from an integer Scalar).
Tensor number_tensor(const Scalar& value, Dtype dtype) {
  Tensor out = make_tensor({}, dtype);
  XG_DISPATCH_ALL(dtype, {
    if constexpr (std::is_floating_point<T>::value) *out.impl()->data<T>() = narrowed<T>(value.toDouble());
    else *out.impl()->data<T>() = value.to<T>();
  });
  return out;
}

// The number as a value of `dtype` for where/masked_fill, refusing what the dtype cannot hold (as PyTorch).
Tensor value_tensor(const char* op, const Scalar& value, Dtype dtype) {
  check_fill_value(op, value, dtype);
  return number_tensor(value, dtype);
}

// The dtype a tensor compares with a number in: its own when floating; with an integer number, its integer
// dtype (bool becomes int64), or float64 when the number is beyond an int32's range (exact comparison);
// with a floating number, float32 (torch.result_type with a Python float).
Dtype compare_dtype(Dtype own, const Scalar& value) {
  if (is_floating_point(own)) return own;
  if (value.isFloatingPoint()) return get_default_dtype();
  const Dtype dtype = own == kBool && !value.isBoolean() ? kInt64 : own;
  const int64_t v = value.toLong();
  return dtype != kInt32 || (v >= INT32_MIN && v <= INT32_MAX) ? dtype : kInt64;
}

// ---------------------------------------------------------------- comparisons

template <class Compare>
Tensor compare(const char* op, const Tensor& a_in, const Tensor& b_in, Compare compare_values) {
  check_defined(op, a_in);
  check_defined(op, b_in);
  const Dtype common = result_type(a_in, b_in);
  const Tensor a = cast(a_in, common), b = cast(b_in, common);
  Shape shape = broadcast_shapes(op, a.shape(), b.shape());
  Tensor out = make_tensor(shape, kBool);
  bool* po = out.impl()->data<bool>();
  XG_DISPATCH_ALL(common, {
    const T* pa = a.impl()->data<T>();
    const T* pb = b.impl()->data<T>();
    broadcast_loop<2>(shape, {a.impl(), b.impl()},
                      [=](int64_t k, const std::array<int64_t, 2>& at) { po[k] = compare_values(pa[at[0]], pb[at[1]]); });
  });
  return out;
}

template <class Compare>
Tensor compare_number(const char* op, const Tensor& x, const Scalar& value, Compare compare_values) {
  check_defined(op, x);
  const Dtype dtype = compare_dtype(x.dtype(), value);
  return compare(op, cast(x, dtype), number_tensor(value, dtype), compare_values);
}

// ---------------------------------------------------------------- logical

template <class Op>
Tensor logical(const char* op, const Tensor& a_in, const Tensor& b_in, Op combine) {
  check_defined(op, a_in);
  check_defined(op, b_in);
  const Tensor a = cast(a_in, kBool), b = cast(b_in, kBool);  // nonzero (NaN included) is true
  Shape shape = broadcast_shapes(op, a.shape(), b.shape());
  Tensor out = make_tensor(shape, kBool);
  bool* po = out.impl()->data<bool>();
  const uint8_t* pa = bytes_of(a);
  const uint8_t* pb = bytes_of(b);
  broadcast_loop<2>(shape, {a.impl(), b.impl()},
                    [=](int64_t k, const std::array<int64_t, 2>& at) { po[k] = combine(pa[at[0]] != 0, pb[at[1]] != 0); });
  return out;
}

// out[k] = predicate(x[k]) as kBool, for any dtype of x.
template <class Predicate>
Tensor test_each(const char* op, const Tensor& x, Predicate predicate) {
  check_defined(op, x);
  Tensor out = make_tensor(x.shape(), kBool);
  bool* po = out.impl()->data<bool>();
  XG_DISPATCH_ALL(x.dtype(), {
    const T* px = x.impl()->data<T>();
    broadcast_loop<1>(x.shape(), {x.impl()}, [=](int64_t k, const std::array<int64_t, 1>& at) { po[k] = predicate(px[at[0]]); });
  });
  return out;
}

template <class T>
bool is_nan_value(T v) {
  if constexpr (std::is_floating_point<T>::value) return std::isnan(v);
  else return false;
}
template <class T>
bool is_inf_value(T v) {
  if constexpr (std::is_floating_point<T>::value) return std::isinf(v);
  else return false;
}

// ---------------------------------------------------------------- where

void check_condition(const char* op, const char* what, const Tensor& condition) {
  check_defined(op, condition);
  if (condition.dtype() != kBool)
    throw Error(std::string(op) + ": expected " + what + " to be a bool tensor, got " +
                                dtype_name(condition.dtype()) + " (compare it, e.g. x > 0, or convert it with .to(xg::kBool))");
}

// condition ? a : b with a and b already of one dtype; records `name` for the gradient.
Tensor select_where(const char* op, const char* name, const Tensor& condition, const Tensor& a, const Tensor& b) {
  const Shape shape = broadcast_shapes(op, broadcast_shapes(op, condition.shape(), a.shape()), b.shape());
  Tensor out = make_tensor(shape, a.dtype());
  const uint8_t* pc = bytes_of(condition);
  XG_DISPATCH_ALL(a.dtype(), {
    const T* pa = a.impl()->data<T>();
    const T* pb = b.impl()->data<T>();
    T* po = out.impl()->data<T>();
    broadcast_loop<3>(shape, {condition.impl(), a.impl(), b.impl()}, [=](int64_t k, const std::array<int64_t, 3>& at) {
      const T if_true = pa[at[1]], if_false = pb[at[2]];  // both read: a select, not a mispredicted branch
      po[k] = pc[at[0]] ? if_true : if_false;
    });
  });
  if (any_requires_grad({&a, &b})) {
    Tensor mask = condition.detach();
    // The engine sums each gradient back to its input's shape (broadcasting).
    record(out, name, {&a, &b}, [mask](const Tensor& grad, Grads& grads) {
      if (grads.needs(0)) grads.set(0, where(mask, grad, 0.0));
      if (grads.needs(1)) grads.set(1, where(mask, 0.0, grad));
    });
  }
  return out;
}

// ---------------------------------------------------------------- masked_fill_ and nan_to_num_ in place

// The checks of the in-place machinery, up front so errors name the op the user called.
void check_inplace(const char* op, const Tensor& self) {
  check_defined(op, self);
  if (!GradMode::is_enabled()) return;
  if (self.requires_grad() && self.is_leaf())
    throw std::logic_error(std::string(op) +
                           ": a leaf tensor that requires grad is being used in an in-place operation; "
                           "update parameters under NoGradGuard");
  if (self.is_view()) {
    const Tensor base = self._base();
    if (base.requires_grad() && base.is_leaf())
      throw std::logic_error(std::string(op) +
                             ": a view of a leaf tensor that requires grad is being used in an in-place operation; "
                             "edit it under NoGradGuard");
  }
}

// Writes `result` (self's shape and dtype) into self, recorded like copy_ when gradients flow.
Tensor& assign(Tensor& self, const Tensor& result) {
  self.copy_(result);
  return self;
}

}  // namespace

// ---------------------------------------------------------------- public: comparisons

#define XG_COMPARISON(NAME, EXPR)                                                                          \
  Tensor NAME(const Tensor& a, const Tensor& b) {                                                          \
    return compare(#NAME, a, b, [](auto x, auto y) { return EXPR; });                                      \
  }                                                                                                        \
  Tensor NAME(const Tensor& a, Scalar b) {                                                                 \
    return compare_number(#NAME, a, b, [](auto x, auto y) { return EXPR; });                               \
  }                                                                                                        \
  Tensor Tensor::NAME(const Tensor& other) const { return xgrad::NAME(*this, other); }                     \
  Tensor Tensor::NAME(Scalar other) const { return xgrad::NAME(*this, other); }
XG_COMPARISON(eq, x == y)
XG_COMPARISON(ne, x != y)
XG_COMPARISON(lt, x < y)
XG_COMPARISON(le, x <= y)
XG_COMPARISON(gt, x > y)
XG_COMPARISON(ge, x >= y)
#undef XG_COMPARISON

// ---------------------------------------------------------------- public: where, masked_fill

Tensor where(const Tensor& condition, const Tensor& a_in, const Tensor& b_in) {
  check_condition("where", "condition", condition);
  Promoted promoted("where", a_in, b_in);
  return select_where("where", "WhereBackward", condition, promoted.a(), promoted.b());
}

Tensor where(const Tensor& condition, const Tensor& a_in, Scalar b) {
  check_condition("where", "condition", condition);
  Tensor hold;
  const Tensor& a = scalar_operand("where", a_in, b, false, hold);
  return select_where("where", "WhereBackward", condition, a, value_tensor("where", b, a.dtype()));
}

Tensor where(const Tensor& condition, Scalar a, const Tensor& b_in) {
  check_condition("where", "condition", condition);
  Tensor hold;
  const Tensor& b = scalar_operand("where", b_in, a, false, hold);
  return select_where("where", "WhereBackward", condition, value_tensor("where", a, b.dtype()), b);
}

Tensor where(const Tensor& condition, Scalar a, Scalar b) {
  check_condition("where", "condition", condition);
  // Two numbers promote as numbers do: two bools give bool, integers int64, anything floating float32.
  const Dtype dtype = a.isFloatingPoint() || b.isFloatingPoint() ? get_default_dtype()
                      : a.isBoolean() && b.isBoolean()           ? kBool
                                                                 : kInt64;
  return select_where("where", "WhereBackward", condition, value_tensor("where", a, dtype), value_tensor("where", b, dtype));
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value) {
  check_defined("masked_fill", x);
  check_condition("masked_fill", "the mask", mask);
  // The value takes x's dtype (2.5 fills an int64 tensor with 2), as in PyTorch.
  return select_where("masked_fill", "MaskedFillBackward", mask, value_tensor("masked_fill", value, x.dtype()), x);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) {
  check_defined("masked_fill", x);
  check_condition("masked_fill", "the mask", mask);
  check_defined("masked_fill", value);
  if (value.dim() != 0)
    throw Error("masked_fill: only supports a 0-dimensional value tensor, but got a tensor with " +
                                std::to_string(value.dim()) + " dimension(s) (shape " + shape_string(value.shape()) + ")");
  // Converted with a differentiable to(): the value gets the sum of the gradient where the mask is true.
  return select_where("masked_fill", "MaskedFillBackward", mask, value.to(x.dtype()), x);
}

namespace {
Tensor& masked_fill_inplace(Tensor& self, const Tensor& mask, const Tensor& value, bool value_requires_grad) {
  const char* op = "masked_fill_";
  check_inplace(op, self);
  check_condition(op, "the mask", mask);
  if (broadcast_shapes(op, self.shape(), mask.shape()) != self.shape())
    throw Error(std::string(op) + ": mask of shape " + shape_string(mask.shape()) +
                                " cannot be broadcast into the in-place target of shape " + shape_string(self.shape()));
  const bool record = GradMode::is_enabled() && (self.requires_grad() || value_requires_grad);
  if (!record && self.impl()->is_contiguous()) {
    const uint8_t* pm = bytes_of(mask);
    XG_DISPATCH_ALL(self.dtype(), {
      T* ps = self.impl()->data<T>();
      const Tensor converted = cast(value, self.dtype());
      const T fill = *converted.impl()->data<T>();
      broadcast_loop<1>(self.shape(), {mask.impl()}, [=](int64_t k, const std::array<int64_t, 1>& at) {
        if (pm[at[0]]) ps[k] = fill;
      });
    });
    bump_version(self);
    return self;
  }
  return assign(self, masked_fill(self, mask, value));
}
}  // namespace

Tensor& Tensor::masked_fill_(const Tensor& mask, Scalar value) {
  check_defined("masked_fill_", *this);
  return masked_fill_inplace(*this, mask, value_tensor("masked_fill_", value, dtype()), false);
}
Tensor& Tensor::masked_fill_(const Tensor& mask, const Tensor& value) {
  check_defined("masked_fill_", value);
  if (value.dim() != 0)
    throw Error("masked_fill_: only supports a 0-dimensional value tensor, but got a tensor with " +
                                std::to_string(value.dim()) + " dimension(s) (shape " + shape_string(value.shape()) + ")");
  return masked_fill_inplace(*this, mask, value, value.requires_grad());
}

Tensor Tensor::where(const Tensor& condition, const Tensor& other) const { return xgrad::where(condition, *this, other); }
Tensor Tensor::where(const Tensor& condition, Scalar other) const { return xgrad::where(condition, *this, other); }
Tensor Tensor::masked_fill(const Tensor& mask, Scalar value) const { return xgrad::masked_fill(*this, mask, value); }
Tensor Tensor::masked_fill(const Tensor& mask, const Tensor& value) const {
  return xgrad::masked_fill(*this, mask, value);
}

// ---------------------------------------------------------------- public: logical and tests

Tensor logical_and(const Tensor& a, const Tensor& b) { return logical("logical_and", a, b, std::logical_and<bool>()); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return logical("logical_or", a, b, std::logical_or<bool>()); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return logical("logical_xor", a, b, std::not_equal_to<bool>()); }
Tensor logical_not(const Tensor& x) {
  return test_each("logical_not", x, [](auto v) { return v == decltype(v)(0); });
}
Tensor isnan(const Tensor& x) {
  return test_each("isnan", x, [](auto v) { return is_nan_value(v); });
}
Tensor isinf(const Tensor& x) {
  return test_each("isinf", x, [](auto v) { return is_inf_value(v); });
}
Tensor isfinite(const Tensor& x) {
  return test_each("isfinite", x, [](auto v) { return !is_nan_value(v) && !is_inf_value(v); });
}
Tensor Tensor::logical_and(const Tensor& other) const { return xgrad::logical_and(*this, other); }
Tensor Tensor::logical_or(const Tensor& other) const { return xgrad::logical_or(*this, other); }
Tensor Tensor::logical_xor(const Tensor& other) const { return xgrad::logical_xor(*this, other); }
Tensor Tensor::logical_not() const { return xgrad::logical_not(*this); }
Tensor Tensor::isnan() const { return xgrad::isnan(*this); }
Tensor Tensor::isinf() const { return xgrad::isinf(*this); }
Tensor Tensor::isfinite() const { return xgrad::isfinite(*this); }

// ---------------------------------------------------------------- public: closeness

// PyTorch's isclose: a == b, or both finite-close |a - b| <= atol + rtol |b|; NaNs equal only with equal_nan.
// Floating tensors compute in their dtype; integer and bool ones as PyTorch does (errors in float32).
namespace {
Tensor closeness(const char* op, const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  check_same_dtype(op, a, b);
  if (!(rtol >= 0))
    throw Error(std::string(op) + ": rtol must be greater than or equal to zero, but got " + std::to_string(rtol));
  if (!(atol >= 0))
    throw Error(std::string(op) + ": atol must be greater than or equal to zero, but got " + std::to_string(atol));
  Shape shape = broadcast_shapes(op, a.shape(), b.shape());
  Tensor out = make_tensor(shape, kBool);
  bool* po = out.impl()->data<bool>();
  const bool tolerant = rtol != 0 || atol != 0;
  XG_DISPATCH_ALL(a.dtype(), {
    const T* pa = a.impl()->data<T>();
    const T* pb = b.impl()->data<T>();
    broadcast_loop<2>(shape, {a.impl(), b.impl()}, [=](int64_t k, const std::array<int64_t, 2>& at) {
      const T x = pa[at[0]], y = pb[at[1]];
      bool close = x == y;
      if constexpr (std::is_floating_point<T>::value) {
        if (equal_nan && std::isnan(x) && std::isnan(y)) close = true;
        if (!close && tolerant) {
          const T allowed = narrowed<T>(atol) + std::abs(narrowed<T>(rtol) * y);
          const T actual = std::abs(x - y);
          close = std::isfinite(actual) && actual <= allowed;
        }
      } else {
        if (!close && tolerant) {
          const float allowed = narrowed<float>(atol) + std::abs(narrowed<float>(rtol) * static_cast<float>(y));
          const int64_t difference = static_cast<int64_t>(x) - static_cast<int64_t>(y);
          close = static_cast<float>(difference < 0 ? -difference : difference) <= allowed;
        }
      }
      po[k] = close;
    });
  });
  return out;
}
}  // namespace

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return closeness("isclose", a, b, rtol, atol, equal_nan);
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return closeness("allclose", a, b, rtol, atol, equal_nan).all().item<bool>();
}

bool equal(const Tensor& a, const Tensor& b) {
  check_defined("equal", a);
  check_defined("equal", b);
  if (a.shape() != b.shape()) return false;
  return eq(a, b).all().item<bool>();
}

Tensor Tensor::isclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  return xgrad::isclose(*this, other, rtol, atol, equal_nan);
}
bool Tensor::allclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  return xgrad::allclose(*this, other, rtol, atol, equal_nan);
}
bool Tensor::equal(const Tensor& other) const { return xgrad::equal(*this, other); }

// ---------------------------------------------------------------- public: nan_to_num

Tensor nan_to_num(const Tensor& x, std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
  check_defined("nan_to_num", x);
  if (!is_floating_point(x.dtype())) return x.clone();  // nothing to replace in integers, as in PyTorch
  Tensor out = make_tensor(x.shape(), x.dtype());
  XG_DISPATCH(x.dtype(), {
    const T replace_nan = narrowed<T>(nan.value_or(0.0));
    const T replace_posinf = posinf ? narrowed<T>(*posinf) : std::numeric_limits<T>::max();
    const T replace_neginf = neginf ? narrowed<T>(*neginf) : std::numeric_limits<T>::lowest();
    const T* px = x.impl()->data<T>();
    T* po = out.impl()->data<T>();
    broadcast_loop<1>(x.shape(), {x.impl()}, [=](int64_t k, const std::array<int64_t, 1>& at) {
      const T v = px[at[0]];
      po[k] = std::isnan(v) ? replace_nan : v == std::numeric_limits<T>::infinity() ? replace_posinf
                                          : v == -std::numeric_limits<T>::infinity() ? replace_neginf
                                                                                     : v;
    });
  });
  if (any_requires_grad({&x})) {
    // Replaced elements are constants: zero gradient there, as in PyTorch.
    Tensor keep = cast(isfinite(x), x.dtype());
    record(out, "NanToNumBackward", {&x}, [keep](const Tensor& grad, Grads& grads) { grads.set(0, masked_zero(grad, keep)); });
  }
  return out;
}

Tensor Tensor::nan_to_num(std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) const {
  return xgrad::nan_to_num(*this, nan, posinf, neginf);
}
Tensor& Tensor::nan_to_num_(std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
  check_inplace("nan_to_num_", *this);
  return assign(*this, xgrad::nan_to_num(*this, nan, posinf, neginf));
}

}  // namespace xgrad

// Element-wise ops: each op's forward and backward side by side. Backward formulas use differentiable
// ops, so create_graph yields higher-order gradients.
#include <cmath>
#include <type_traits>
#include <limits>
#include <sstream>
#include <functional>
#include <string>

#include "kernels.hpp"
#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {

void check_defined(const char* op, const Tensor& x) {
  if (!x.defined()) throw Error(std::string(op) + ": undefined tensor");
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, a);
  check_defined(op, b);
  if (a.dtype() != b.dtype())
    throw Error(std::string(op) + ": dtypes " + dtype_name(a.dtype()) + " and " +
                                dtype_name(b.dtype()) + " differ; convert one with .to()");
}

void bump_version(const Tensor& x) { x.impl()->storage->version.fetch_add(1, std::memory_order_relaxed); }

const Tensor& checked_grad(const TensorImpl& parameter, const char* op) {
  const Tensor& grad = parameter.grad;
  if (grad.impl() == &parameter) throw Error(std::string(op) + ": can't assign a tensor as its own grad");
  // Readers of gradients run flat loops over parameter and gradient alike.
  if (grad.defined() && !(parameter.is_contiguous() && grad.impl()->is_contiguous()))
    throw Error(std::string(op) + ": the parameter and its gradient must be contiguous (the " +
                                (parameter.is_contiguous() ? "gradient" : "parameter") +
                                " is a strided view); assign grad.contiguous() or optimize a contiguous copy");
  if (grad.defined() && (grad.shape() != parameter.shape || grad.dtype() != parameter.dtype))
    throw Error(std::string(op) + ": assigned grad has data of a different size or type: a parameter of shape " +
                                shape_string(parameter.shape) + " (" + dtype_name(parameter.dtype) +
                                ") has a gradient of shape " + shape_string(grad.shape()) + " (" +
                                dtype_name(grad.dtype()) + ")");
  return grad;
}
const Tensor& checked_grad(const Tensor& parameter, const char* op) {
  check_defined(op, parameter);
  return checked_grad(*parameter.impl(), op);
}

void clear_grad(Tensor& parameter, bool set_to_none) {
  Tensor& grad = parameter.mutable_grad();
  if (!grad.defined()) return;
  if (set_to_none) {
    grad = Tensor();
  } else {
    if (grad.requires_grad()) grad = grad.detach();  // drop the history a create_graph backward gave it
    NoGradGuard no_grad;
    grad.zero_();
  }
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      throw Error(std::string(op) + ": shapes " + shape_string(a) + " and " + shape_string(b) +
                                  " cannot broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

[[noreturn]] static void throw_bool_subtraction() {
  throw Error("sub: subtraction, the `-` operator, with a bool tensor is not supported; use "
                              "logical_xor() or logical_not() instead");
}

// ---------------------------------------------------------------- type promotion (torch.result_type)

namespace {
int rank_of(Dtype dtype) {  // bool < int32 < int64 < float32 < float64: promotion takes the higher
  switch (dtype) {
    case Dtype::Bool: return 0;
    case Dtype::Int32: return 1;
    case Dtype::Int64: return 2;
    case Dtype::Float32: return 3;
    case Dtype::Float64: return 4;
  }
  return 0;
}
int category_of(Dtype dtype) { return dtype == kBool ? 0 : is_floating_point(dtype) ? 2 : 1; }
Dtype promote(Dtype a, Dtype b) { return rank_of(a) >= rank_of(b) ? a : b; }
}  // namespace

Dtype result_type(const Tensor& a, const Tensor& b) {
  const Dtype da = a.dtype(), db = b.dtype();
  if (da == db) return da;
  const bool a_dims = a.dim() > 0, b_dims = b.dim() > 0;
  if (a_dims == b_dims) return promote(da, db);
  // A 0-d tensor changes the result only by raising its category (bool < integer < floating).
  const Dtype with_dims = a_dims ? da : db, zero_dim = a_dims ? db : da;
  if (is_floating_point(with_dims)) return with_dims;
  if (with_dims == kBool || is_floating_point(zero_dim)) return promote(with_dims, zero_dim);
  return with_dims;
}

void Promoted::promote(const char* op, bool floating) {
  const Tensor &a = *a_, &b = *b_;
  check_defined(op, a);
  check_defined(op, b);
  Dtype common = result_type(a, b);
  if (floating && !is_floating_point(common)) common = get_default_dtype();
  if (a.dtype() != common) a_ = &(hold_a_ = a.to(common));
  if (b.dtype() != common) b_ = &(hold_b_ = b.to(common));
}

const Tensor& scalar_operand_slow(const char* op, const Tensor& x, const Scalar& scalar, bool floating, Tensor& holder) {
  check_defined(op, x);
  const Dtype dtype = x.dtype();
  if (is_floating_point(dtype)) return x;
  Dtype target = dtype;
  if (floating || scalar.isFloatingPoint()) target = get_default_dtype();  // the default floating dtype
  else if (dtype == kBool && scalar.isIntegral(false)) target = kInt64;
  return target == dtype ? x : (holder = x.to(target));
}

namespace {

// Kernels run on contiguous data: a strided input is copied first (dense), the output is always fresh.
// Operands already share a dtype (see Promoted).
template <class Op>
Tensor binary_forward(const char* op, const Tensor& a_in, const Tensor& b_in, Op scalar_op) {
  if (a_in.impl()->dtype != b_in.impl()->dtype) check_same_dtype(op, a_in, b_in);  // a kernel reads one type
  Tensor hold_a, hold_b;
  const Tensor& a = dense(a_in, hold_a);
  const Tensor& b = dense(b_in, hold_b);
  Tensor out = make_tensor(broadcast_shapes(op, a.shape(), b.shape()), a.dtype());
  XG_DISPATCH_ALL(a.dtype(), binary_kernel<T>(*a.impl(), *b.impl(), *out.impl(), scalar_op));
  return out;
}

template <class Op>
Tensor unary_forward(const char* op, const Tensor& x_in, Op scalar_op) {
  check_defined(op, x_in);
  Tensor hold;
  const Tensor& x = dense(x_in, hold);
  Tensor out = make_tensor(x.shape(), x.dtype());
  XG_DISPATCH_ALL(x.dtype(), unary_kernel<T>(*x.impl(), *out.impl(), scalar_op));
  return out;
}

// Transcendental functions: integer and bool inputs compute in float32, as in PyTorch.
template <class Scalar, class Vector>
Tensor math_forward(const char* op, const Tensor& x_in, Scalar scalar_op, Vector vector_op) {
  check_defined(op, x_in);
  Tensor hold, as_float;
  const Tensor& x = dense(is_floating_point(x_in.dtype()) ? x_in : (as_float = x_in.to(get_default_dtype())), hold);
  Tensor out = make_tensor(x.shape(), x.dtype());
  XG_DISPATCH(x.dtype(), math_kernel<T>(*x.impl(), *out.impl(), scalar_op, vector_op));
  return out;
}

struct Plus { template <class T> T operator()(T x, T y) const { return x + y; } };
struct Minus { template <class T> T operator()(T x, T y) const { return x - y; } };
struct Times {
  template <class T> T operator()(T x, T y) const {
    if constexpr (std::is_same<T, bool>::value) return x && y;  // bool * bool is logical and, as torch's
    else return x * y;
  }
};
struct Divide { template <class T> T operator()(T x, T y) const { return x / y; } };

}  // namespace

// ---------------------------------------------------------------- binary

Tensor add(const Tensor& a_in, const Tensor& b_in) {
  Promoted promoted("add", a_in, b_in);
  const Tensor& a = promoted.a();
  const Tensor& b = promoted.b();
  Tensor out = binary_forward("add", a, b, Plus{});
  record(out, "AddBackward", {&a, &b}, [](const Tensor& grad, Grads& grads) {
    grads.set(0, grad);
    grads.set(1, grad);
  });
  return out;
}

Tensor sub(const Tensor& a_in, const Tensor& b_in) {
  Promoted promoted("sub", a_in, b_in);
  const Tensor& a = promoted.a();
  const Tensor& b = promoted.b();
  if (a.impl()->dtype == kBool || a_in.impl()->dtype == kBool || b_in.impl()->dtype == kBool) throw_bool_subtraction();
  Tensor out = binary_forward("sub", a, b, Minus{});
  record(out, "SubBackward", {&a, &b}, [](const Tensor& grad, Grads& grads) {
    grads.set(0, grad);
    if (grads.needs(1)) grads.set(1, neg(grad));
  });
  return out;
}

Tensor mul(const Tensor& a_in, const Tensor& b_in) {
  Promoted promoted("mul", a_in, b_in);
  const Tensor& a = promoted.a();
  const Tensor& b = promoted.b();
  Tensor out = binary_forward("mul", a, b, Times{});
  if (any_requires_grad({&a, &b})) {
    SavedTensor saved_a(a, false), saved_b(b, false);
    record(out, "MulBackward", {&a, &b}, [saved_a, saved_b](const Tensor& grad, Grads& grads) {
      if (grads.needs(0)) grads.set(0, mul(grad, saved_b.unpack(grads.node)));
      if (grads.needs(1)) grads.set(1, mul(grad, saved_a.unpack(grads.node)));
    });
  }
  return out;
}

Tensor div(const Tensor& a_in, const Tensor& b_in) {
  Promoted promoted("div", a_in, b_in, true);
  const Tensor& a = promoted.a();
  const Tensor& b = promoted.b();
  Tensor out = binary_forward("div", a, b, Divide{});
  if (any_requires_grad({&a, &b})) {
    SavedTensor saved_a(a, false), saved_b(b, false);
    record(out, "DivBackward", {&a, &b}, [saved_a, saved_b](const Tensor& grad, Grads& grads) {
      Tensor divisor = saved_b.unpack(grads.node);
      if (grads.needs(0)) grads.set(0, div(grad, divisor));
      if (grads.needs(1)) grads.set(1, neg(div(mul(grad, saved_a.unpack(grads.node)), mul(divisor, divisor))));
    });
  }
  return out;
}

Tensor pow(const Tensor& base_in, const Tensor& exponent_in) {
  Promoted promoted("pow", base_in, exponent_in);
  const Tensor& base = promoted.a();
  const Tensor& exponent = promoted.b();
  Tensor out = binary_forward("pow", base, exponent, [](auto x, auto y) { return std::pow(x, y); });
  if (any_requires_grad({&base, &exponent})) {
    SavedTensor saved_base(base, false), saved_exponent(exponent, false), saved_out(out, true);
    record(out, "PowBackward", {&base, &exponent},
           [saved_base, saved_exponent, saved_out](const Tensor& grad, Grads& grads) {
             Tensor x = saved_base.unpack(grads.node);
             Tensor y = saved_exponent.unpack(grads.node);
             if (grads.needs(0)) {
               // d/dx x^y = y x^(y-1); PyTorch defines it as 0 where y == 0 (even at x == 0).
               Tensor local = mul(y, pow(x, add(y, -1.0)));
               Tensor keep = rsub(mask_equal(y, zeros_like(y)), 1.0);
               grads.set(0, mul(grad, masked_zero(local, keep)));
             }
             if (grads.needs(1)) {
               // d/dy x^y = x^y log x; 0 where x == 0 and y >= 0, as in PyTorch.
               Tensor local = mul(saved_out.unpack(grads.node), log(x));
               Tensor at_zero = mask_equal(x, zeros_like(x));
               Tensor keep = rsub(mul(at_zero, mask_in_range(y, 0.0, INFINITY)), 1.0);
               grads.set(1, mul(grad, masked_zero(local, keep)));
             }
           });
  }
  return out;
}

// ---------------------------------------------------------------- with a number (Scalar)

Tensor add(const Tensor& a_in, Scalar b) {
  Tensor hold;
  const Tensor& a = scalar_operand("add", a_in, b, false, hold);
  const ScalarValue value(b);
  Tensor out = unary_forward("add", a, [value](auto x) { return x + value.as<decltype(x)>(); });
  record(out, "AddBackward", {&a}, [](const Tensor& grad, Grads& grads) { grads.set(0, grad); });
  return out;
}

Tensor mul(const Tensor& a_in, Scalar b) {
  Tensor hold;
  const Tensor& a = scalar_operand("mul", a_in, b, false, hold);
  const ScalarValue value(b);
  Tensor out = unary_forward("mul", a, [value](auto x) { return x * value.as<decltype(x)>(); });
  record(out, "MulBackward", {&a}, [b](const Tensor& grad, Grads& grads) { grads.set(0, mul(grad, b)); });
  return out;
}

Tensor div(const Tensor& a_in, Scalar b) {
  Tensor hold;
  const Tensor& a = scalar_operand("div", a_in, b, true, hold);
  const ScalarValue value(b);
  Tensor out = unary_forward("div", a, [value](auto x) { return x / value.as<decltype(x)>(); });
  record(out, "DivBackward", {&a}, [b](const Tensor& grad, Grads& grads) { grads.set(0, div(grad, b)); });
  return out;
}

// -b keeps b's kind (a bool b counts as the integer 1 or 0).
static Scalar negated(const Scalar& b) {
  return b.isFloatingPoint() ? Scalar(-b.toDouble()) : Scalar(-b.toLong());
}

Tensor sub(const Tensor& a, Scalar b) {
  check_defined("sub", a);
  if (a.dtype() == kBool || b.isBoolean()) throw_bool_subtraction();
  return add(a, negated(b));
}

Tensor rsub(const Tensor& a_in, Scalar b) {
  check_defined("rsub", a_in);
  if (a_in.dtype() == kBool || b.isBoolean()) throw_bool_subtraction();
  Tensor hold;
  const Tensor& a = scalar_operand("rsub", a_in, b, false, hold);
  const ScalarValue value(b);
  Tensor out = unary_forward("rsub", a, [value](auto x) { return value.as<decltype(x)>() - x; });
  record(out, "RsubBackward", {&a}, [](const Tensor& grad, Grads& grads) { grads.set(0, neg(grad)); });
  return out;
}

Tensor rdiv(const Tensor& a_in, Scalar b) {
  Tensor hold;
  const Tensor& a = scalar_operand("rdiv", a_in, b, true, hold);
  const ScalarValue value(b);
  Tensor out = unary_forward("rdiv", a, [value](auto x) { return value.as<decltype(x)>() / x; });
  if (any_requires_grad({&a})) {
    SavedTensor saved_a(a, false);
    record(out, "RdivBackward", {&a}, [saved_a, b](const Tensor& grad, Grads& grads) {
      Tensor x = saved_a.unpack(grads.node);
      grads.set(0, mul(div(grad, mul(x, x)), negated(b)));
    });
  }
  return out;
}

Tensor neg(const Tensor& a) {
  if (a.defined() && a.dtype() == kBool)
    throw Error("neg: negation, the `-` operator, on a bool tensor is not supported; use logical_not()");
  Tensor out = unary_forward("neg", a, [](auto x) { return -x; });
  record(out, "NegBackward", {&a}, [](const Tensor& grad, Grads& grads) { grads.set(0, neg(grad)); });
  return out;
}

// x^n for an integer n >= 0 by squaring: exact in integer dtypes, as PyTorch's integer pow.
template <class T>
T integer_power(T x, int64_t n) {
  T result = 1;
  for (; n > 0; n >>= 1, x = static_cast<T>(x * x))
    if (n & 1) result = static_cast<T>(result * x);
  return result;
}

Tensor pow(const Tensor& base_in, Scalar exponent_in) {
  Tensor hold;
  const Tensor& base = scalar_operand("pow", base_in, exponent_in, false, hold);
  if (base.defined() && !is_floating_point(base.dtype()) && exponent_in.toLong() < 0)
    throw Error("pow: integers to negative integer powers are not allowed (" +
                                std::string(dtype_name(base.dtype())) + " tensor, exponent " +
                                std::to_string(exponent_in.toLong()) + ")");
  const double exponent = exponent_in.toDouble();
  const int64_t integral = exponent_in.isFloatingPoint() ? 0 : exponent_in.toLong();
  Tensor out;
  if (exponent == 2.0)
    out = unary_forward("pow", base, [](auto x) { return x * x; });
  else
    out = unary_forward("pow", base, [exponent, integral](auto x) {
      using T = decltype(x);
      if constexpr (std::is_floating_point<T>::value) return std::pow(x, static_cast<T>(exponent));
      else return integer_power<T>(x, integral);
    });
  if (any_requires_grad({&base})) {
    SavedTensor saved_base(base, false);
    record(out, "PowBackward", {&base}, [saved_base, exponent](const Tensor& grad, Grads& grads) {
      if (exponent == 0.0) return grads.set(0, zeros_like(grad));
      Tensor x = saved_base.unpack(grads.node);
      Tensor local = exponent == 2.0 ? mul(x, 2.0) : mul(pow(x, exponent - 1.0), exponent);
      grads.set(0, mul(grad, local));
    });
  }
  return out;
}

// ---------------------------------------------------------------- unary math

Tensor exp(const Tensor& x) {
  Tensor out = math_forward(
      "exp", x, [](auto v) { return std::exp(v); }, [](const auto& e) { return xt::exp(e); });
  if (any_requires_grad({&x})) {
    SavedTensor saved_out(out, true);
    record(out, "ExpBackward", {&x},
           [saved_out](const Tensor& grad, Grads& grads) { grads.set(0, mul(grad, saved_out.unpack(grads.node))); });
  }
  return out;
}

Tensor log(const Tensor& x) {
  Tensor out = math_forward(
      "log", x, [](auto v) { return std::log(v); }, [](const auto& e) { return xt::log(e); });
  if (any_requires_grad({&x})) {
    SavedTensor saved_x(x, false);
    record(out, "LogBackward", {&x},
           [saved_x](const Tensor& grad, Grads& grads) { grads.set(0, div(grad, saved_x.unpack(grads.node))); });
  }
  return out;
}

Tensor sqrt(const Tensor& x) {
  Tensor out = math_forward(
      "sqrt", x, [](auto v) { return std::sqrt(v); }, [](const auto& e) { return xt::sqrt(e); });
  if (any_requires_grad({&x})) {
    SavedTensor saved_out(out, true);
    record(out, "SqrtBackward", {&x}, [saved_out](const Tensor& grad, Grads& grads) {
      grads.set(0, div(grad, mul(saved_out.unpack(grads.node), 2.0)));
    });
  }
  return out;
}

Tensor abs(const Tensor& x) {
  Tensor out = unary_forward("abs", x, [](auto v) { return std::abs(v); });
  if (any_requires_grad({&x})) {
    SavedTensor saved_x(x, false);
    record(out, "AbsBackward", {&x},
           [saved_x](const Tensor& grad, Grads& grads) { grads.set(0, mul(grad, sign(saved_x.unpack(grads.node)))); });
  }
  return out;
}

Tensor tanh(const Tensor& x) {
  Tensor out = math_forward(
      "tanh", x, [](auto v) { return std::tanh(v); }, [](const auto& e) { return xt::tanh(e); });
  if (any_requires_grad({&x})) {
    SavedTensor saved_out(out, true);
    record(out, "TanhBackward", {&x}, [saved_out](const Tensor& grad, Grads& grads) {
      Tensor y = saved_out.unpack(grads.node);
      grads.set(0, mul(grad, rsub(mul(y, y), 1.0)));
    });
  }
  return out;
}

Tensor sigmoid(const Tensor& x) {
  Tensor out = math_forward(
      "sigmoid", x, [](auto v) { return decltype(v)(1) / (decltype(v)(1) + std::exp(-v)); },
      [](const auto& e) { return 1 / (1 + xt::exp(-e)); });
  if (any_requires_grad({&x})) {
    SavedTensor saved_out(out, true);
    record(out, "SigmoidBackward", {&x}, [saved_out](const Tensor& grad, Grads& grads) {
      Tensor y = saved_out.unpack(grads.node);
      grads.set(0, mul(grad, mul(y, rsub(y, 1.0))));
    });
  }
  return out;
}

Tensor relu(const Tensor& x) {
  Tensor out = unary_forward("relu", x, [](auto v) { return v > 0 ? v : decltype(v)(0); });
  if (any_requires_grad({&x})) {
    SavedTensor saved_out(out, true);
    record(out, "ReluBackward", {&x}, [saved_out](const Tensor& grad, Grads& grads) {
      grads.set(0, masked_zero(grad, mask_positive(saved_out.unpack(grads.node))));
    });
  }
  return out;
}

Tensor erf(const Tensor& x) {
  Tensor out = math_forward(
      "erf", x, [](auto v) { return std::erf(v); }, [](const auto& e) { return xt::erf(e); });
  if (any_requires_grad({&x})) {
    SavedTensor saved_x(x, false);
    record(out, "ErfBackward", {&x}, [saved_x](const Tensor& grad, Grads& grads) {
      // d/dx erf(x) = 2 / sqrt(pi) * exp(-x^2)
      Tensor v = saved_x.unpack(grads.node);
      grads.set(0, mul(grad, mul(exp(neg(mul(v, v))), 1.1283791670955126)));
    });
  }
  return out;
}

Tensor clamp(const Tensor& x_in, Scalar min_in, Scalar max_in) {
  // An integer tensor clamped to a floating bound computes in float32, as torch.result_type says.
  Tensor hold;
  const Tensor& x = scalar_operand("clamp", x_in, max_in.isFloatingPoint() ? max_in : min_in, false, hold);
  const double min = min_in.toDouble(), max = max_in.toDouble();
  const ScalarValue low(min_in), high(max_in);
  // min(max(v, min), max) as PyTorch: with min > max every element becomes max; NaN stays NaN.
  Tensor out = unary_forward("clamp", x, [low, high](auto v) {
    using T = decltype(v);
    const T raised = v < low.as<T>() ? low.as<T>() : v;
    return raised > high.as<T>() ? high.as<T>() : raised;
  });
  if (any_requires_grad({&x})) {
    SavedTensor saved_x(x, false);
    record(out, "ClampBackward", {&x}, [saved_x, min, max](const Tensor& grad, Grads& grads) {
      grads.set(0, masked_zero(grad, mask_in_range(saved_x.unpack(grads.node), min, max)));
    });
  }
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = unary_forward("clone", *this, [](auto v) { return v; });
  record(out, "CloneBackward", {this}, [](const Tensor& grad, Grads& grads) { grads.set(0, grad); });
  return out;
}

namespace {
// A value in another element type: floats truncate toward zero, and NaN or values out of an integer type's
// range become its lowest value (what x86 gives, and not undefined behaviour); bool is "nonzero".
template <class To, class From>
To cast_value(From value) {
  if constexpr (std::is_same<To, bool>::value) {
    return value != From(0);
  } else if constexpr (std::is_integral<To>::value && std::is_floating_point<From>::value) {
    const From low = static_cast<From>(std::numeric_limits<To>::min());
    return value >= low && value < -low ? static_cast<To>(value) : std::numeric_limits<To>::min();
  } else {
    return static_cast<To>(value);
  }
}
}  // namespace

Tensor Tensor::to(Dtype target) const {
  check_defined("to", *this);
  if (target == dtype()) return *this;
  Tensor out = make_tensor(shape(), target);
  Tensor hold;
  const TensorImpl& source = *dense(*this, hold).impl();
  XG_DISPATCH_ALL(target, {
    using To = T;
    To* destination = out.impl()->data<To>();
    XG_DISPATCH_ALL(source.dtype, {
      const T* from = source.data<T>();
      for (int64_t i = 0; i < source.numel; ++i) destination[i] = cast_value<To>(from[i]);
    });
  });
  // Only floating results carry gradients (a cast to an integer type is not differentiable).
  if (xgrad::is_floating_point(target)) {
    Dtype original = dtype();
    record(out, "ToCopyBackward", {this}, [original](const Tensor& grad, Grads& grads) { grads.set(0, grad.to(original)); });
  }
  return out;
}

// ---------------------------------------------------------------- masks (constants)

Tensor masked_zero(const Tensor& x, const Tensor& keep) {
  Tensor out = binary_forward("masked_zero", x, keep, [](auto v, auto k) { return k != 0 ? v : decltype(v)(0); });
  if (any_requires_grad({&x})) {
    Tensor mask = keep.detach();
    record(out, "MaskedFillBackward", {&x}, [mask](const Tensor& grad, Grads& grads) { grads.set(0, masked_zero(grad, mask)); });
  }
  return out;
}

Tensor mask_positive(const Tensor& x) {
  return unary_forward("mask", x, [](auto v) { return v > 0 ? decltype(v)(1) : decltype(v)(0); });
}
Tensor mask_in_range(const Tensor& x, double low, double high) {
  return unary_forward("mask", x, [low, high](auto v) { return v >= low && v <= high ? decltype(v)(1) : decltype(v)(0); });
}
Tensor mask_equal(const Tensor& x, const Tensor& value) {
  return binary_forward("mask", x, value, [](auto v, auto w) { return v == w ? decltype(v)(1) : decltype(v)(0); });
}
Tensor mask_nan(const Tensor& x) {
  return unary_forward("mask", x, [](auto v) { return std::isnan(v) ? decltype(v)(1) : decltype(v)(0); });
}

// ---------------------------------------------------------------- in place

void add_inplace_raw(Tensor& target, const Tensor& value_in) {
  const TensorImpl* t = target.impl();
  const TensorImpl* v = value_in.impl();
  if (t && v && t->dtype == v->dtype && t->is_contiguous() && v->is_contiguous() && t->shape == v->shape) {
    // Gradient accumulation nearly always lands here: same shape, dtype and layout.
    XG_DISPATCH(t->dtype, binary_kernel<T>(*t, *v, *target.impl(), Plus{}));
    bump_version(target);
    return;
  }
  check_same_dtype("add_", target, value_in);
  // Guards the kernel, which writes target.numel() elements and reads value as broadcast to target.
  if (value_in.shape() != target.shape() && broadcast_shapes("add_", target.shape(), value_in.shape()) != target.shape())
    throw Error("add_: shape " + shape_string(value_in.shape()) +
                                " cannot be broadcast into the in-place target of shape " + shape_string(target.shape()));
  if (!target.impl()->is_contiguous()) throw std::logic_error("add_: internal target must be contiguous");
  Tensor hold;
  const Tensor& value = dense(value_in, hold);
  XG_DISPATCH(target.dtype(), binary_kernel<T>(*target.impl(), *value.impl(), *target.impl(), Plus{}));
  bump_version(target);
}

// ---------------------------------------------------------------- in-place machinery
//
// Unrecorded (grad mode off, or nothing requires grad): contiguous targets run the kernel in place; strided
// ones get the result computed out of place and written through their strides. Recorded: the result is
// computed out of place from the old value (a differentiable function of it), written into the target's
// elements, and the target takes the result's history; for a view, its base takes a CopySlices history
// instead (ops_view.cpp).

void check_inplace_allowed(const char* op, const Tensor& self) {
  check_defined(op, self);
  if (!GradMode::is_enabled()) return;
  if (self.requires_grad() && self.is_leaf())
    throw std::logic_error(std::string(op) +
                           ": a leaf tensor that requires grad is being used in an in-place operation; "
                           "update parameters under NoGradGuard");
  const TensorImpl& impl = *self.impl();
  const TensorImpl* base = impl.view_base();
  if (base && base->requires_grad && !base->grad_fn)
    throw std::logic_error(std::string(op) +
                           ": a view of a leaf tensor that requires grad is being used in an in-place operation; "
                           "edit it under NoGradGuard");
}

namespace {
// PyTorch refuses writes through an expanded view: several positions would name one element.
void check_writable(const char* op, const TensorImpl& impl) {
  const Shape& strides = impl.explicit_strides();
  for (size_t d = 0; d < strides.size(); ++d)
    if (strides[d] == 0 && impl.shape[d] > 1)
      throw Error(std::string(op) +
                                  ": unsupported operation: more than one element of the written-to tensor refers to "
                                  "a single memory location; clone() the tensor first");
}

// `target` takes `result`'s history (keeping a retain_grad() request pointed at itself).
void adopt_history(TensorImpl& target, const Tensor& result) {
  Node* previous = target.grad_fn.get();
  target.grad_fn = result.impl()->grad_fn;
  target.requires_grad = result.requires_grad();
  target.history += 1;  // views of this tensor rebuild their history from the new one
  if (target.retains_grad) {
    if (previous && previous->retained_output == &target) previous->retained_output = nullptr;
    if (target.grad_fn) target.grad_fn->retained_output = &target;
  }
}

}  // namespace

Tensor& apply_inplace(const char* op, Tensor& self, bool record, const std::function<Tensor(const Tensor&)>& compute) {
  TensorImpl& body = *self.impl();
  check_writable(op, body);
  if (!record) {
    write_into(body, compute(self));
    bump_version(self);
    return self;
  }
  if (body.view_base()) return inplace_on_view(op, self, compute);
  if (body.is_contiguous() && body.storage->views.load(std::memory_order_relaxed) == 1) {
    // Nothing else shows this storage: compute from an alias that keeps the old values for the graph and
    // move the result's storage into self (no copy).
    Tensor previous = make_alias(self, self.shape());
    previous.impl()->grad_fn = body.grad_fn;
    previous.impl()->requires_grad = body.requires_grad;
    Tensor result = compute(previous);
    previous = Tensor();
    body.set_storage(result.impl()->storage);
    body.offset = result.impl()->offset;
    adopt_history(body, result);
    return self;
  }
  // Other tensors show this storage (views, detach()): they must see the write. The graph gets the old
  // values from a copy; saved tensors that share the storage see the version change, as in PyTorch.
  Tensor result = compute(self.clone());
  write_into(body, result);
  bump_version(self);
  adopt_history(body, result);
  return self;
}

namespace {
template <class OutOfPlace, class Op>
Tensor& inplace_binary(const char* op, Tensor& self, const Tensor& other_in, OutOfPlace out_of_place, Op scalar_op) {
  check_inplace_allowed(op, self);
  check_defined(op, other_in);
  Tensor converted;
  const Dtype own = self.impl()->dtype;
  if (other_in.impl()->dtype != own || (std::is_same<Op, Divide>::value && !is_floating_point(own))) {
    // The result must fit self's dtype: an integer tensor cannot take a floating result, as in PyTorch.
    Dtype common = result_type(self, other_in);
    if (std::is_same<Op, Divide>::value && !is_floating_point(common)) common = get_default_dtype();
    if (category_of(common) > category_of(own))
      throw Error(std::string(op) + ": result type " + dtype_name(common) +
                                  " can't be cast to the desired output type " + dtype_name(own));
    converted = other_in.to(own);
  }
  const Tensor& other = converted.defined() ? converted : other_in;
  Shape shape = broadcast_shapes(op, self.shape(), other.shape());
  if (shape != self.shape())
    throw Error(std::string(op) + ": shape " + shape_string(other.shape()) +
                                " cannot be broadcast into the in-place target of shape " + shape_string(self.shape()));
  const bool record = GradMode::is_enabled() && (self.requires_grad() || other.requires_grad());
  if (!record && self.impl()->is_contiguous()) {
    Tensor hold;
    const Tensor& operand = dense(other, hold);  // may share self's storage: the kernel reads before it writes
    XG_DISPATCH_ALL(self.dtype(), binary_kernel<T>(*self.impl(), *operand.impl(), *self.impl(), scalar_op));
    bump_version(self);
    return self;
  }
  const TensorImpl* self_body = self.impl();
  // `y *= y`: the op must read the old value, never self's body, or self's new history would own self.
  return apply_inplace(op, self, record, [&](const Tensor& previous) {
    return out_of_place(previous, other.impl() == self_body ? previous : other);
  });
}

// A scalar operand for an in-place op: kept integral when it is, so `labels += 1` stays an integer op.
Tensor scalar_like(const Tensor& self, const Scalar& value) {
  const Dtype own = self.dtype();
  if (is_floating_point(own)) return full({}, value, dtype(own));
  return full({}, value, dtype(value.isFloatingPoint() ? get_default_dtype() : value.isBoolean() ? kBool : kInt64));
}
}  // namespace

void write_into(TensorImpl& target, const Tensor& values_in) {
  Tensor hold;
  const Tensor& values = dense(values_in, hold);
  XG_DISPATCH_ALL(target.dtype, {
    const T* in = values.impl()->data<T>();
    T* out = target.data<T>();
    if (target.is_contiguous()) {
      std::copy(in, in + target.numel, out);
    } else {
      for_each_element(target.shape, contiguous_strides(target.shape), target.layout->strides,
                       [in, out](int64_t a, int64_t b) { out[b] = in[a]; });
    }
  });
}

Tensor& Tensor::operator+=(const Tensor& other) {
  return inplace_binary("add_", *this, other, [](const Tensor& a, const Tensor& b) { return add(a, b); }, Plus{});
}
Tensor& Tensor::operator-=(const Tensor& other) {
  return inplace_binary("sub_", *this, other, [](const Tensor& a, const Tensor& b) { return sub(a, b); }, Minus{});
}
Tensor& Tensor::operator*=(const Tensor& other) {
  return inplace_binary("mul_", *this, other, [](const Tensor& a, const Tensor& b) { return mul(a, b); }, Times{});
}
Tensor& Tensor::operator/=(const Tensor& other) {
  return inplace_binary("div_", *this, other, [](const Tensor& a, const Tensor& b) { return div(a, b); }, Divide{});
}
Tensor& Tensor::operator+=(Scalar value) { return *this += scalar_like(*this, value); }
Tensor& Tensor::operator-=(Scalar value) { return *this -= scalar_like(*this, value); }
Tensor& Tensor::operator*=(Scalar value) { return *this *= scalar_like(*this, value); }
Tensor& Tensor::operator/=(Scalar value) { return *this /= scalar_like(*this, value); }
Tensor& Tensor::add_(const Tensor& other) { return *this += other; }
Tensor& Tensor::sub_(const Tensor& other) { return *this -= other; }
Tensor& Tensor::mul_(const Tensor& other) { return *this *= other; }
Tensor& Tensor::div_(const Tensor& other) { return *this /= other; }
Tensor& Tensor::add_(Scalar value) { return *this += value; }
Tensor& Tensor::sub_(Scalar value) { return *this -= value; }
Tensor& Tensor::mul_(Scalar value) { return *this *= value; }
Tensor& Tensor::div_(Scalar value) { return *this /= value; }

Tensor& Tensor::neg_() {
  check_inplace_allowed("neg_", *this);
  return apply_inplace("neg_", *this, GradMode::is_enabled() && requires_grad(),
                       [](const Tensor& previous) { return neg(previous); });
}

Tensor& Tensor::clamp_(Scalar min, Scalar max) {
  check_inplace_allowed("clamp_", *this);
  return apply_inplace("clamp_", *this, GradMode::is_enabled() && requires_grad(),
                       [min, max](const Tensor& previous) { return xgrad::clamp(previous, min, max); });
}

// PyTorch refuses a fill value the dtype cannot hold ("value cannot be converted to type float without
// overflow"); infinities and NaN are values of every floating dtype.
void check_fill_value(const char* op, const Scalar& scalar, Dtype dtype) {
  const double value = scalar.toDouble();
  bool fits = true;
  if (dtype == kFloat32) {
    fits = !std::isfinite(value) || std::abs(value) <= std::numeric_limits<float>::max();
  } else if (dtype == kInt64 || dtype == kInt32) {
    const double low = dtype == kInt64 ? -9223372036854775808.0 : -2147483648.0;  // -2^63, -2^31: exact
    fits = scalar.isFloatingPoint() ? value >= low && value < -low
                                    : dtype == kInt64 || (scalar.toLong() >= INT32_MIN && scalar.toLong() <= INT32_MAX);
  }
  if (!fits) {
    std::ostringstream text;
    text << op << ": value " << scalar << " cannot be converted to type " << dtype_name(dtype) << " without overflow";
    throw Error(text.str());
  }
}

Tensor& Tensor::fill_(Scalar value) {
  check_inplace_allowed("fill_", *this);
  check_fill_value("fill_", value, dtype());
  const bool record = GradMode::is_enabled() && requires_grad();
  if (!record && impl()->is_contiguous()) {
    XG_DISPATCH_ALL(dtype(), std::fill_n(impl()->data<T>(), numel(), value.to<T>()));
    bump_version(*this);
    return *this;
  }
  // The new value depends on nothing: with history, the old value gets a zero gradient.
  return apply_inplace("fill_", *this, record,
                       [value](const Tensor& previous) { return full(previous.shape(), value, xgrad::dtype(previous.dtype())); });
}

Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::copy_(const Tensor& source) {
  check_inplace_allowed("copy_", *this);
  check_defined("copy_", source);
  Shape shape = broadcast_shapes("copy_", this->shape(), source.shape());
  if (shape != this->shape())
    throw Error("copy_: source of shape " + shape_string(source.shape()) +
                                " cannot be broadcast into a tensor of shape " + shape_string(this->shape()));
  const bool record = GradMode::is_enabled() && (requires_grad() || source.requires_grad());
  if (!record && impl()->is_contiguous()) {
    Tensor converted = source.to(dtype());
    Tensor hold;
    const Tensor& values = dense(converted, hold);
    XG_DISPATCH_ALL(dtype(), binary_kernel<T>(*impl(), *values.impl(), *impl(), [](T, T y) { return y; }));
    bump_version(*this);
    return *this;
  }
  // Gradient flows to the source only (the old value is overwritten).
  return apply_inplace("copy_", *this, record, [&source](const Tensor& previous) {
    Tensor converted = source.to(previous.dtype());  // may be source itself: the result must be new
    return converted.shape() == previous.shape() ? converted.clone() : expand_copy(converted, previous.shape());
  });
}

Tensor Tensor::operator-() const { return neg(*this); }
Tensor Tensor::pow(Scalar exponent) const { return xgrad::pow(*this, exponent); }
Tensor Tensor::pow(const Tensor& exponent) const { return xgrad::pow(*this, exponent); }
Tensor Tensor::exp() const { return xgrad::exp(*this); }
Tensor Tensor::log() const { return xgrad::log(*this); }
Tensor Tensor::sqrt() const { return xgrad::sqrt(*this); }
Tensor Tensor::abs() const { return xgrad::abs(*this); }
Tensor Tensor::tanh() const { return xgrad::tanh(*this); }
Tensor Tensor::sigmoid() const { return xgrad::sigmoid(*this); }
Tensor Tensor::relu() const { return xgrad::relu(*this); }
Tensor Tensor::erf() const { return xgrad::erf(*this); }
Tensor Tensor::clamp(Scalar min, Scalar max) const { return xgrad::clamp(*this, min, max); }

}  // namespace xgrad

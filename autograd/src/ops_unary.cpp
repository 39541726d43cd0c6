// More element-wise ops, PyTorch's semantics: the unary maths (sin .. reciprocal), activations (silu, mish,
// softplus, elu, selu, hardtanh), maximum/minimum, clamp_min/clamp_max, lerp, addcmul/addcdiv and
// remainder/fmod, with their in-place forms. Forward and backward side by side; backward formulas use
// differentiable ops (create_graph works) and the engine undoes broadcasting.
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include "kernels.hpp"
#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {

namespace {

// ---------------------------------------------------------------- helpers

[[noreturn]] void floating_only(const char* op, Dtype dtype) {
  throw Error(std::string(op) + ": not implemented for " + dtype_name(dtype) +
                              " tensors (it needs float32 or float64)");
}
void require_floating(const char* op, const Tensor& x) {
  check_defined(op, x);
  if (!is_floating_point(x.dtype())) floating_only(op, x.dtype());
}
void refuse_bool(const char* op, const Tensor& x) {
  check_defined(op, x);
  if (x.dtype() == kBool) throw Error(std::string(op) + ": not implemented for bool tensors");
}

// out[i] = f(x[i]) in x's dtype. `f` must compile for every dtype; strided inputs are read through a dense copy.
template <class F>
Tensor map_any(const char* op, const Tensor& x_in, F f) {
  check_defined(op, x_in);
  Tensor hold;
  const Tensor& x = dense(x_in, hold);
  Tensor out = make_tensor(x.shape(), x.dtype());
  XG_DISPATCH_ALL(x.dtype(), unary_kernel<T>(*x.impl(), *out.impl(), f));
  return out;
}

// The same for floating tensors only.
template <class F>
Tensor map_floating(const char* op, const Tensor& x_in, F f) {
  require_floating(op, x_in);
  Tensor hold;
  const Tensor& x = dense(x_in, hold);
  Tensor out = make_tensor(x.shape(), x.dtype());
  XG_DISPATCH(x.dtype(), unary_kernel<T>(*x.impl(), *out.impl(), f));
  return out;
}

// Transcendental maps: integer and bool inputs compute in float32 (PyTorch's "int to float" ops); tensors of
// 32 elements or more take xtensor's SIMD kernels (`vector`).
template <class Scalar, class Vector>
Tensor map_math(const char* op, const Tensor& x_in, Scalar scalar, Vector vector) {
  check_defined(op, x_in);
  Tensor hold, as_float;
  const Tensor& x = dense(is_floating_point(x_in.dtype()) ? x_in : (as_float = x_in.to(get_default_dtype())), hold);
  Tensor out = make_tensor(x.shape(), x.dtype());
  XG_DISPATCH(x.dtype(), math_kernel<T>(*x.impl(), *out.impl(), scalar, vector));
  return out;
}

// 1 where pred(x) holds, else 0, in x's (floating) dtype; never requires grad. For masks in backward.
template <class Pred>
Tensor indicator(const Tensor& x, Pred pred) {
  return map_floating("mask", x, [pred](auto v) { return pred(v) ? decltype(v)(1) : decltype(v)(0); });
}

// out = f(a, b) broadcast, both operands already in one dtype; f must compile for every dtype.
template <class F>
Tensor binary_map(const char* op, const Tensor& a_in, const Tensor& b_in, F f) {
  if (a_in.dtype() != b_in.dtype()) check_same_dtype(op, a_in, b_in);
  Tensor hold_a, hold_b;
  const Tensor& a = dense(a_in, hold_a);
  const Tensor& b = dense(b_in, hold_b);
  Tensor out = make_tensor(broadcast_shapes(op, a.shape(), b.shape()), a.dtype());
  XG_DISPATCH_ALL(a.dtype(), binary_kernel<T>(*a.impl(), *b.impl(), *out.impl(), f));
  return out;
}

// `x` broadcast to `shape` as contiguous data (itself when it already is), without history.
Tensor expanded(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape && x.impl()->is_contiguous()) return x;
  return broadcast_to(x.detach(), shape).contiguous();
}

// out = f(a, b, c) broadcast, the three operands of element type T.
template <class T, class F>
Tensor ternary_map(const char* op, const Tensor& a_in, const Tensor& b_in, const Tensor& c_in, F f) {
  const Shape shape = broadcast_shapes(op, broadcast_shapes(op, a_in.shape(), b_in.shape()), c_in.shape());
  const Tensor a = expanded(a_in, shape), b = expanded(b_in, shape), c = expanded(c_in, shape);
  Tensor out = make_tensor(shape, a.dtype());
  const T* pa = a.impl()->data<T>();
  const T* pb = b.impl()->data<T>();
  const T* pc = c.impl()->data<T>();
  T* po = out.impl()->data<T>();
  for (int64_t i = 0, n = out.numel(); i < n; ++i) po[i] = f(pa[i], pb[i], pc[i]);
  return out;
}

// Records grad -> local(grad, saved) as the input's gradient, saving the input, or the output when
// `save_output` (then it must be called before anything else records on `out`).
template <class Local>
void record_unary(Tensor& out, const char* name, const Tensor& x, bool save_output, Local local) {
  if (!any_requires_grad({&x})) return;
  SavedTensor saved(save_output ? out : x, save_output);
  record(out, name, {&x}, [saved, local](const Tensor& grad, Grads& grads) {
    grads.set(0, local(grad, saved.unpack(grads.node)));
  });
}

// Integer-valued ops (sign, floor, ...): a history with a zero gradient, as in PyTorch, so a graph through
// them still runs.
void record_zero(Tensor& out, const char* name, const Tensor& x) {
  record(out, name, {&x}, [](const Tensor& grad, Grads& grads) { grads.set(0, zeros_like(grad)); });
}

int category_of(Dtype dtype) { return dtype == kBool ? 0 : is_floating_point(dtype) ? 2 : 1; }
int rank_of(Dtype dtype) {
  switch (dtype) {
    case Dtype::Bool: return 0;
    case Dtype::Int32: return 1;
    case Dtype::Int64: return 2;
    case Dtype::Float32: return 3;
    case Dtype::Float64: return 4;
  }
  return 0;
}
Dtype promote_types(Dtype a, Dtype b) { return rank_of(a) >= rank_of(b) ? a : b; }

// torch.result_type over three tensors: those with dimensions decide; 0-d tensors only raise the category.
Dtype result_type3(const char* op, const Tensor& a, const Tensor& b, const Tensor& c) {
  std::optional<Dtype> with_dims, zero_dim;
  for (const Tensor* t : {&a, &b, &c}) {
    check_defined(op, *t);
    std::optional<Dtype>& slot = t->dim() > 0 ? with_dims : zero_dim;
    slot = slot ? promote_types(*slot, t->dtype()) : t->dtype();
  }
  if (!with_dims || !zero_dim) return with_dims ? *with_dims : *zero_dim;
  return category_of(*zero_dim) > category_of(*with_dims) ? promote_types(*with_dims, *zero_dim) : *with_dims;
}

// A number argument in the tensor's element type; refused when an integer type cannot hold it (PyTorch:
// "value cannot be converted to type int64_t without overflow").
template <class T>
T number_as(const char* op, double value) {
  if constexpr (std::is_integral<T>::value && !std::is_same<T, bool>::value) {
    if (!(value >= static_cast<double>(std::numeric_limits<T>::min()) &&
          value < -static_cast<double>(std::numeric_limits<T>::min())))
      throw Error(std::string(op) + ": value " + std::to_string(value) +
                                  " cannot be converted to an integer tensor's type without overflow");
  }
  return static_cast<T>(value);
}

// An in-place op as its out-of-place form, with PyTorch's rules for the result: it must keep self's shape
// (operands broadcast into self, not self into them) and may not be of a higher category than self's dtype
// (an integer tensor cannot take a floating result); a lower one is converted. Operands that are self itself
// must be read as `previous` (the old value): see inplace_binary in ops_pointwise.cpp.
Tensor& inplace_as(const char* op, Tensor& self, bool others_require_grad,
                   const std::function<Tensor(const Tensor& previous)>& out_of_place) {
  check_inplace_allowed(op, self);
  const bool record = GradMode::is_enabled() && (self.requires_grad() || others_require_grad);
  const Shape shape = self.shape();
  const Dtype own = self.dtype();
  return apply_inplace(op, self, record, [&](const Tensor& previous) {
    Tensor result = out_of_place(previous);
    if (result.shape() != shape)
      throw Error(std::string(op) + ": output with shape " + shape_string(shape) +
                                  " doesn't match the broadcast shape " + shape_string(result.shape()));
    if (result.dtype() != own) {
      if (category_of(result.dtype()) > category_of(own))
        throw Error(std::string(op) + ": result type " + dtype_name(result.dtype()) +
                                    " can't be cast to the desired output type " + dtype_name(own));
      result = result.to(own);
    }
    return result;
  });
}
// The operand to use inside an in-place op's computation: the old value when it is self itself.
const Tensor& operand(const Tensor& other, const TensorImpl* self_body, const Tensor& previous) {
  return other.impl() == self_body ? previous : other;
}
bool requires(const Tensor& t) { return t.defined() && t.requires_grad(); }

constexpr double kLn2 = 0.693147180559945309417232121458176568;
constexpr double kLn10 = 2.30258509299404568401799145468436421;

}  // namespace

// ---------------------------------------------------------------- unary maths

Tensor sin(const Tensor& x) {
  Tensor out = map_math("sin", x, [](auto v) { return std::sin(v); }, [](const auto& e) { return xt::sin(e); });
  record_unary(out, "SinBackward", x, false, [](const Tensor& grad, const Tensor& v) { return mul(grad, cos(v)); });
  return out;
}

Tensor cos(const Tensor& x) {
  Tensor out = map_math("cos", x, [](auto v) { return std::cos(v); }, [](const auto& e) { return xt::cos(e); });
  record_unary(out, "CosBackward", x, false, [](const Tensor& grad, const Tensor& v) { return mul(grad, neg(sin(v))); });
  return out;
}

Tensor tan(const Tensor& x) {
  Tensor out = map_math("tan", x, [](auto v) { return std::tan(v); }, [](const auto& e) { return xt::tan(e); });
  record_unary(out, "TanBackward", x, true,
               [](const Tensor& grad, const Tensor& y) { return mul(grad, add(mul(y, y), 1.0)); });
  return out;
}

Tensor atan(const Tensor& x) {
  Tensor out = map_math("atan", x, [](auto v) { return std::atan(v); }, [](const auto& e) { return xt::atan(e); });
  record_unary(out, "AtanBackward", x, false,
               [](const Tensor& grad, const Tensor& v) { return div(grad, add(mul(v, v), 1.0)); });
  return out;
}

Tensor log1p(const Tensor& x) {
  Tensor out = map_math("log1p", x, [](auto v) { return std::log1p(v); }, [](const auto& e) { return xt::log1p(e); });
  record_unary(out, "Log1PBackward", x, false, [](const Tensor& grad, const Tensor& v) { return div(grad, add(v, 1.0)); });
  return out;
}

Tensor expm1(const Tensor& x) {
  Tensor out = map_math("expm1", x, [](auto v) { return std::expm1(v); }, [](const auto& e) { return xt::expm1(e); });
  record_unary(out, "Expm1Backward", x, true, [](const Tensor& grad, const Tensor& y) { return mul(grad, add(y, 1.0)); });
  return out;
}

Tensor log2(const Tensor& x) {
  Tensor out = map_math("log2", x, [](auto v) { return std::log2(v); }, [](const auto& e) { return xt::log2(e); });
  record_unary(out, "Log2Backward", x, false, [](const Tensor& grad, const Tensor& v) { return div(grad, mul(v, kLn2)); });
  return out;
}

Tensor log10(const Tensor& x) {
  Tensor out = map_math("log10", x, [](auto v) { return std::log10(v); }, [](const auto& e) { return xt::log10(e); });
  record_unary(out, "Log10Backward", x, false,
               [](const Tensor& grad, const Tensor& v) { return div(grad, mul(v, kLn10)); });
  return out;
}

Tensor rsqrt(const Tensor& x) {
  Tensor out = map_math(
      "rsqrt", x, [](auto v) { return decltype(v)(1) / std::sqrt(v); }, [](const auto& e) { return 1 / xt::sqrt(e); });
  // d/dx x^(-1/2) = -1/2 y^3
  record_unary(out, "RsqrtBackward", x, true,
               [](const Tensor& grad, const Tensor& y) { return mul(grad, mul(pow(y, 3.0), -0.5)); });
  return out;
}

Tensor reciprocal(const Tensor& x) {
  Tensor out = map_math(
      "reciprocal", x, [](auto v) { return decltype(v)(1) / v; }, [](const auto& e) { return 1 / e; });
  record_unary(out, "ReciprocalBackward", x, true,
               [](const Tensor& grad, const Tensor& y) { return mul(grad, neg(mul(y, y))); });
  return out;
}

// PyTorch's square is pow(x, 2): integers stay integers and bool becomes int64.
Tensor square(const Tensor& x) {
  check_defined("square", x);
  return pow(x, 2);
}

Tensor frac(const Tensor& x) {
  require_floating("frac", x);
  Tensor out = map_math(
      "frac", x, [](auto v) { return v - std::trunc(v); }, [](const auto& e) { return e - xt::trunc(e); });
  record(out, "FracBackward", {&x}, [](const Tensor& grad, Grads& grads) { grads.set(0, grad); });
  return out;
}

// ---------------------------------------------------------------- integer-valued: zero gradient

Tensor sign(const Tensor& x) {
  // NaN and -0.0 give 0, as in PyTorch; bool stays bool.
  Tensor out = map_any("sign", x, [](auto v) { return decltype(v)((decltype(v)(0) < v) - (v < decltype(v)(0))); });
  record_zero(out, "SignBackward", x);
  return out;
}

namespace {
// floor, ceil, round and trunc: integers are already integral (a copy), bool is refused, as in PyTorch.
template <class Scalar, class Vector>
Tensor rounding(const char* op, const char* backward, const Tensor& x, Scalar scalar, Vector vector) {
  refuse_bool(op, x);
  Tensor out = is_floating_point(x.dtype()) ? map_math(op, x, scalar, vector) : map_any(op, x, [](auto v) { return v; });
  record_zero(out, backward, x);
  return out;
}
}  // namespace

Tensor floor(const Tensor& x) {
  return rounding("floor", "FloorBackward", x, [](auto v) { return std::floor(v); }, [](const auto& e) { return xt::floor(e); });
}
Tensor ceil(const Tensor& x) {
  return rounding("ceil", "CeilBackward", x, [](auto v) { return std::ceil(v); }, [](const auto& e) { return xt::ceil(e); });
}
Tensor round(const Tensor& x) {
  // Halves go to even (nearbyint in the default rounding mode), as torch.round.
  return rounding("round", "RoundBackward", x, [](auto v) { return std::nearbyint(v); },
                  [](const auto& e) { return xt::nearbyint(e); });
}
Tensor trunc(const Tensor& x) {
  return rounding("trunc", "TruncBackward", x, [](auto v) { return std::trunc(v); }, [](const auto& e) { return xt::trunc(e); });
}

Tensor round(const Tensor& x, int64_t decimals) {
  require_floating("round", x);
  // PyTorch's kernel, in the tensor's type: scale by 10^|decimals|, round half to even, scale back.
  const bool negative = decimals < 0;
  const double ten_pow = std::pow(10.0, static_cast<double>(negative ? -decimals : decimals));
  Tensor out = map_floating("round", x, [ten_pow, negative](auto v) {
    using T = decltype(v);
    const T scale = static_cast<T>(ten_pow);
    return negative ? std::nearbyint(v / scale) * scale : std::nearbyint(v * scale) / scale;
  });
  record_zero(out, "RoundBackward", x);
  return out;
}

// ---------------------------------------------------------------- activations

Tensor silu(const Tensor& x) {
  require_floating("silu", x);
  Tensor out = map_math(
      "silu", x, [](auto v) { return v / (decltype(v)(1) + std::exp(-v)); },
      [](const auto& e) { return e / (1 + xt::exp(-e)); });
  record_unary(out, "SiluBackward", x, false, [](const Tensor& grad, const Tensor& v) {
    Tensor s = sigmoid(v);  // d/dx x s(x) = s (1 + x (1 - s))
    return mul(grad, mul(s, add(mul(v, rsub(s, 1.0)), 1.0)));
  });
  return out;
}

Tensor mish(const Tensor& x) {
  require_floating("mish", x);
  Tensor out = map_math(
      "mish", x, [](auto v) { return v * std::tanh(std::log1p(std::exp(v))); },
      [](const auto& e) { return e * xt::tanh(xt::log1p(xt::exp(e))); });
  record_unary(out, "MishBackward", x, false, [](const Tensor& grad, const Tensor& v) {
    // PyTorch's mish_backward: tanh(softplus(x)) + x sigmoid(x) (1 - tanh(softplus(x))^2)
    Tensor t = tanh(log1p(exp(v)));
    return mul(grad, add(t, mul(mul(v, sigmoid(v)), rsub(mul(t, t), 1.0))));
  });
  return out;
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  require_floating("softplus", x);
  // beta and threshold in the tensor's type, as PyTorch's kernel takes them.
  Tensor out = map_floating("softplus", x, [beta, threshold](auto v) {
    using T = decltype(v);
    const T b = static_cast<T>(beta);
    return v * b > static_cast<T>(threshold) ? v : std::log1p(std::exp(v * b)) / b;
  });
  record_unary(out, "SoftplusBackward", x, false, [beta, threshold](const Tensor& grad, const Tensor& v) {
    // 1 where beta x > threshold (the linear part), else sigmoid(beta x) = z / (z + 1) with z = exp(beta x).
    Tensor linear = indicator(v, [beta, threshold](auto u) {
      using T = decltype(u);
      return u * static_cast<T>(beta) > static_cast<T>(threshold);
    });
    return mul(grad, add(masked_zero(sigmoid(mul(v, beta)), rsub(linear, 1.0)), linear));
  });
  return out;
}

Tensor elu(const Tensor& x, double alpha, double scale, double input_scale) {
  require_floating("elu", x);
  // PyTorch's elu kernel: x <= 0 ? (exp(x * input_scale) - 1) * alpha * scale : x * scale.
  Tensor out = map_floating("elu", x, [alpha, scale, input_scale](auto v) {
    using T = decltype(v);
    const T negcoef = static_cast<T>(alpha) * static_cast<T>(scale);
    return v <= T(0) ? std::expm1(v * static_cast<T>(input_scale)) * negcoef : v * static_cast<T>(scale);
  });
  record_unary(out, "EluBackward", x, false, [alpha, scale, input_scale](const Tensor& grad, const Tensor& v) {
    Tensor negative = indicator(v, [](auto u) { return u <= decltype(u)(0); });
    Tensor slope_negative = mul(exp(mul(v, input_scale)), input_scale * alpha * scale);
    Tensor local = add(masked_zero(slope_negative, negative), mul(rsub(negative, 1.0), scale));
    return mul(grad, local);
  });
  return out;
}

Tensor selu(const Tensor& x) {
  check_defined("selu", x);
  return elu(x, 1.6732632423543772848170429916717, 1.0507009873554804934193349852946, 1.0);
}

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  check_defined("hardtanh", x);
  if (x.dtype() == kBool) throw Error("hardtanh: bool inputs not supported");
  // clamp(x, min_val, max_val) in x's dtype (integer tensors take the bounds truncated, as PyTorch); NaN stays
  // NaN; with min_val > max_val every element becomes max_val.
  Tensor out = map_any("hardtanh", x, [min_val, max_val](auto v) {
    using T = decltype(v);
    if constexpr (std::is_same<T, bool>::value) {
      return v;  // unreachable: refused above
    } else {
      const T low = static_cast<T>(min_val), high = static_cast<T>(max_val);
      if (v != v || low != low) return v != v ? v : low;
      if (high != high) return high;
      const T raised = v < low ? low : v;
      return high < raised ? high : raised;
    }
  });
  record_unary(out, "HardtanhBackward", x, false, [min_val, max_val](const Tensor& grad, const Tensor& v) {
    // Strictly inside the bounds; 0 at them (PyTorch's hardtanh_backward).
    return masked_zero(grad, indicator(v, [min_val, max_val](auto u) {
                         using T = decltype(u);
                         return u > static_cast<T>(min_val) && u < static_cast<T>(max_val);
                       }));
  });
  return out;
}

Tensor& silu_(Tensor& x) { return inplace_as("silu_", x, false, [](const Tensor& p) { return silu(p); }); }
Tensor& mish_(Tensor& x) { return inplace_as("mish_", x, false, [](const Tensor& p) { return mish(p); }); }
Tensor& elu_(Tensor& x, double alpha, double scale, double input_scale) {
  return inplace_as("elu_", x, false, [=](const Tensor& p) { return elu(p, alpha, scale, input_scale); });
}
Tensor& selu_(Tensor& x) { return inplace_as("selu_", x, false, [](const Tensor& p) { return selu(p); }); }
Tensor& hardtanh_(Tensor& x, double min_val, double max_val) {
  return inplace_as("hardtanh_", x, false, [=](const Tensor& p) { return hardtanh(p, min_val, max_val); });
}

// ---------------------------------------------------------------- maximum, minimum, clamp_min, clamp_max

namespace {
// maximum (is_max) or minimum: NaN propagates; where the operands tie, each gets half the gradient
// (PyTorch: grad / 2 where a == b, 0 where the other operand wins; both get all of it where one is NaN).
Tensor extremum(const char* op, const char* backward, const Tensor& a_in, const Tensor& b_in, bool is_max) {
  Promoted promoted(op, a_in, b_in);
  const Tensor& a = promoted.a();
  const Tensor& b = promoted.b();
  Tensor out = is_max ? binary_map(op, a, b, [](auto x, auto y) { return x != x ? x : (y != y ? y : (x < y ? y : x)); })
                      : binary_map(op, a, b, [](auto x, auto y) { return x != x ? x : (y != y ? y : (y < x ? y : x)); });
  if (any_requires_grad({&a, &b})) {
    SavedTensor saved_a(a, false), saved_b(b, false);
    record(out, backward, {&a, &b}, [saved_a, saved_b, is_max](const Tensor& grad, Grads& grads) {
      Tensor x = saved_a.unpack(grads.node), y = saved_b.unpack(grads.node);
      // The share of the gradient the first operand gets (a constant: the choice is piecewise constant).
      auto share = [is_max](auto u, auto v) {
        using T = decltype(u);
        if (u == v) return T(0.5);
        return (is_max ? u < v : v < u) ? T(0) : T(1);
      };
      // masked_zero, not a product, where the share is 0: PyTorch's zeros there are +0.0 (masked_fill).
      auto part = [&](const Tensor& mine, const Tensor& theirs) {
        Tensor weights = binary_map("share", mine.detach(), theirs.detach(), share);
        return masked_zero(mul(grad, weights), weights);
      };
      if (grads.needs(0)) grads.set(0, part(x, y));
      if (grads.needs(1)) grads.set(1, part(y, x));
    });
  }
  return out;
}

// clamp_min (is_min) or clamp_max with a number. Integer tensors keep their dtype for integral bounds;
// a NaN bound gives NaN (then float32 for integer inputs), as in PyTorch.
Tensor clamp_one(const char* op, const char* backward, const Tensor& x_in, const Scalar& bound_in, bool is_min) {
  check_defined(op, x_in);
  Tensor hold;
  const Tensor& x = scalar_operand(op, x_in, bound_in, false, hold);
  const ScalarValue bound(bound_in);
  Tensor out = map_any(op, x, [bound, is_min](auto v) {
    using T = decltype(v);
    const T limit = bound.as<T>();
    if (limit != limit) return limit;
    return (is_min ? v < limit : limit < v) ? limit : v;
  });
  // Gradient where x >= min (clamp_min) or x <= max (clamp_max), bound included; 0 for NaN.
  record_unary(out, backward, x, false, [bound, is_min](const Tensor& grad, const Tensor& v) {
    return masked_zero(grad, indicator(v, [bound, is_min](auto u) {
                         using T = decltype(u);
                         return is_min ? u >= bound.as<T>() : u <= bound.as<T>();
                       }));
  });
  return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum("maximum", "MaximumBackward", a, b, true); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum("minimum", "MinimumBackward", a, b, false); }
Tensor clamp_min(const Tensor& x, Scalar min) { return clamp_one("clamp_min", "ClampMinBackward", x, min, true); }
Tensor clamp_max(const Tensor& x, Scalar max) { return clamp_one("clamp_max", "ClampMaxBackward", x, max, false); }
Tensor& clamp_min_(Tensor& x, Scalar min) {
  return inplace_as("clamp_min_", x, false, [min](const Tensor& p) { return clamp_min(p, min); });
}
Tensor& clamp_max_(Tensor& x, Scalar max) {
  return inplace_as("clamp_max_", x, false, [max](const Tensor& p) { return clamp_max(p, max); });
}

// ---------------------------------------------------------------- lerp

namespace {
// PyTorch's lerp: anchored at the nearer end (so lerp(a, b, 1) == b exactly), with one rounding for the
// multiply-add as in its vectorized kernel (fmadd).
template <class T>
T lerp_value(T self, T end, T weight) {
  return std::abs(weight) < T(0.5) ? std::fma(weight, end - self, self) : std::fma(weight - T(1), end - self, end);
}

// lerp takes no type promotion: every operand must have self's floating dtype.
void check_lerp(const Tensor& self, const Tensor& other, const char* name) {
  check_defined("lerp", other);
  if (other.dtype() != self.dtype())
    throw Error(std::string("lerp: expected dtype ") + dtype_name(self.dtype()) + " for `" + name +
                                "` but got dtype " + dtype_name(other.dtype()));
}
}  // namespace

Tensor lerp(const Tensor& self, const Tensor& end, double weight) {
  require_floating("lerp", self);
  check_lerp(self, end, "end");
  Tensor out = binary_map("lerp", self, end, [weight](auto s, auto e) {
    using T = decltype(s);
    if constexpr (std::is_floating_point<T>::value) return lerp_value<T>(s, e, static_cast<T>(weight));
    else return s;  // unreachable: floating only
  });
  record(out, "LerpBackward", {&self, &end}, [weight](const Tensor& grad, Grads& grads) {
    if (grads.needs(0)) grads.set(0, mul(grad, 1.0 - weight));
    if (grads.needs(1)) grads.set(1, mul(grad, weight));
  });
  return out;
}

Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight) {
  require_floating("lerp", self);
  check_lerp(self, end, "end");
  check_lerp(self, weight, "weight");
  Tensor out;
  XG_DISPATCH(self.dtype(), out = ternary_map<T>("lerp", self, end, weight, lerp_value<T>));
  if (any_requires_grad({&self, &end, &weight})) {
    SavedTensor saved_self(self, false), saved_end(end, false), saved_weight(weight, false);
    record(out, "LerpBackward", {&self, &end, &weight},
           [saved_self, saved_end, saved_weight](const Tensor& grad, Grads& grads) {
             Tensor w = saved_weight.unpack(grads.node);
             if (grads.needs(0)) grads.set(0, mul(grad, rsub(w, 1.0)));
             if (grads.needs(1)) grads.set(1, mul(grad, w));
             if (grads.needs(2))
               grads.set(2, mul(grad, sub(saved_end.unpack(grads.node), saved_self.unpack(grads.node))));
           });
  }
  return out;
}

// ---------------------------------------------------------------- addcmul, addcdiv

namespace {
// self + value * t1 * t2 (multiply) or self + value * t1 / t2, in the three operands' common dtype, with
// PyTorch's order of operations (value * t1 first).
Tensor addc(const char* op, const char* backward, const Tensor& self_in, const Tensor& t1_in, const Tensor& t2_in,
            double value, bool multiply) {
  const Dtype common = result_type3(op, self_in, t1_in, t2_in);
  if (!multiply && !is_floating_point(t1_in.dtype()) && !is_floating_point(t2_in.dtype()))
    throw Error(
        "addcdiv: integer division with addcdiv is no longer supported; use addcmul(self, tensor1, "
        "tensor2.reciprocal(), value) for true division or (tensor1 / tensor2).floor() * value + self for floor "
        "division (got " + std::string(dtype_name(t1_in.dtype())) + " and " + dtype_name(t2_in.dtype()) + ")");
  if (common == kBool) throw Error(std::string(op) + ": not implemented for bool tensors");
  Tensor hold_self, hold_t1, hold_t2;
  const Tensor& self = self_in.dtype() == common ? self_in : (hold_self = self_in.to(common));
  const Tensor& t1 = t1_in.dtype() == common ? t1_in : (hold_t1 = t1_in.to(common));
  const Tensor& t2 = t2_in.dtype() == common ? t2_in : (hold_t2 = t2_in.to(common));
  Tensor out;
  XG_DISPATCH_ALL(common, {
    if constexpr (!std::is_same<T, bool>::value) {
      const T scale = number_as<T>(op, value);
      out = multiply ? ternary_map<T>(op, self, t1, t2, [scale](T s, T a, T b) { return T(s + scale * a * b); })
                     : ternary_map<T>(op, self, t1, t2, [scale](T s, T a, T b) { return T(s + scale * a / b); });
    }
  });
  if (any_requires_grad({&self, &t1, &t2})) {
    SavedTensor saved_t1(t1, false), saved_t2(t2, false);
    record(out, backward, {&self, &t1, &t2}, [saved_t1, saved_t2, value, multiply](const Tensor& grad, Grads& grads) {
      Tensor a = saved_t1.unpack(grads.node), b = saved_t2.unpack(grads.node);
      if (grads.needs(0)) grads.set(0, grad);
      if (multiply) {
        if (grads.needs(1)) grads.set(1, mul(grad, mul(b, value)));
        if (grads.needs(2)) grads.set(2, mul(grad, mul(a, value)));
      } else {
        if (grads.needs(1)) grads.set(1, mul(grad, rdiv(b, value)));
        if (grads.needs(2)) grads.set(2, neg(mul(grad, div(mul(a, value), mul(b, b)))));
      }
    });
  }
  return out;
}
}  // namespace

Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, double value) {
  return addc("addcmul", "AddcmulBackward", self, tensor1, tensor2, value, true);
}
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, double value) {
  return addc("addcdiv", "AddcdivBackward", self, tensor1, tensor2, value, false);
}

// ---------------------------------------------------------------- remainder, fmod

namespace {
// Python's modulo (the sign of the divisor). x % -1 is 0 (computed without the overflow of INT_MIN % -1).
template <class T>
T remainder_value(T a, T b) {
  if constexpr (std::is_same<T, bool>::value) {
    return a;  // unreachable: bool is refused
  } else if constexpr (std::is_floating_point<T>::value) {
    T mod = std::fmod(a, b);
    if (mod != 0 && ((b < 0) != (mod < 0))) mod += b;
    return mod;
  } else {
    if (b == T(-1)) return T(0);
    T mod = static_cast<T>(a % b);
    if (mod != 0 && ((b < 0) != (mod < 0))) mod = static_cast<T>(mod + b);
    return mod;
  }
}
template <class T>
T fmod_value(T a, T b) {
  if constexpr (std::is_same<T, bool>::value) {
    return a;  // unreachable: bool is refused
  } else if constexpr (std::is_floating_point<T>::value) {
    return std::fmod(a, b);
  } else {
    return b == T(-1) ? T(0) : static_cast<T>(a % b);
  }
}
// PyTorch's div(a, b, rounding_mode="floor") for floating types (c10's div_floor_floating): the quotient
// whose remainder is remainder(a, b), which floor(a / b) is not always (floor(1.0 / 0.1) is 10, this is 9).
template <class T>
T floor_divide_value(T a, T b) {
  if (b == 0) return a / b;
  const T mod = std::fmod(a, b);
  T quotient = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) quotient -= T(1);
  if (quotient == 0) return std::copysign(T(0), a / b);
  T floored = std::floor(quotient);
  if (quotient - floored > T(0.5)) floored += T(1);
  return floored;
}

Tensor modulo(const char* op, const char* backward, const Tensor& a_in, const Tensor& b_in, bool python) {
  Promoted promoted(op, a_in, b_in);
  const Tensor& a = promoted.a();
  const Tensor& b = promoted.b();
  if (a.dtype() == kBool) throw Error(std::string(op) + ": not implemented for bool tensors");
  if (!is_floating_point(b.dtype())) {  // integer division by zero has no value (PyTorch: ZeroDivisionError)
    Tensor hold;
    const Tensor& divisor = dense(b, hold);
    bool zero = false;
    XG_DISPATCH_ALL(divisor.dtype(), {
      const T* data = divisor.impl()->data<T>();
      for (int64_t i = 0, n = divisor.numel(); i < n && !zero; ++i) zero = data[i] == T(0);
    });
    if (zero) throw Error(std::string(op) + ": integer division by zero (ZeroDivisionError)");
  }
  Tensor out = python ? binary_map(op, a, b, [](auto x, auto y) { return remainder_value<decltype(x)>(x, y); })
                      : binary_map(op, a, b, [](auto x, auto y) { return fmod_value<decltype(x)>(x, y); });
  if (any_requires_grad({&a, &b})) {
    SavedTensor saved_a(a, false), saved_b(b, false);
    // d/da = 1; d/db = -floor_divide(a, b) (remainder) or -trunc(a / b) (fmod), as PyTorch.
    record(out, backward, {&a, &b}, [saved_a, saved_b, python, op](const Tensor& grad, Grads& grads) {
      if (grads.needs(0)) grads.set(0, grad);
      if (grads.needs(1)) {
        Tensor x = saved_a.unpack(grads.node).detach(), y = saved_b.unpack(grads.node).detach();
        Tensor quotient = python ? binary_map(op, x, y, [](auto u, auto v) {
          using T = decltype(u);
          if constexpr (std::is_floating_point<T>::value) return floor_divide_value<T>(u, v);
          else return u;
        })
                                 : binary_map(op, x, y, [](auto u, auto v) {
                                     using T = decltype(u);
                                     if constexpr (std::is_floating_point<T>::value) return std::trunc(u / v);
                                     else return u;
                                   });
        grads.set(1, neg(mul(grad, quotient)));
      }
    });
  }
  return out;
}

// A number operand: an integral one keeps integer tensors integral, as in PyTorch.
Tensor modulo(const char* op, const char* backward, const Tensor& a_in, const Scalar& b, bool python) {
  Tensor hold;
  const Tensor& a = scalar_operand(op, a_in, b, false, hold);
  if (a.dtype() == kBool) throw Error(std::string(op) + ": not implemented for bool tensors");
  return modulo(op, backward, a, scalar_tensor(b, dtype(a.dtype())), python);
}
}  // namespace

Tensor remainder(const Tensor& a, const Tensor& b) { return modulo("remainder", "RemainderBackward", a, b, true); }
Tensor remainder(const Tensor& a, Scalar b) { return modulo("remainder", "RemainderBackward", a, b, true); }
Tensor fmod(const Tensor& a, const Tensor& b) { return modulo("fmod", "FmodBackward", a, b, false); }
Tensor fmod(const Tensor& a, Scalar b) { return modulo("fmod", "FmodBackward", a, b, false); }

// ---------------------------------------------------------------- in place

#define XG_INPLACE_UNARY(NAME)                                                                          \
  Tensor& NAME##_(Tensor& x) {                                                                        \
    return inplace_as(#NAME "_", x, false, [](const Tensor& previous) { return NAME(previous); });  \
  }                                                                                                     \
  Tensor& Tensor::NAME##_() { return xgrad::NAME##_(*this); }                                           \
  Tensor Tensor::NAME() const { return xgrad::NAME(*this); }
XG_INPLACE_UNARY(sin)
XG_INPLACE_UNARY(cos)
XG_INPLACE_UNARY(tan)
XG_INPLACE_UNARY(atan)
XG_INPLACE_UNARY(log1p)
XG_INPLACE_UNARY(expm1)
XG_INPLACE_UNARY(log2)
XG_INPLACE_UNARY(log10)
XG_INPLACE_UNARY(rsqrt)
XG_INPLACE_UNARY(square)
XG_INPLACE_UNARY(sign)
XG_INPLACE_UNARY(floor)
XG_INPLACE_UNARY(ceil)
XG_INPLACE_UNARY(round)
XG_INPLACE_UNARY(trunc)
XG_INPLACE_UNARY(frac)
XG_INPLACE_UNARY(reciprocal)
#undef XG_INPLACE_UNARY

Tensor Tensor::round(int64_t decimals) const { return xgrad::round(*this, decimals); }
Tensor& Tensor::round_(int64_t decimals) {
  return inplace_as("round_", *this, false, [decimals](const Tensor& p) { return xgrad::round(p, decimals); });
}
Tensor Tensor::maximum(const Tensor& other) const { return xgrad::maximum(*this, other); }
Tensor Tensor::minimum(const Tensor& other) const { return xgrad::minimum(*this, other); }
Tensor Tensor::clamp_min(Scalar min) const { return xgrad::clamp_min(*this, min); }
Tensor Tensor::clamp_max(Scalar max) const { return xgrad::clamp_max(*this, max); }
Tensor& Tensor::clamp_min_(Scalar min) { return xgrad::clamp_min_(*this, min); }
Tensor& Tensor::clamp_max_(Scalar max) { return xgrad::clamp_max_(*this, max); }

Tensor Tensor::lerp(const Tensor& end, double weight) const { return xgrad::lerp(*this, end, weight); }
Tensor Tensor::lerp(const Tensor& end, const Tensor& weight) const { return xgrad::lerp(*this, end, weight); }
Tensor& Tensor::lerp_(const Tensor& end, double weight) {
  const TensorImpl* body = impl();
  return inplace_as("lerp_", *this, requires(end), [&, body, weight](const Tensor& previous) {
    return xgrad::lerp(previous, operand(end, body, previous), weight);
  });
}
Tensor& Tensor::lerp_(const Tensor& end, const Tensor& weight) {
  const TensorImpl* body = impl();
  return inplace_as("lerp_", *this, requires(end) || requires(weight), [&, body](const Tensor& previous) {
    return xgrad::lerp(previous, operand(end, body, previous), operand(weight, body, previous));
  });
}

Tensor Tensor::addcmul(const Tensor& tensor1, const Tensor& tensor2, double value) const {
  return xgrad::addcmul(*this, tensor1, tensor2, value);
}
Tensor Tensor::addcdiv(const Tensor& tensor1, const Tensor& tensor2, double value) const {
  return xgrad::addcdiv(*this, tensor1, tensor2, value);
}
Tensor& Tensor::addcmul_(const Tensor& tensor1, const Tensor& tensor2, double value) {
  const TensorImpl* body = impl();
  return inplace_as("addcmul_", *this, requires(tensor1) || requires(tensor2), [&, body, value](const Tensor& previous) {
    return xgrad::addcmul(previous, operand(tensor1, body, previous), operand(tensor2, body, previous), value);
  });
}
Tensor& Tensor::addcdiv_(const Tensor& tensor1, const Tensor& tensor2, double value) {
  const TensorImpl* body = impl();
  return inplace_as("addcdiv_", *this, requires(tensor1) || requires(tensor2), [&, body, value](const Tensor& previous) {
    return xgrad::addcdiv(previous, operand(tensor1, body, previous), operand(tensor2, body, previous), value);
  });
}

Tensor Tensor::remainder(const Tensor& other) const { return xgrad::remainder(*this, other); }
Tensor Tensor::remainder(Scalar other) const { return xgrad::remainder(*this, other); }
Tensor Tensor::fmod(const Tensor& other) const { return xgrad::fmod(*this, other); }
Tensor Tensor::fmod(Scalar other) const { return xgrad::fmod(*this, other); }
Tensor& Tensor::remainder_(const Tensor& other) {
  const TensorImpl* body = impl();
  return inplace_as("remainder_", *this, requires(other), [&, body](const Tensor& previous) {
    return xgrad::remainder(previous, operand(other, body, previous));
  });
}
Tensor& Tensor::remainder_(Scalar other) {
  return inplace_as("remainder_", *this, false, [other](const Tensor& previous) { return xgrad::remainder(previous, other); });
}
Tensor& Tensor::fmod_(const Tensor& other) {
  const TensorImpl* body = impl();
  return inplace_as("fmod_", *this, requires(other), [&, body](const Tensor& previous) {
    return xgrad::fmod(previous, operand(other, body, previous));
  });
}
Tensor& Tensor::fmod_(Scalar other) {
  return inplace_as("fmod_", *this, false, [other](const Tensor& previous) { return xgrad::fmod(previous, other); });
}

}  // namespace xgrad

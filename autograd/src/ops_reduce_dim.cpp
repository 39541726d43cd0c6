// Reductions over dimensions: max/min (values and indices), argmax/argmin, amax/amin, prod, var/std, norm,
// logsumexp, any/all, and the scans cumsum/cumprod. Forward kernels see the input as [outer, n, inner]
// lines (n: the reduced elements); backward formulas are PyTorch's, written with differentiable ops.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "kernels.hpp"
#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {

namespace {

// ---------------------------------------------------------------- dimensions and lines

// An empty list reduces every dimension (amax, var, norm and logsumexp, as torch's dim=None).
std::vector<int64_t> normalize_dims(std::vector<int64_t> dims, int64_t rank, const char* op) {
  if (dims.empty())
    for (int64_t d = 0; d < rank; ++d) dims.push_back(d);
  for (int64_t& d : dims) d = normalize_dim(d, rank, op);
  std::sort(dims.begin(), dims.end());
  auto repeated = std::adjacent_find(dims.begin(), dims.end());
  if (repeated != dims.end())
    throw Error(std::string(op) + ": dim " + std::to_string(*repeated) +
                                " appears multiple times in the list of dims");
  if (rank == 0) dims.clear();  // a 0-d tensor reduces over nothing (dim 0 and -1 name it)
  return dims;
}

// One dimension, as a list (empty for a 0-d tensor).
std::vector<int64_t> single_dim(int64_t dim, int64_t rank, const char* op) {
  dim = normalize_dim(dim, rank, op);
  return rank == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{dim};
}

Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    bool reduced = std::binary_search(dims.begin(), dims.end(), d);
    if (!reduced) out.push_back(shape[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

// PyTorch refuses to take a maximum, minimum or arg-extremum over nothing.
void check_nonempty_dims(const char* op, const Tensor& x, const std::vector<int64_t>& dims) {
  for (int64_t d : dims)
    if (x.shape()[d] == 0)
      throw Error(std::string(op) + ": expected reduction dim " + std::to_string(d) +
                                  " to have non-zero size (input shape " + shape_string(x.shape()) + ")");
}

// The input as [outer, n, inner] in dense memory: element (o, j, i) at (o n + j) inner + i, output (o, i) at
// o inner + i (row-major over the kept dimensions). `dims` (sorted) are gathered into n: in place when they
// are consecutive, else after moving them last.
struct Lines {
  Tensor data;
  int64_t outer = 1, n = 1, inner = 1;
};

Lines lines_of(const Tensor& x, const std::vector<int64_t>& dims) {
  Lines lines;
  const Shape& shape = x.shape();
  const int64_t rank = x.dim();
  Tensor hold;
  if (dims.empty()) {  // 0-d
    lines.data = dense(x, hold);
    return lines;
  }
  if (dims.back() - dims.front() + 1 == static_cast<int64_t>(dims.size())) {
    lines.data = dense(x, hold);
    for (int64_t d = 0; d < dims.front(); ++d) lines.outer *= shape[d];
    for (int64_t d : dims) lines.n *= shape[d];
    for (int64_t d = dims.back() + 1; d < rank; ++d) lines.inner *= shape[d];
    return lines;
  }
  std::vector<int64_t> order;
  for (int64_t d = 0; d < rank; ++d)
    if (!std::binary_search(dims.begin(), dims.end(), d)) {
      order.push_back(d);
      lines.outer *= shape[d];
    }
  for (int64_t d : dims) {
    order.push_back(d);
    lines.n *= shape[d];
  }
  Tensor moved = x.detach().permute(order);
  lines.data = dense(moved, hold);
  return lines;
}

// For every output (o, i): acc = init(); step(acc, value, j, output) over the line's n values, in order;
// finish(output, acc). The inner index runs innermost, so memory is read in order.
template <class T, class Acc, class Init, class Step, class Finish>
void reduce_lines(const Lines& lines, Init init, Step step, Finish finish) {
  const T* x = lines.data.impl()->data<T>();
  const int64_t inner = lines.inner, n = lines.n;
  if (inner == 1) {  // contiguous lines: the accumulator stays in a register
    for (int64_t o = 0; o < lines.outer; ++o) {
      Acc acc = init();
      const T* row = x + o * n;
      for (int64_t j = 0; j < n; ++j) step(acc, row[j], j, o);
      finish(o, acc);
    }
    return;
  }
  std::vector<Acc> acc(static_cast<size_t>(inner));
  for (int64_t o = 0; o < lines.outer; ++o) {
    for (Acc& a : acc) a = init();
    const T* block = x + o * n * inner;
    for (int64_t j = 0; j < n; ++j) {
      const T* row = block + j * inner;
      for (int64_t i = 0; i < inner; ++i) step(acc[i], row[i], j, o * inner + i);
    }
    for (int64_t i = 0; i < inner; ++i) finish(o * inner + i, acc[i]);
  }
}

// Sums of value(x, output) over each line, in double: contiguous lines in eight running sums (sum_lanes,
// vectorizable), strided ones row by row with the inner index innermost.
template <class T, class Value, class Finish>
void sum_lines(const Lines& lines, Value value, Finish finish) {
  const T* x = lines.data.impl()->data<T>();
  const int64_t inner = lines.inner, n = lines.n;
  if (inner == 1) {
    for (int64_t o = 0; o < lines.outer; ++o) {
      const T* row = x + o * n;
      finish(o, sum_lanes<double>(n, [row, o, &value](int64_t j) { return value(row[j], o); }));
    }
    return;
  }
  std::vector<double> acc(static_cast<size_t>(inner));
  for (int64_t o = 0; o < lines.outer; ++o) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const T* block = x + o * n * inner;
    for (int64_t j = 0; j < n; ++j) {
      const T* row = block + j * inner;
      for (int64_t i = 0; i < inner; ++i) acc[i] += value(row[i], o * inner + i);
    }
    for (int64_t i = 0; i < inner; ++i) finish(o * inner + i, acc[i]);
  }
}

template <class T>
bool is_nan_value(T v) {
  if constexpr (std::is_floating_point<T>::value) return std::isnan(v);
  else return false;
}

// Accumulators: double for floating types (float32 sums and products are accumulated wider, as PyTorch's
// CPU scans), int64 for integers.
template <class T>
using Wide = std::conditional_t<std::is_floating_point<T>::value, double, int64_t>;
template <class A>
A multiply(A a, A b) {
  if constexpr (std::is_integral<A>::value)  // wraps on overflow, as PyTorch's (not undefined behaviour)
    return static_cast<A>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  else
    return a * b;
}
template <class A>
A plus(A a, A b) {
  if constexpr (std::is_integral<A>::value) return static_cast<A>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  else return a + b;
}

// An accumulator's value as the output type T: float32 saturates to infinity beyond its range (a plain
// cast from double would be undefined there); integer types wrap.
template <class T, class A>
T to_output(A value) {
  if constexpr (std::is_same<T, float>::value && std::is_floating_point<A>::value) {
    const A top = std::numeric_limits<float>::max();
    return value > top ? std::numeric_limits<float>::infinity()
                       : value < -top ? -std::numeric_limits<float>::infinity() : static_cast<float>(value);
  } else {
    return static_cast<T>(value);
  }
}

// A conversion that records no history (masks and indices are constants).
Tensor cast(const Tensor& x, Dtype dtype) {
  if (x.dtype() == dtype) return x;
  NoGradGuard no_grad;
  return x.to(dtype);
}

// The gradient of a reduction, of the reduced output's shape, with the reduced dimensions put back as 1s.
Tensor kept(const Tensor& grad, const Shape& kept_shape) { return reshape(grad, kept_shape); }

// ---------------------------------------------------------------- max/min over a dim, argmax/argmin

template <class T>
struct Best {
  T value{};
  int64_t index = -1;
};

// The running best of a line: the first NaN wins and stays; otherwise the first strict improvement.
template <class T>
void take_best(Best<T>& best, T v, int64_t j, bool maximum) {
  if (best.index < 0 || (!is_nan_value(best.value) && (is_nan_value(v) || (maximum ? v > best.value : v < best.value)))) {
    best.value = v;
    best.index = j;
  }
}

// Values and indices of the extremum of each line of `lines`.
void best_of_lines(const Lines& lines, Dtype dtype, bool maximum, Tensor* values, Tensor& indices) {
  int64_t* pi = indices.impl()->data<int64_t>();
  XG_DISPATCH_ALL(dtype, {
    T* pv = values ? values->impl()->data<T>() : nullptr;
    reduce_lines<T, Best<T>>(
        lines, [] { return Best<T>{}; },
        [maximum](Best<T>& best, T v, int64_t j, int64_t) { take_best(best, v, j, maximum); },
        [pv, pi](int64_t k, const Best<T>& best) {
          if (pv) pv[k] = best.value;
          pi[k] = best.index;
        });
  });
}

// A tensor of `shape` and `dtype` with 1 where the position along `dim` is the index kept for its line.
Tensor one_hot_along(const Tensor& indices_in, int64_t dim, const Shape& shape, Dtype dtype) {
  Tensor mask = zeros(shape, xgrad::dtype(dtype));
  if (mask.numel() == 0) return mask;
  Tensor hold;
  const int64_t* pi = dense(indices_in, hold).impl()->data<int64_t>();
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
    (d < dim ? outer : d == dim ? n : inner) *= shape[d];
  XG_DISPATCH(dtype, {
    T* pm = mask.impl()->data<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) pm[(o * n + pi[o * inner + i]) * inner + i] = T(1);
  });
  return mask;
}

std::tuple<Tensor, Tensor> extremum_dim(const Tensor& x, int64_t dim_in, bool keepdim, bool maximum) {
  const char* op = maximum ? "max" : "min";
  check_defined(op, x);
  std::vector<int64_t> dims = single_dim(dim_in, x.dim(), op);
  check_nonempty_dims(op, x, dims);
  const Shape out_shape = reduced_shape(x.shape(), dims, keepdim);
  Tensor values = make_tensor(out_shape, x.dtype());
  Tensor indices = make_tensor(out_shape, kInt64);
  best_of_lines(lines_of(x, dims), x.dtype(), maximum, &values, indices);
  if (any_requires_grad({&x})) {
    // The gradient goes to the position each value came from (PyTorch's value_selecting_reduction_backward).
    const Shape input_shape = x.shape(), kept_shape = reduced_shape(x.shape(), dims, true);
    const int64_t dim = dims.empty() ? 0 : dims[0];
    SavedTensor saved_indices(indices, false);
    record(values, maximum ? "MaxBackward" : "MinBackward", {&x},
           [saved_indices, input_shape, kept_shape, dim](const Tensor& grad, Grads& grads) {
             Tensor positions = reshape(saved_indices.unpack(grads.node), kept_shape);
             Tensor spread = broadcast_to(kept(grad, kept_shape), input_shape);
             grads.set(0, masked_zero(spread, one_hot_along(positions, dim, input_shape, grad.dtype())));
           });
  }
  return {values, indices};
}

Tensor arg_extremum(const Tensor& x, std::optional<int64_t> dim, bool keepdim, bool maximum) {
  const char* op = maximum ? "argmax" : "argmin";
  check_defined(op, x);
  if (x.dtype() == kBool) throw Error(std::string(op) + ": not implemented for bool tensors");
  if (!dim) {
    // Over the flattened tensor; keepdim keeps every dimension as 1, as PyTorch.
    if (x.numel() == 0)
      throw Error(std::string(op) + ": expected reduction dim to be specified for an empty input (shape " +
                                  shape_string(x.shape()) + ")");
    Lines lines;
    Tensor hold;
    lines.data = dense(x, hold);
    lines.n = x.numel();
    Tensor indices = make_tensor(keepdim ? Shape(static_cast<size_t>(x.dim()), 1) : Shape{}, kInt64);
    best_of_lines(lines, x.dtype(), maximum, nullptr, indices);
    return indices;
  }
  std::vector<int64_t> dims = single_dim(*dim, x.dim(), op);
  check_nonempty_dims(op, x, dims);
  Tensor indices = make_tensor(reduced_shape(x.shape(), dims, keepdim), kInt64);
  best_of_lines(lines_of(x, dims), x.dtype(), maximum, nullptr, indices);
  return indices;
}

// ---------------------------------------------------------------- amax/amin

Tensor amax_amin(const Tensor& x, std::vector<int64_t> dims_in, bool keepdim, bool maximum) {
  const char* op = maximum ? "amax" : "amin";
  check_defined(op, x);
  const std::vector<int64_t> dims = normalize_dims(std::move(dims_in), x.dim(), op);
  check_nonempty_dims(op, x, dims);
  Tensor out = make_tensor(reduced_shape(x.shape(), dims, keepdim), x.dtype());
  const Lines lines = lines_of(x, dims);
  XG_DISPATCH_ALL(x.dtype(), {
    T* po = out.impl()->data<T>();
    reduce_lines<T, Best<T>>(
        lines, [] { return Best<T>{}; },
        [maximum](Best<T>& best, T v, int64_t j, int64_t) { take_best(best, v, j, maximum); },
        [po](int64_t k, const Best<T>& best) { po[k] = best.value; });
  });
  if (any_requires_grad({&x})) {
    // Ties share the gradient evenly: (grad / count) * mask, PyTorch's formula (a NaN result makes it NaN).
    const Shape kept_shape = reduced_shape(x.shape(), dims, true);
    SavedTensor saved_x(x, false), saved_out(out, true);
    record(out, maximum ? "AmaxBackward" : "AminBackward", {&x},
           [saved_x, saved_out, dims, kept_shape](const Tensor& grad, Grads& grads) {
             Tensor input = saved_x.unpack(grads.node);
             Tensor mask = mask_equal(input.detach(), kept(saved_out.unpack(grads.node), kept_shape).detach());
             Tensor count = sum(mask, dims, true);
             grads.set(0, mul(div(kept(grad, kept_shape), count), mask));
           });
  }
  return out;
}

// ---------------------------------------------------------------- prod

// The product of every other element of each line along `dim`, from exclusive products from both ends
// (PyTorch's prod_safe_zeros_backward): exact with zeros, and differentiable.
Tensor products_of_others(const Tensor& x, int64_t dim) {
  const int64_t n = x.size(dim);
  if (n <= 1) return ones_like(x);
  Shape one_shape = x.shape();
  one_shape[dim] = 1;
  Tensor one = ones(one_shape, dtype(x.dtype()));
  std::vector<int64_t> backwards_from_last, backwards_all;
  for (int64_t j = n - 1; j >= 1; --j) backwards_from_last.push_back(j);
  for (int64_t j = n - 1; j >= 0; --j) backwards_all.push_back(j);
  Tensor before = cumprod(cat({one, x.narrow(dim, 0, n - 1)}, dim), dim);
  Tensor after_reversed = cumprod(cat({one, x.index_select(dim, backwards_from_last)}, dim), dim);
  return mul(before, after_reversed.index_select(dim, backwards_all));
}

bool has_zero(const Tensor& x) { return any(eq(x.detach(), 0.0)).item<bool>(); }

// Product and scan input: in the requested dtype, else floating as it is and integers and bools in int64,
// as PyTorch.
Tensor widened_input(const char* op, const Tensor& x, std::optional<Dtype> dtype) {
  check_defined(op, x);
  if (dtype) return x.to(*dtype);
  return is_floating_point(x.dtype()) ? x : cast(x, kInt64);
}

Tensor prod_over(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, bool whole) {
  Tensor out = make_tensor(reduced_shape(x.shape(), dims, keepdim), x.dtype());
  Lines lines;
  if (whole) {
    Tensor hold;
    lines.data = dense(x, hold);
    lines.n = x.numel();
  } else {
    lines = lines_of(x, dims);
  }
  XG_DISPATCH_ALL(x.dtype(), {
    T* po = out.impl()->data<T>();
    reduce_lines<T, Wide<T>>(
        lines, [] { return Wide<T>(1); }, [](Wide<T>& acc, T v, int64_t, int64_t) { acc = multiply(acc, Wide<T>(v)); },
        [po](int64_t k, Wide<T> acc) { po[k] = to_output<T>(acc); });
  });
  if (any_requires_grad({&x})) {
    const Shape input_shape = x.shape(), kept_shape = reduced_shape(x.shape(), dims, true);
    const int64_t dim = whole || dims.empty() ? -1 : dims[0];
    SavedTensor saved_x(x, false), saved_out(out, true);
    record(out, "ProdBackward", {&x}, [saved_x, saved_out, input_shape, kept_shape, dim](const Tensor& grad, Grads& grads) {
      Tensor input = saved_x.unpack(grads.node);
      Tensor g = kept(grad, kept_shape);
      if (input.dim() == 0) return grads.set(0, grad);
      if (!has_zero(input)) return grads.set(0, mul(g, div(kept(saved_out.unpack(grads.node), kept_shape), input)));
      if (dim < 0) {  // the whole tensor: one line
        Tensor flat = reshape(input, {input.numel()});
        return grads.set(0, mul(g, reshape(products_of_others(flat, 0), input_shape)));
      }
      grads.set(0, mul(g, products_of_others(input, dim)));
    });
  }
  return out;
}

// ---------------------------------------------------------------- var/std

Tensor variance(const char* op, const Tensor& x, std::vector<int64_t> dims_in, double correction, bool keepdim,
                bool take_sqrt) {
  check_defined(op, x);
  if (!is_floating_point(x.dtype()))
    throw Error(std::string(op) + ": std and var only support floating point dtypes, got " +
                                dtype_name(x.dtype()) + " (convert it with .to(xg::kFloat32))");
  const std::vector<int64_t> dims = normalize_dims(std::move(dims_in), x.dim(), op);
  Tensor out = make_tensor(reduced_shape(x.shape(), dims, keepdim), x.dtype());
  const Lines lines = lines_of(x, dims);
  const double divisor = std::max(0.0, static_cast<double>(lines.n) - correction);
  XG_DISPATCH(x.dtype(), {
    // Two passes in double: the mean, then the squared deviations from it.
    std::vector<double> means(static_cast<size_t>(out.numel()));
    const double count = static_cast<double>(lines.n);
    sum_lines<T>(
        lines, [](T v, int64_t) { return static_cast<double>(v); },
        [&means, count](int64_t k, double total) { means[k] = total / count; });
    T* po = out.impl()->data<T>();
    const double* mean_of = means.data();
    sum_lines<T>(
        lines,
        [mean_of](T v, int64_t k) {
          const double d = v - mean_of[k];
          return d * d;
        },
        [po, divisor, take_sqrt](int64_t k, double total) {
          const double v = total / divisor;
          po[k] = to_output<T>(take_sqrt ? std::sqrt(v) : v);
        });
  });
  if (any_requires_grad({&x})) {
    const Shape kept_shape = reduced_shape(x.shape(), dims, true);
    SavedTensor saved_x(x, false), saved_out(out, true);
    record(out, take_sqrt ? "StdBackward" : "VarBackward",
           {&x}, [saved_x, saved_out, dims, kept_shape, divisor, take_sqrt](const Tensor& grad, Grads& grads) {
             Tensor input = saved_x.unpack(grads.node);
             Tensor g = kept(grad, kept_shape);
             if (take_sqrt) {
               // d std = d var / (2 std), and 0 where std is 0 (PyTorch's std_backward).
               Tensor result = kept(saved_out.unpack(grads.node), kept_shape);
               g = masked_zero(div(g, mul(result, 2.0)), cast(ne(result.detach(), 0.0), result.dtype()));
             }
             Tensor centred = sub(input, mean(input, dims, true));
             grads.set(0, mul(g, mul(centred, 2.0 / divisor)));
           });
  }
  return out;
}

// ---------------------------------------------------------------- norm

Tensor vector_norm(const Tensor& x, double p, std::vector<int64_t> dims_in, bool keepdim) {
  const char* op = "norm";
  check_defined(op, x);
  if (!is_floating_point(x.dtype()))
    throw Error(std::string("norm: input dtype should be floating point, got ") + dtype_name(x.dtype()) +
                                " (convert it with .to(xg::kFloat32))");
  if (std::isnan(p)) throw Error("norm: the order p is NaN");
  const std::vector<int64_t> dims = normalize_dims(std::move(dims_in), x.dim(), op);
  Tensor out = make_tensor(reduced_shape(x.shape(), dims, keepdim), x.dtype());
  const Lines lines = lines_of(x, dims);
  const bool infinite = std::isinf(p);
  XG_DISPATCH(x.dtype(), {
    T* po = out.impl()->data<T>();
    auto finish = [po, p, infinite](int64_t k, double acc) {
      po[k] = to_output<T>(infinite || p == 0 || p == 1 ? acc : p == 2 ? std::sqrt(acc) : std::pow(acc, 1.0 / p));
    };
    if (lines.n == 0) {  // the norm of nothing is 0 for every p, as in PyTorch
      std::fill(po, po + out.numel(), T(0));
    } else if (infinite) {
      // max |x| (min |x| for -inf); a NaN element makes the norm NaN.
      const bool largest = p > 0;
      reduce_lines<T, double>(
          lines, [largest] { return largest ? 0.0 : INFINITY; },
          [largest](double& acc, T v, int64_t, int64_t) {
            const double a = std::abs(static_cast<double>(v));
            if (std::isnan(a) || (!std::isnan(acc) && (largest ? a > acc : a < acc))) acc = a;
          },
          finish);
    } else if (p == 0) {
      sum_lines<T>(lines, [](T v, int64_t) { return v != T(0) ? 1.0 : 0.0; }, finish);
    } else if (p == 1) {
      sum_lines<T>(lines, [](T v, int64_t) { return std::abs(static_cast<double>(v)); }, finish);
    } else if (p == 2) {
      sum_lines<T>(lines, [](T v, int64_t) { return static_cast<double>(v) * v; }, finish);
    } else {
      sum_lines<T>(lines, [p](T v, int64_t) { return std::pow(std::abs(static_cast<double>(v)), p); }, finish);
    }
  });
  if (any_requires_grad({&x})) {
    const Shape kept_shape = reduced_shape(x.shape(), dims, true);
    SavedTensor saved_x(x, false), saved_out(out, true);
    record(out, "NormBackward", {&x}, [saved_x, saved_out, dims, kept_shape, p](const Tensor& grad, Grads& grads) {
      // PyTorch's norm_backward, case by case.
      Tensor input = saved_x.unpack(grads.node);
      Tensor g = kept(grad, kept_shape);
      Tensor norm_value = kept(saved_out.unpack(grads.node), kept_shape);
      const Dtype dtype = input.dtype();
      auto nonzero = [dtype](const Tensor& t) { return cast(ne(t.detach(), 0.0), dtype); };
      if (p == 0) return grads.set(0, zeros_like(input));
      if (p == 1) return grads.set(0, mul(sign(input), g));
      if (p == 2) return grads.set(0, mul(g, masked_zero(div(input, norm_value), nonzero(norm_value))));
      if (std::isinf(p)) {
        // The gradient goes to the elements whose |x| is the norm (NaN ones when it is NaN), ties evenly.
        Tensor size = abs(input).detach(), value = norm_value.detach();
        Tensor mask = cast(logical_or(eq(size, value), logical_and(isnan(size), isnan(value))), dtype);
        return grads.set(0, mul(sign(input), mul(div(g, sum(mask, dims, true)), mask)));
      }
      if (p < 1) {
        Tensor scaled = masked_zero(mul(sign(input), pow(abs(input), p - 1)), nonzero(input));
        return grads.set(0, mul(mul(scaled, g), pow(norm_value, 1 - p)));
      }
      Tensor scaled = p < 2 ? mul(sign(input), pow(abs(input), p - 1)) : mul(input, pow(abs(input), p - 2));
      Tensor scale = masked_zero(div(g, pow(norm_value, p - 1)), nonzero(norm_value));
      grads.set(0, mul(scaled, scale));
    });
  }
  return out;
}

// ---------------------------------------------------------------- logsumexp

Tensor log_sum_exp(const Tensor& x_in, std::vector<int64_t> dims_in, bool keepdim) {
  const char* op = "logsumexp";
  check_defined(op, x_in);
  const Tensor x = is_floating_point(x_in.dtype()) ? x_in : cast(x_in, get_default_dtype());  // integers: float32, as PyTorch
  const std::vector<int64_t> dims = normalize_dims(std::move(dims_in), x.dim(), op);
  Tensor out = make_tensor(reduced_shape(x.shape(), dims, keepdim), x.dtype());
  const Lines lines = lines_of(x, dims);
  XG_DISPATCH(x.dtype(), {
    // Shifted by each line's maximum, so exp() cannot overflow; an infinite maximum is not subtracted
    // (inf - inf would be NaN), and an empty line gives log(0) = -inf.
    std::vector<double> shifts(static_cast<size_t>(out.numel()));
    reduce_lines<T, double>(
        lines, [] { return -INFINITY; }, [](double& acc, T v, int64_t, int64_t) { acc = v > acc ? v : acc; },
        [&shifts](int64_t k, double acc) { shifts[k] = std::isinf(acc) ? 0.0 : acc; });
    T* po = out.impl()->data<T>();
    const double* shift_of = shifts.data();
    // exp in T (float32 inputs: float32, as PyTorch), summed in double.
    if (lines.inner == 1 && lines.n >= 32) {
      // Contiguous lines: xtensor's SIMD exp over each shifted line.
      std::vector<T> buffer(static_cast<size_t>(lines.n));
      auto shifted = adapt_flat<T>(buffer.data(), lines.n);
      const T* x = lines.data.impl()->data<T>();
      for (int64_t o = 0; o < lines.outer; ++o) {
        const T shift = static_cast<T>(shift_of[o]);
        for (int64_t j = 0; j < lines.n; ++j) buffer[j] = x[o * lines.n + j] - shift;
        xt::noalias(shifted) = xt::exp(shifted);
        const T* e = buffer.data();
        po[o] = to_output<T>(std::log(sum_lanes<double>(lines.n, [e](int64_t j) { return e[j]; })) + shift_of[o]);
      }
    } else {
      sum_lines<T>(
          lines, [shift_of](T v, int64_t k) { return static_cast<double>(std::exp(v - static_cast<T>(shift_of[k]))); },
          [po, shift_of](int64_t k, double total) { po[k] = to_output<T>(std::log(total) + shift_of[k]); });
    }
  });
  if (any_requires_grad({&x})) {
    const Shape kept_shape = reduced_shape(x.shape(), dims, true);
    SavedTensor saved_x(x, false), saved_out(out, true);
    record(out, "LogsumexpBackward", {&x}, [saved_x, saved_out, kept_shape](const Tensor& grad, Grads& grads) {
      Tensor result = kept(saved_out.unpack(grads.node), kept_shape);
      grads.set(0, mul(kept(grad, kept_shape), exp(sub(saved_x.unpack(grads.node), result))));
    });
  }
  return out;
}

// ---------------------------------------------------------------- any/all

Tensor any_all(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, bool whole, bool any_of) {
  const Tensor truth = cast(x, kBool);
  Tensor out = make_tensor(reduced_shape(x.shape(), dims, keepdim), kBool);
  Lines lines;
  if (whole) {
    Tensor hold;
    lines.data = dense(truth, hold);
    lines.n = truth.numel();
  } else {
    lines = lines_of(truth, dims);
  }
  bool* po = out.impl()->data<bool>();
  // Read as bytes (0 or 1), which GCC vectorizes.
  reduce_lines<uint8_t, uint8_t>(
      lines, [any_of] { return uint8_t(any_of ? 0 : 1); },
      [any_of](uint8_t& acc, uint8_t v, int64_t, int64_t) { acc = any_of ? (acc | v) : (acc & v); },
      [po](int64_t k, uint8_t acc) { po[k] = acc != 0; });
  return out;
}

// ---------------------------------------------------------------- cumsum/cumprod

// Scans along dim of a dense tensor: out(o, j, i) = combine(out(o, j -/+ 1, i), x(o, j, i)), from the start
// or (reverse) from the end, accumulated in Wide<T>.
template <class T, class Combine>
void scan_kernel(const TensorImpl& x, TensorImpl& out, int64_t dim, bool reverse, Wide<T> start, Combine combine) {
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(x.shape.size()); ++d)
    (d < dim ? outer : d == dim ? n : inner) *= x.shape[d];
  const T* px = x.data<T>();
  T* po = out.data<T>();
  if (inner == 1) {  // contiguous lines: the running value stays in a register
    for (int64_t o = 0; o < outer; ++o) {
      Wide<T> acc = start;
      for (int64_t step = 0; step < n; ++step) {
        const int64_t at = o * n + (reverse ? n - 1 - step : step);
        acc = combine(acc, Wide<T>(px[at]));
        po[at] = to_output<T>(acc);
      }
    }
    return;
  }
  std::vector<Wide<T>> acc(static_cast<size_t>(inner));
  for (int64_t o = 0; o < outer; ++o) {
    std::fill(acc.begin(), acc.end(), start);
    for (int64_t step = 0; step < n; ++step) {
      const int64_t j = reverse ? n - 1 - step : step;
      const int64_t row = (o * n + j) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        acc[i] = combine(acc[i], Wide<T>(px[row + i]));
        po[row + i] = to_output<T>(acc[i]);
      }
    }
  }
}

// cumsum, or the sum from each element to the end (reverse): the backward of each is the other.
Tensor cumulative_sum(const Tensor& x, int64_t dim_in, bool reverse) {
  const int64_t dim = normalize_dim(dim_in, x.dim(), "cumsum");
  Tensor out = make_tensor(x.shape(), x.dtype());
  Tensor hold;
  const TensorImpl& in = *dense(x, hold).impl();
  XG_DISPATCH_ALL(x.dtype(), scan_kernel<T>(in, *out.impl(), x.dim() == 0 ? 0 : dim, reverse, Wide<T>(0),
                                            [](Wide<T> a, Wide<T> b) { return plus(a, b); }));
  record(out, "CumsumBackward", {&x},
         [dim, reverse](const Tensor& grad, Grads& grads) { grads.set(0, cumulative_sum(grad, dim, !reverse)); });
  return out;
}

// dx_k = sum_{i >= k} g_i prod_{j <= i, j != k} x_j in O(n) without division: with P_k = prod_{j < k} x_j
// and S_k = g_k + x_{k+1} S_{k+1} (S_{n-1} = g_{n-1}), dx_k = P_k S_k. Exact with zeros; not recorded.
Tensor cumprod_gradient(const Tensor& x_in, const Tensor& g_in, int64_t dim) {
  Tensor hold_x, hold_g;
  const TensorImpl& x = *dense(x_in, hold_x).impl();
  const TensorImpl& g = *dense(g_in, hold_g).impl();
  Tensor out = make_tensor(x.shape, x.dtype);
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(x.shape.size()); ++d)
    (d < dim ? outer : d == dim ? n : inner) *= x.shape[d];
  XG_DISPATCH(x.dtype, {
    const T* px = x.data<T>();
    const T* pg = g.data<T>();
    T* po = out.impl()->data<T>();
    std::vector<double> s(static_cast<size_t>(n));
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        auto at = [&](int64_t j) { return (o * n + j) * inner + i; };
        s[n - 1] = pg[at(n - 1)];
        for (int64_t j = n - 2; j >= 0; --j) s[j] = pg[at(j)] + static_cast<double>(px[at(j + 1)]) * s[j + 1];
        double prefix = 1;
        for (int64_t j = 0; j < n; ++j) {
          po[at(j)] = to_output<T>(prefix * s[j]);
          prefix *= px[at(j)];
        }
      }
  });
  return out;
}

// The same gradient from differentiable ops, for create_graph with zeros in the input (PyTorch's O(n^2)
// fallback): copy k of x has x_k replaced by 1, its cumprod gives prod_{j <= i, j != k} x_j.
Tensor cumprod_gradient_differentiable(const Tensor& x, const Tensor& g, int64_t dim) {
  const int64_t n = x.size(dim), rank = x.dim();
  Shape grid(static_cast<size_t>(rank + 1), 1);  // [n, 1, .., n at dim + 1, .., 1]
  grid[0] = n;
  grid[dim + 1] = n;
  Tensor diagonal_mask = make_tensor(grid, kBool), upper = make_tensor(grid, x.dtype());
  bool* pd = diagonal_mask.impl()->data<bool>();
  XG_DISPATCH(x.dtype(), {
    T* pu = upper.impl()->data<T>();
    for (int64_t k = 0; k < n; ++k)
      for (int64_t i = 0; i < n; ++i) {
        pd[k * n + i] = i == k;
        pu[k * n + i] = i >= k ? T(1) : T(0);  // only i >= k contribute to dx_k
      }
  });
  Tensor products = cumprod(where(diagonal_mask, 1.0, x.unsqueeze(0)), dim + 1);
  Tensor per_k = sum(mul(mul(products, g.unsqueeze(0)), upper), {dim + 1});  // [n, shape without dim]
  std::vector<int64_t> order;
  for (int64_t d = 0; d < rank; ++d) order.push_back(d < dim ? d + 1 : d == dim ? 0 : d);
  return per_k.permute(order);
}

}  // namespace

// ---------------------------------------------------------------- public

std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) { return extremum_dim(x, dim, keepdim, true); }
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) { return extremum_dim(x, dim, keepdim, false); }
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_extremum(x, dim, keepdim, true); }
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_extremum(x, dim, keepdim, false); }
Tensor amax(const Tensor& x, IntArrayRef dims, bool keepdim) { return amax_amin(x, std::move(dims), keepdim, true); }
Tensor amin(const Tensor& x, IntArrayRef dims, bool keepdim) { return amax_amin(x, std::move(dims), keepdim, false); }

Tensor prod(const Tensor& x_in, std::optional<Dtype> dtype) {
  const Tensor x = widened_input("prod", x_in, dtype);
  return prod_over(x, normalize_dims({}, x.dim(), "prod"), false, true);
}
Tensor prod(const Tensor& x_in, int64_t dim, bool keepdim, std::optional<Dtype> dtype) {
  const Tensor x = widened_input("prod", x_in, dtype);
  return prod_over(x, single_dim(dim, x.dim(), "prod"), keepdim, false);
}

Tensor var(const Tensor& x, bool unbiased) { return variance("var", x, {}, unbiased ? 1 : 0, false, false); }
Tensor var(const Tensor& x, IntArrayRef dims_ref, bool unbiased, bool keepdim) {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return variance("var", x, std::move(dims), unbiased ? 1 : 0, keepdim, false);
}
Tensor var(const Tensor& x, IntArrayRef dims_ref, std::optional<int64_t> correction, bool keepdim) {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return variance("var", x, std::move(dims), static_cast<double>(correction.value_or(1)), keepdim, false);
}
Tensor var(const Tensor& x, int dim) { return var(x, std::vector<int64_t>{dim}); }
Tensor std(const Tensor& x, bool unbiased) { return variance("std", x, {}, unbiased ? 1 : 0, false, true); }
Tensor std(const Tensor& x, IntArrayRef dims_ref, bool unbiased, bool keepdim) {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return variance("std", x, std::move(dims), unbiased ? 1 : 0, keepdim, true);
}
Tensor std(const Tensor& x, IntArrayRef dims_ref, std::optional<int64_t> correction, bool keepdim) {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return variance("std", x, std::move(dims), static_cast<double>(correction.value_or(1)), keepdim, true);
}
Tensor std(const Tensor& x, int dim) { return xgrad::std(x, std::vector<int64_t>{dim}); }

Tensor norm(const Tensor& x, double p) { return vector_norm(x, p, {}, false); }
Tensor norm(const Tensor& x, std::optional<double> p, IntArrayRef dims_ref, bool keepdim) {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return vector_norm(x, p.value_or(2.0), std::move(dims), keepdim);
}

Tensor logsumexp(const Tensor& x, IntArrayRef dims, bool keepdim) { return log_sum_exp(x, std::move(dims), keepdim); }

Tensor any(const Tensor& x) {
  check_defined("any", x);
  return any_all(x, normalize_dims({}, x.dim(), "any"), false, true, true);
}
Tensor any(const Tensor& x, int64_t dim, bool keepdim) {
  check_defined("any", x);
  return any_all(x, single_dim(dim, x.dim(), "any"), keepdim, false, true);
}
Tensor all(const Tensor& x) {
  check_defined("all", x);
  return any_all(x, normalize_dims({}, x.dim(), "all"), false, true, false);
}
Tensor all(const Tensor& x, int64_t dim, bool keepdim) {
  check_defined("all", x);
  return any_all(x, single_dim(dim, x.dim(), "all"), keepdim, false, false);
}

Tensor cumsum(const Tensor& x, int64_t dim, std::optional<Dtype> dtype) {
  return cumulative_sum(widened_input("cumsum", x, dtype), dim, false);
}

Tensor cumprod(const Tensor& x_in, int64_t dim_in, std::optional<Dtype> dtype) {
  const Tensor x = widened_input("cumprod", x_in, dtype);
  const int64_t dim = normalize_dim(dim_in, x.dim(), "cumprod");
  Tensor out = make_tensor(x.shape(), x.dtype());
  Tensor hold;
  const TensorImpl& in = *dense(x, hold).impl();
  XG_DISPATCH_ALL(x.dtype(), scan_kernel<T>(in, *out.impl(), x.dim() == 0 ? 0 : dim, false, Wide<T>(1),
                                            [](Wide<T> a, Wide<T> b) { return multiply(a, b); }));
  if (any_requires_grad({&x})) {
    SavedTensor saved_x(x, false), saved_out(out, true);
    record(out, "CumprodBackward", {&x}, [saved_x, saved_out, dim](const Tensor& grad, Grads& grads) {
      Tensor input = saved_x.unpack(grads.node);
      if (input.dim() == 0 || input.size(dim) <= 1) return grads.set(0, grad);
      // Without zeros PyTorch's formula: the reversed cumsum of output * grad, divided by the input.
      if (!has_zero(input))
        return grads.set(0, div(cumulative_sum(mul(saved_out.unpack(grads.node), grad), dim, true), input));
      if (!GradMode::is_enabled()) return grads.set(0, cumprod_gradient(input, grad, dim));
      grads.set(0, cumprod_gradient_differentiable(input, grad, dim));
    });
  }
  return out;
}

// ---------------------------------------------------------------- members

std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const { return xgrad::max(*this, dim, keepdim); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const { return xgrad::min(*this, dim, keepdim); }
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const { return xgrad::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const { return xgrad::argmin(*this, dim, keepdim); }
Tensor Tensor::amax(IntArrayRef dims, bool keepdim) const { return xgrad::amax(*this, std::move(dims), keepdim); }
Tensor Tensor::amin(IntArrayRef dims, bool keepdim) const { return xgrad::amin(*this, std::move(dims), keepdim); }
Tensor Tensor::prod(std::optional<Dtype> dtype) const { return xgrad::prod(*this, dtype); }
Tensor Tensor::prod(int64_t dim, bool keepdim, std::optional<Dtype> dtype) const {
  return xgrad::prod(*this, dim, keepdim, dtype);
}
Tensor Tensor::var(bool unbiased) const { return xgrad::var(*this, unbiased); }
Tensor Tensor::var(IntArrayRef dims_ref, bool unbiased, bool keepdim) const {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return xgrad::var(*this, std::move(dims), unbiased, keepdim);
}
Tensor Tensor::var(IntArrayRef dims_ref, std::optional<int64_t> correction, bool keepdim) const {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return xgrad::var(*this, std::move(dims), correction, keepdim);
}
Tensor Tensor::var(int dim) const { return xgrad::var(*this, dim); }
Tensor Tensor::std(bool unbiased) const { return xgrad::std(*this, unbiased); }
Tensor Tensor::std(IntArrayRef dims_ref, bool unbiased, bool keepdim) const {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return xgrad::std(*this, std::move(dims), unbiased, keepdim);
}
Tensor Tensor::std(IntArrayRef dims_ref, std::optional<int64_t> correction, bool keepdim) const {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return xgrad::std(*this, std::move(dims), correction, keepdim);
}
Tensor Tensor::std(int dim) const { return xgrad::std(*this, dim); }
Tensor Tensor::norm(double p) const { return xgrad::norm(*this, p); }
Tensor Tensor::norm(std::optional<double> p, IntArrayRef dims_ref, bool keepdim) const {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return xgrad::norm(*this, p, std::move(dims), keepdim);
}
Tensor Tensor::logsumexp(IntArrayRef dims_ref, bool keepdim) const {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return xgrad::logsumexp(*this, std::move(dims), keepdim);
}
Tensor Tensor::cumsum(int64_t dim, std::optional<Dtype> dtype) const { return xgrad::cumsum(*this, dim, dtype); }
Tensor Tensor::cumprod(int64_t dim, std::optional<Dtype> dtype) const { return xgrad::cumprod(*this, dim, dtype); }
Tensor Tensor::any() const { return xgrad::any(*this); }
Tensor Tensor::any(int64_t dim, bool keepdim) const { return xgrad::any(*this, dim, keepdim); }
Tensor Tensor::all() const { return xgrad::all(*this); }
Tensor Tensor::all(int64_t dim, bool keepdim) const { return xgrad::all(*this, dim, keepdim); }

}  // namespace xgrad

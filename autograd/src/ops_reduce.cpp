// Reductions, broadcasting and softmax.
#include <algorithm>
#include <xtensor/xsort.hpp>

#include "kernels.hpp"
#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {

namespace {
// An empty list reduces every dimension, as torch.sum(x, dim=[]) does.
std::vector<int64_t> normalize_dims(std::vector<int64_t> dims, int64_t rank, const char* op) {
  if (dims.empty())
    for (int64_t d = 0; d < rank; ++d) dims.push_back(d);
  for (int64_t& d : dims) d = normalize_dim(d, rank, op);
  std::sort(dims.begin(), dims.end());
  if (std::adjacent_find(dims.begin(), dims.end()) != dims.end())
    throw Error(std::string(op) + ": a dimension appears twice in the list");
  if (rank == 0) dims.clear();
  return dims;
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

template <class T>
T sum_all(const T* data, int64_t n) {
  return sum_lanes<T>(n, [data](int64_t i) { return data[i]; });
}

template <class T>
void sum_kernel(const TensorImpl& x, const std::vector<int64_t>& dims, TensorImpl& out) {
  const T* px = x.data<T>();
  T* po = out.data<T>();
  if (dims.size() == x.shape.size()) {
    po[0] = sum_all(px, x.numel);
    return;
  }
  // Zero-size input: every sum is empty, so 0 (and xtensor's reducers must not see it: they write past
  // an empty result).
  if (x.numel == 0) return std::fill(po, po + out.numel, T(0));
  if (dims.size() == 1 && dims[0] == 0) {
    // Column sums (bias gradients): accumulate rows, contiguous inner loop.
    int64_t rows = x.shape[0], columns = out.numel;
    std::fill(po, po + columns, T(0));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < columns; ++c) po[c] += px[r * columns + c];
    return;
  }
  // The kept dimensions one contiguous run (rows of [N, C] summed over C, channels of (N, C, L) over N and
  // L): add up contiguous blocks.
  BlockBroadcast blocks;
  if (block_broadcast(reduced_shape(x.shape, dims, true), x.shape, blocks)) {
    std::fill(po, po + out.numel, T(0));
    for (int64_t o = 0; o < blocks.outer; ++o)
      for (int64_t m = 0; m < blocks.mid; ++m) {
        const T* block = px + (o * blocks.mid + m) * blocks.inner;
        po[m] += sum_lanes<T>(blocks.inner, [block](int64_t i) { return block[i]; });
      }
    return;
  }
  auto input = adapt<T>(x);
  std::vector<size_t> axes(dims.begin(), dims.end());
  auto result = xt::adapt(po, static_cast<size_t>(out.numel), xt::no_ownership(),
                          to_extents(reduced_shape(x.shape, dims, false)));
  xt::noalias(result) = xt::sum(input, axes, xt::evaluation_strategy::immediate);
}

template <class T>
T extremum(const TensorImpl& x, bool maximum) {
  const T* px = x.data<T>();
  T best = px[0];
  for (int64_t i = 1; i < x.numel; ++i) {
    if (std::isnan(px[i])) return px[i];  // NaN propagates, as in PyTorch
    best = maximum ? std::max(best, px[i]) : std::min(best, px[i]);
  }
  return best;
}
}  // namespace

Tensor sum(const Tensor& x_in, IntArrayRef dims_ref, bool keepdim) {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  check_defined("sum", x_in);
  // Integer and bool sums are int64, as in PyTorch.
  Tensor widened;
  const Tensor& x = is_floating_point(x_in.dtype()) || x_in.dtype() == kInt64 ? x_in : (widened = x_in.to(kInt64));
  if (dims.empty() && !keepdim) return sum(x);
  dims = normalize_dims(std::move(dims), x.dim(), "sum");
  Tensor out = make_tensor(reduced_shape(x.shape(), dims, keepdim), x.dtype());
  Tensor hold;
  if (x.dtype() == kInt64) sum_kernel<int64_t>(*dense(x, hold).impl(), dims, *out.impl());
  else XG_DISPATCH(x.dtype(), sum_kernel<T>(*dense(x, hold).impl(), dims, *out.impl()));
  if (any_requires_grad({&x})) {
    Shape input_shape = x.shape();
    Shape kept_shape = reduced_shape(x.shape(), dims, true);
    record(out, "SumBackward", {&x}, [input_shape, kept_shape](const Tensor& grad, Grads& grads) {
      grads.set(0, expand_copy(reshape(grad, kept_shape), input_shape));
    });
  }
  return out;
}

// The full reduction has its own path: it is in every loss, and the general one builds dim lists.
Tensor sum(const Tensor& x_in) {
  check_defined("sum", x_in);
  Tensor widened;
  const Tensor& x = is_floating_point(x_in.dtype()) || x_in.dtype() == kInt64 ? x_in : (widened = x_in.to(kInt64));
  Tensor out = make_tensor({}, x.dtype());
  Tensor hold;
  const Tensor& values = dense(x, hold);
  if (x.dtype() == kInt64) *out.impl()->data<int64_t>() = sum_all<int64_t>(values.impl()->data<int64_t>(), x.numel());
  else XG_DISPATCH(x.dtype(), *out.impl()->data<T>() = sum_all<T>(values.impl()->data<T>(), x.numel()));
  if (any_requires_grad({&x})) {
    Shape input_shape = x.shape();
    record(out, "SumBackward", {&x},
           [input_shape](const Tensor& grad, Grads& grads) { grads.set(0, expand_copy(grad, input_shape)); });
  }
  return out;
}

namespace {
void check_floating(const char* op, const Tensor& x) {
  check_defined(op, x);
  if (!is_floating_point(x.dtype()))
    throw Error(std::string(op) + ": expected a floating point tensor, got " + dtype_name(x.dtype()) +
                                " (convert it with .to(xg::kFloat32))");
}
}  // namespace

Tensor mean(const Tensor& x, IntArrayRef dims_ref, bool keepdim) {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  check_floating("mean", x);
  std::vector<int64_t> normalized = normalize_dims(dims, x.dim(), "mean");
  int64_t count = 1;
  for (int64_t d : normalized) count *= x.shape()[d];
  return div(sum(x, std::move(dims), keepdim), static_cast<double>(count));
}

// One op rather than sum then div: it ends nearly every loss, and a node fewer is measurable there.
Tensor mean(const Tensor& x) {
  check_floating("mean", x);
  const double count = static_cast<double>(x.numel());
  Tensor out = make_tensor({}, x.dtype());
  Tensor hold;
  const Tensor& values = dense(x, hold);
  XG_DISPATCH(x.dtype(), *out.impl()->data<T>() = sum_all<T>(values.impl()->data<T>(), x.numel()) / static_cast<T>(count));
  if (any_requires_grad({&x})) {
    Shape input_shape = x.shape();
    record(out, "MeanBackward", {&x}, [input_shape, count](const Tensor& grad, Grads& grads) {
      grads.set(0, expand_copy(div(grad, count), input_shape));
    });
  }
  return out;
}

static Tensor extremum_op(const Tensor& x, bool maximum) {
  const char* op = maximum ? "max" : "min";
  check_defined(op, x);
  if (x.numel() == 0)
    throw Error(std::string(op) + ": cannot reduce an empty tensor of shape " + shape_string(x.shape()));
  Tensor out = make_tensor({}, x.dtype());
  Tensor hold;
  XG_DISPATCH_ALL(x.dtype(), *out.impl()->data<T>() = extremum<T>(*dense(x, hold).impl(), maximum));
  if (any_requires_grad({&x})) {
    // Ties share the gradient evenly, as PyTorch's full reductions do; a NaN result came from the NaN
    // elements, so they get it.
    Tensor hits = std::isnan(out.item<double>()) ? mask_nan(x) : mask_equal(x, out);
    double count = sum(hits).item();
    record(out, maximum ? "MaxBackward" : "MinBackward", {&x},
           [hits, count](const Tensor& grad, Grads& grads) { grads.set(0, div(mul(hits, grad), count)); });
  }
  return out;
}
Tensor max(const Tensor& x) { return extremum_op(x, true); }
Tensor min(const Tensor& x) { return extremum_op(x, false); }

// PyTorch's broadcast_to is expand: a view.
Tensor broadcast_to(const Tensor& x, IntArrayRef shape_ref) {
  Shape shape = shape_ref.vec();  // owned: the argument may be a braced list
  check_defined("broadcast_to", x);
  if (x.shape() == shape) return x;
  if (shape.size() < x.shape().size() || broadcast_shapes("broadcast_to", x.shape(), shape) != shape)
    throw Error("broadcast_to: shape " + shape_string(x.shape()) + " cannot be broadcast to " +
                                shape_string(shape));
  return x.expand(std::move(shape));
}

Tensor expand_copy(const Tensor& x, Shape shape) {
  check_defined("expand_copy", x);
  if (x.shape() == shape) return x;
  if (shape.size() < x.shape().size() || broadcast_shapes("expand_copy", x.shape(), shape) != shape)
    throw Error("expand_copy: shape " + shape_string(x.shape()) + " cannot be broadcast to " +
                                shape_string(shape));
  Tensor out = make_tensor(std::move(shape), x.dtype());
  Tensor hold;
  XG_DISPATCH_ALL(x.dtype(), broadcast_copy<T>(*dense(x, hold).impl(), *out.impl()));
  if (any_requires_grad({&x})) {
    Shape input_shape = x.shape();
    record(out, "ExpandBackward", {&x},
           [input_shape](const Tensor& grad, Grads& grads) { grads.set(0, sum_to(grad, input_shape)); });
  }
  return out;
}

// One op (not sum + reshape): the engine calls it for every broadcast input, e.g. each bias gradient.
Tensor sum_to(const Tensor& x, const Shape& shape) {
  check_defined("sum_to", x);
  if (x.shape() == shape) return x;
  if (shape.empty()) return sum(x);
  const Shape& from = x.shape();
  if (shape.size() > from.size() || broadcast_shapes("sum_to", from, shape) != from)
    throw Error("sum_to: shape " + shape_string(from) + " cannot be summed to " + shape_string(shape));
  Tensor out = make_tensor(shape, x.dtype());
  Tensor hold;
  const TensorImpl& in = *dense(x, hold).impl();
  XG_DISPATCH(x.dtype(), {
    T* po = out.impl()->data<T>();
    const T* px = in.data<T>();
    const int64_t columns = out.numel();
    if (in.numel == 0) {
      std::fill(po, po + columns, T(0));  // sums of nothing (see sum_kernel)
    } else if (columns == 1) {
      po[0] = sum_all(px, in.numel);  // a single bias, a scalar parameter
    } else if (is_trailing_broadcast(shape, from)) {
      // Only leading dimensions go: add up rows (bias gradients), contiguous inner loop.
      std::fill(po, po + columns, T(0));
      for (int64_t row = 0; row < in.numel; row += columns)
        for (int64_t c = 0; c < columns; ++c) po[c] += px[row + c];
    } else if (BlockBroadcast blocks; block_broadcast(shape, from, blocks)) {
      // Per-row or per-channel values (see sum_kernel): add up contiguous blocks.
      std::fill(po, po + columns, T(0));
      for (int64_t o = 0; o < blocks.outer; ++o)
        for (int64_t m = 0; m < blocks.mid; ++m) {
          const T* block = px + (o * blocks.mid + m) * blocks.inner;
          po[m] += sum_lanes<T>(blocks.inner, [block](int64_t i) { return block[i]; });
        }
    } else {
      size_t lead = from.size() - shape.size();
      std::vector<size_t> axes;
      for (size_t d = 0; d < from.size(); ++d)
        if (d < lead || shape[d - lead] != from[d]) axes.push_back(d);
      Shape kept = reduced_shape(from, std::vector<int64_t>(axes.begin(), axes.end()), false);
      auto result = xt::adapt(po, static_cast<size_t>(columns), xt::no_ownership(), to_extents(kept));
      xt::noalias(result) = xt::sum(adapt<T>(in), axes, xt::evaluation_strategy::immediate);
    }
  });
  if (any_requires_grad({&x})) {
    Shape input_shape = from;
    record(out, "SumToBackward", {&x},
           [input_shape](const Tensor& grad, Grads& grads) { grads.set(0, expand_copy(grad, input_shape)); });
  }
  return out;
}

// ---------------------------------------------------------------- softmax family

namespace {
// Row-wise pass over `dim`: calls body(input, output, count, stride) for every line along dim.
template <class T, class Body>
void for_each_line(const TensorImpl& x, TensorImpl& out, int64_t dim, Body body) {
  int64_t count = x.shape.empty() ? 1 : x.shape[dim];
  int64_t inner = 1;
  for (size_t d = dim + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
  int64_t outer = count * inner == 0 ? 0 : x.numel / (count * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t base = o * count * inner + i;
      body(x.data<T>() + base, out.data<T>() + base, count, inner);
    }
}

// The largest of n values `stride` apart: the shift that keeps exp() from overflowing.
template <class T>
T line_max(const T* in, int64_t n, int64_t stride) {
  T top = in[0];
  for (int64_t j = 1; j < n; ++j) top = std::max(top, in[j * stride]);
  return top;
}
}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  check_floating("softmax", x);
  dim = normalize_dim(dim, x.dim(), "softmax");
  Tensor out = make_tensor(x.shape(), x.dtype());
  Tensor hold;
  XG_DISPATCH(x.dtype(), for_each_line<T>(*dense(x, hold).impl(), *out.impl(), dim, [](const T* in, T* to, int64_t n, int64_t stride) {
    const T top = line_max(in, n, stride);
    T total = 0;
    for (int64_t j = 0; j < n; ++j) total += (to[j * stride] = std::exp(in[j * stride] - top));
    for (int64_t j = 0; j < n; ++j) to[j * stride] /= total;
  }));
  if (any_requires_grad({&x})) {
    SavedTensor saved_out(out, true);
    record(out, "SoftmaxBackward", {&x}, [saved_out, dim](const Tensor& grad, Grads& grads) {
      Tensor y = saved_out.unpack(grads.node);
      grads.set(0, mul(y, sub(grad, sum(mul(grad, y), {dim}, true))));
    });
  }
  return out;
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  check_floating("log_softmax", x);
  dim = normalize_dim(dim, x.dim(), "log_softmax");
  Tensor out = make_tensor(x.shape(), x.dtype());
  Tensor hold;
  XG_DISPATCH(x.dtype(), for_each_line<T>(*dense(x, hold).impl(), *out.impl(), dim, [](const T* in, T* to, int64_t n, int64_t stride) {
    const T top = line_max(in, n, stride);
    T total = 0;
    for (int64_t j = 0; j < n; ++j) total += std::exp(in[j * stride] - top);
    T shift = top + std::log(total);
    for (int64_t j = 0; j < n; ++j) to[j * stride] = in[j * stride] - shift;
  }));
  if (any_requires_grad({&x})) {
    SavedTensor saved_out(out, true);
    record(out, "LogSoftmaxBackward", {&x}, [saved_out, dim](const Tensor& grad, Grads& grads) {
      Tensor y = saved_out.unpack(grads.node);
      grads.set(0, sub(grad, mul(exp(y), sum(grad, {dim}, true))));
    });
  }
  return out;
}

Tensor Tensor::softmax(int64_t dim) const { return xgrad::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return xgrad::log_softmax(*this, dim); }
Tensor Tensor::sum() const { return xgrad::sum(*this); }
Tensor Tensor::sum(IntArrayRef dims, bool keepdim) const { return xgrad::sum(*this, std::move(dims), keepdim); }
Tensor Tensor::mean() const { return xgrad::mean(*this); }
Tensor Tensor::mean(IntArrayRef dims, bool keepdim) const { return xgrad::mean(*this, std::move(dims), keepdim); }
Tensor Tensor::max() const { return xgrad::max(*this); }
Tensor Tensor::min() const { return xgrad::min(*this); }

}  // namespace xgrad

// Gather/scatter along a dim, index_add, masked_select, nonzero; flip, roll, repeat, tile; chunk/split/unbind
// (views); outer, dot, mv, bmm; tril/triu; one_hot. PyTorch 1.13's semantics: index tensors are int64
// (index_add also takes int32), indices are never negative here (PyTorch refuses them too), and a
// scatter's gradient is PyTorch's formula (a gather of the output gradient, so duplicated positions all
// receive it). einsum is in ops_einsum.cpp.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {

namespace {
// ---------------------------------------------------------------- shared helpers

std::string str(int64_t value) { return std::to_string(value); }
Shape at_least_1d(const Shape& shape) { return shape.empty() ? Shape{1} : shape; }
// Shape and element strides of a tensor, a 0-d one seen as [1] (PyTorch's gather/scatter treat it so).
struct Strided {
  Shape shape, strides;
};
Strided geometry_1d(const TensorImpl& impl) {
  if (impl.shape.empty()) return {{1}, {1}};
  return {impl.shape, strides_of(impl)};
}

// A new contiguous tensor with x's values (no history).
Tensor fresh_copy(const Tensor& x) {
  if (!x.impl()->is_contiguous()) {
    Tensor hold;
    dense_copy(x, hold);
    return hold;
  }
  Tensor out = make_tensor(x.shape(), x.dtype());
  if (x.numel() > 0) std::memcpy(out.impl()->raw(), x.impl()->raw(), dtype_size(x.dtype()) * static_cast<size_t>(x.numel()));
  return out;
}

// x itself, or a copy when it shares `other`'s storage (a kernel writing `other` must not read it).
const Tensor& unshared(const Tensor& x, const Tensor& other, Tensor& hold) {
  if (x.impl()->storage.get() != other.impl()->storage.get()) return x;
  hold = fresh_copy(x);
  return hold;
}

// The index tensor as dense int64; PyTorch's gather and scatter take int64 only, index_add int32 too.
const Tensor& index_values(const char* op, const Tensor& index, bool int32_ok, Tensor& hold) {
  check_defined(op, index);
  const Dtype type = index.dtype();
  if (type == kInt32 && int32_ok) {
    hold = index.to(kInt64);
    return hold;
  }
  if (type != kInt64)
    throw std::invalid_argument(std::string(op) + ": expected an index tensor of dtype int64" +
                                (int32_ok ? " or int32" : "") + ", got " + dtype_name(type));
  return dense(index, hold);
}

// Every index in [0, extent), else std::out_of_range naming the op, the index and the dimension's size.
void check_bounds(const char* op, const Tensor& index, int64_t dim, int64_t extent) {
  const int64_t* values = index.impl()->data<int64_t>();
  const int64_t n = index.numel();
  bool ok = true;
  for (int64_t i = 0; i < n; ++i) ok &= values[i] >= 0 && values[i] < extent;  // branch-free first pass
  if (ok) return;
  for (int64_t i = 0; i < n; ++i)
    if (values[i] < 0 || values[i] >= extent)
      throw std::out_of_range(std::string(op) + ": index " + str(values[i]) + " is out of bounds for dimension " +
                              str(dim) + " with size " + str(extent));
}

// A tensor seen as [outer, extent(dim), inner].
struct Lines {
  int64_t outer = 1, extent = 1, inner = 1;
  Lines(const Shape& shape, int64_t dim) {
    for (int64_t d = 0; d < dim; ++d) outer *= shape[d];
    extent = shape[dim];
    for (size_t d = dim + 1; d < shape.size(); ++d) inner *= shape[d];
  }
};
bool same_outside(const Shape& a, const Shape& b, int64_t dim) {
  if (a.size() != b.size()) return false;
  for (size_t d = 0; d < a.size(); ++d)
    if (static_cast<int64_t>(d) != dim && a[d] != b[d]) return false;
  return true;
}

template <class T>
void accumulate(T& target, T value) {
  if constexpr (std::is_same<T, bool>::value) target = target || value;
  else target += value;
}

// ---------------------------------------------------------------- gather / scatter kernels

// out[p] = self[p with coordinate dim replaced by index[p]], p over the index's shape.
template <class T>
void gather_kernel(const TensorImpl& self, int64_t dim, const int64_t* index, const Shape& index_shape, T* out) {
  Strided g = geometry_1d(self);
  const T* in = self.data<T>();
  if (self.is_contiguous() && same_outside(g.shape, index_shape, dim)) {
    // The common case (a label per row, a whole block along dim): three flat loops.
    const Lines source(g.shape, dim), lines(index_shape, dim);
    const int64_t inner = lines.inner;
    for (int64_t o = 0; o < lines.outer; ++o) {
      const T* block = in + o * source.extent * inner;
      for (int64_t j = 0; j < lines.extent; ++j) {
        const int64_t row = (o * lines.extent + j) * inner;
        for (int64_t i = 0; i < inner; ++i) out[row + i] = block[index[row + i] * inner + i];
      }
    }
    return;
  }
  const int64_t step = g.strides[dim];
  g.strides[dim] = 0;
  for_each_element(index_shape, g.strides, contiguous_strides(index_shape),
                   [&](int64_t a, int64_t b) { out[b] = in[a + index[b] * step]; });
}

// target[p with coordinate dim replaced by index[p]] = (or +=) source[p] (or value), p over the index's
// shape in row-major order: with repeated positions the last write wins, as PyTorch's CPU kernel.
template <class T, bool kAdd>
void scatter_kernel(TensorImpl& target, int64_t dim, const int64_t* index, const Shape& index_shape, const T* source,
                    T value) {
  Strided g = geometry_1d(target);
  T* out = target.data<T>();
  auto put = [&](T& slot, int64_t b) {
    const T v = source ? source[b] : value;
    if constexpr (kAdd) accumulate(slot, v);
    else slot = v;
  };
  if (target.is_contiguous() && same_outside(g.shape, index_shape, dim)) {
    const Lines into(g.shape, dim), lines(index_shape, dim);
    const int64_t inner = lines.inner;
    for (int64_t o = 0; o < lines.outer; ++o) {
      T* block = out + o * into.extent * inner;
      for (int64_t j = 0; j < lines.extent; ++j) {
        const int64_t row = (o * lines.extent + j) * inner;
        for (int64_t i = 0; i < inner; ++i) put(block[index[row + i] * inner + i], row + i);
      }
    }
    return;
  }
  const int64_t step = g.strides[dim];
  g.strides[dim] = 0;
  for_each_element(index_shape, g.strides, contiguous_strides(index_shape),
                   [&](int64_t a, int64_t b) { put(out[a + index[b] * step], b); });
}

// PyTorch's shape rules for gather (src == nullptr, self is the input) and scatter (self is the target):
// index has self's rank (0-d counting as 1-d), is no larger than self outside dim, and no larger than src
// anywhere. An empty index skips them all, as in PyTorch.
void check_index_shape(const char* op, const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src) {
  if (index.numel() == 0) return;
  const Shape self_shape = at_least_1d(self.shape()), index_shape = at_least_1d(index.shape());
  if (index_shape.size() != self_shape.size())
    throw std::invalid_argument(std::string(op) + ": index tensor of shape " + shape_string(index.shape()) +
                                " must have the same number of dimensions as the " + (src ? "self" : "input") +
                                " tensor of shape " + shape_string(self.shape()));
  bool fits = true;
  for (size_t d = 0; d < self_shape.size(); ++d)
    if (static_cast<int64_t>(d) != dim && index_shape[d] > self_shape[d]) fits = false;
  if (src) {
    const Shape src_shape = at_least_1d(src->shape());
    if (src_shape.size() != index_shape.size())
      throw std::invalid_argument(std::string(op) + ": src tensor of shape " + shape_string(src->shape()) +
                                  " must have the same number of dimensions as the index of shape " +
                                  shape_string(index.shape()));
    for (size_t d = 0; d < src_shape.size(); ++d)
      if (index_shape[d] > src_shape[d]) fits = false;
  }
  if (!fits)
    throw std::invalid_argument(std::string(op) + ": index of shape " + shape_string(index.shape()) +
                                " must not be larger than " + (src ? "self" : "the input") + " of shape " +
                                shape_string(self.shape()) + " apart from dimension " + str(dim) +
                                (src ? " nor larger than src of shape " + shape_string(src->shape()) : std::string()));
}

// The elements of `src` at the positions of the index's shape (src may be larger), dense.
Tensor source_part(const Tensor& src, const Shape& index_shape) {
  Strided g = geometry_1d(*src.impl());
  if (g.shape == index_shape && src.impl()->is_contiguous()) return src;
  Tensor view = make_view(src, index_shape, g.strides, src.impl()->offset);
  return fresh_copy(view);
}

// Checks and validated inputs of one scatter or scatter_add.
struct ScatterArgs {
  int64_t dim;
  Tensor index;   // dense int64
  Tensor source;  // dense, the index's shape (undefined for the value form)
  Shape index_shape;
};
// Without `prepare`, only the checks run (no copy of src).
ScatterArgs scatter_args(const char* op, const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src,
                         const Scalar* value, bool prepare = true) {
  check_defined(op, self);
  check_defined(op, index);
  if (src) {
    check_defined(op, *src);
    if (src->dtype() != self.dtype())
      throw std::invalid_argument(std::string(op) + ": expected self's dtype " + dtype_name(self.dtype()) +
                                  " to equal src's dtype " + dtype_name(src->dtype()));
  }
  if (value) check_fill_value(op, *value, self.dtype());
  ScatterArgs args;
  args.dim = normalize_dim(dim, self.dim(), op);
  Tensor hold;
  args.index = index_values(op, index, false, hold);
  check_index_shape(op, self, args.dim, index, src);
  args.index_shape = at_least_1d(index.shape());
  if (index.numel() > 0) {
    check_bounds(op, args.index, args.dim, at_least_1d(self.shape())[args.dim]);
    if (src && prepare) args.source = source_part(*src, args.index_shape);
  }
  return args;
}

void run_scatter(TensorImpl& target, const ScatterArgs& args, const Scalar& value, bool add) {
  if (args.index.numel() == 0) return;
  const int64_t* index = args.index.impl()->data<int64_t>();
  XG_DISPATCH_ALL(target.dtype, {
    const T* source = args.source.defined() ? args.source.impl()->data<T>() : nullptr;
    const T fill = value.to<T>();
    if (add) scatter_kernel<T, true>(target, args.dim, index, args.index_shape, source, fill);
    else scatter_kernel<T, false>(target, args.dim, index, args.index_shape, source, fill);
  });
}

// The gradient for src: the output gradient gathered at the index (PyTorch's formula), zero where src is
// larger than the index (PyTorch 1.13 fails there with "invalid gradient"; this is the derivative).
Tensor source_gradient(const Tensor& grad, int64_t dim, const Tensor& index, const Shape& src_shape) {
  if (index.numel() == 0) return zeros(src_shape, dtype(grad.dtype()));
  Tensor g = gather(grad, dim, index);
  if (g.shape() == src_shape) return g;
  if (g.numel() == checked_numel(src_shape, "scatter") || src_shape.empty()) return g.reshape(src_shape);
  for (size_t d = 0; d < src_shape.size(); ++d) {
    const int64_t missing = src_shape[d] - g.shape()[d];
    if (missing == 0) continue;
    Shape pad = g.shape();
    pad[d] = missing;
    g = cat({g, zeros(pad, dtype(grad.dtype()))}, static_cast<int64_t>(d));
  }
  return g;
}

// Out of place: a copy of self with the scatter applied; differentiable in self and src.
Tensor scatter_out(const char* op, const Tensor& self, int64_t dim_in, const Tensor& index, const Tensor* src,
                   const Scalar& value, bool add) {
  ScatterArgs args = scatter_args(op, self, dim_in, index, src, src ? nullptr : &value);
  Tensor out = fresh_copy(self);
  run_scatter(*out.impl(), args, value, add);
  if (any_requires_grad({&self}) || (src && any_requires_grad({src}))) {
    SavedTensor saved(index, false);
    const int64_t dim = args.dim;
    const Shape src_shape = src ? src->shape() : Shape{};
    auto backward = [saved, dim, src_shape, add](const Tensor& grad, Grads& grads) {
      Tensor positions = saved.unpack(grads.node);
      // scatter overwrites the positions it writes: self's gradient is zero there; scatter_add keeps it.
      if (grads.needs(0)) grads.set(0, add ? grad : scatter(grad, dim, positions, Scalar(0)));
      if (grads.node->edges.size() > 1 && grads.needs(1)) grads.set(1, source_gradient(grad, dim, positions, src_shape));
    };
    const char* name = add ? "ScatterAddBackward" : "ScatterBackward";
    if (src) record(out, name, {&self, src}, std::move(backward));
    else record(out, name, {&self}, std::move(backward));
  }
  return out;
}

// In place: straight into self's storage when nothing is recorded and self is contiguous; otherwise the
// out-of-place form through apply_inplace (views, history).
Tensor& scatter_inplace(const char* op, Tensor& self, int64_t dim, const Tensor& index, const Tensor* src,
                        const Scalar& value, bool add) {
  check_inplace_allowed(op, self);
  check_defined(op, index);
  if (src) check_defined(op, *src);
  const bool record = GradMode::is_enabled() && (self.requires_grad() || (src && src->requires_grad()));
  if (!record && self.impl()->is_contiguous()) {
    Tensor hold_src, hold_index;
    const Tensor* source = src ? &unshared(*src, self, hold_src) : nullptr;
    ScatterArgs args = scatter_args(op, self, dim, unshared(index, self, hold_index), source, src ? nullptr : &value);
    run_scatter(*self.impl(), args, value, add);
    bump_version(self);
    return self;
  }
  scatter_args(op, self, dim, index, src, src ? nullptr : &value, false);  // errors before any write
  const TensorImpl* body = self.impl();
  return apply_inplace(op, self, record, [&](const Tensor& previous) {
    const Tensor* source = src && src->impl() == body ? &previous : src;
    return scatter_out(op, previous, dim, index, source, value, add);
  });
}

// ---------------------------------------------------------------- index_add

struct IndexAddArgs {
  int64_t dim;
  Tensor index;   // dense int64, 1-d
  Tensor source;  // dense
};
IndexAddArgs index_add_args(const char* op, const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  check_defined(op, self);
  check_defined(op, source);
  IndexAddArgs args;
  Tensor hold;
  args.index = index_values(op, index, true, hold);
  if (index.dim() > 1)
    throw std::invalid_argument(std::string(op) + ": index is supposed to be a vector, got shape " +
                                shape_string(index.shape()));
  if (source.dtype() != self.dtype())
    throw std::invalid_argument(std::string(op) + ": self (" + dtype_name(self.dtype()) + ") and source (" +
                                dtype_name(source.dtype()) + ") must have the same dtype");
  args.dim = normalize_dim(dim, self.dim(), op);
  const Shape self_shape = at_least_1d(self.shape()), source_shape = at_least_1d(source.shape());
  const int64_t count = index.numel();
  if (source_shape.size() != self_shape.size())
    throw std::invalid_argument(std::string(op) + ": source of shape " + shape_string(source.shape()) +
                                " must have as many dimensions as self of shape " + shape_string(self.shape()));
  if (source_shape[args.dim] != count)
    throw std::invalid_argument(std::string(op) + ": number of indices (" + str(count) +
                                ") should be equal to source.size(dim) (" + str(source_shape[args.dim]) +
                                "), for dim " + str(args.dim));
  if (!same_outside(source_shape, self_shape, args.dim))
    throw std::invalid_argument(std::string(op) + ": source of shape " + shape_string(source.shape()) +
                                " must match self of shape " + shape_string(self.shape()) + " outside dimension " +
                                str(args.dim));
  check_bounds(op, args.index, args.dim, self_shape[args.dim]);
  Tensor hold_source;
  args.source = dense(source, hold_source);
  return args;
}

// target (contiguous) [o, index[i], :] += alpha * source[o, i, :].
void run_index_add(TensorImpl& target, const IndexAddArgs& args, const Scalar& alpha) {
  const int64_t count = args.index.numel();
  if (count == 0 || target.numel == 0) return;
  const Lines into(at_least_1d(target.shape), args.dim);
  const int64_t* index = args.index.impl()->data<int64_t>();
  XG_DISPATCH_ALL(target.dtype, {
    const T* in = args.source.impl()->data<T>();
    T* out = target.data<T>();
    const T scale = alpha.to<T>();  // an integer tensor truncates a floating alpha, as PyTorch 1.13
    const bool unit = alpha.toDouble() == 1;
    const int64_t inner = into.inner;
    for (int64_t o = 0; o < into.outer; ++o)
      for (int64_t i = 0; i < count; ++i) {
        const T* from = in + (o * count + i) * inner;
        T* to = out + (o * into.extent + index[i]) * inner;
        if constexpr (std::is_same<T, bool>::value) {
          for (int64_t k = 0; k < inner; ++k) to[k] = to[k] || (scale && from[k]);
        } else if (unit) {
          for (int64_t k = 0; k < inner; ++k) to[k] += from[k];
        } else {
          for (int64_t k = 0; k < inner; ++k) to[k] += scale * from[k];
        }
      }
  });
}

Tensor index_add_out(const Tensor& self, int64_t dim_in, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  IndexAddArgs args = index_add_args("index_add", self, dim_in, index, source);
  Tensor out = fresh_copy(self);
  run_index_add(*out.impl(), args, alpha);
  if (any_requires_grad({&self, &source})) {
    SavedTensor saved(index, false);
    const int64_t dim = args.dim;
    const Shape source_shape = source.shape();
    record(out, "IndexAddBackward", {&self, &source}, [saved, dim, source_shape, alpha](const Tensor& grad, Grads& grads) {
      if (grads.needs(0)) grads.set(0, grad);
      if (grads.needs(1)) {
        std::vector<int64_t> rows = saved.unpack(grads.node).to_vector<int64_t>();
        Tensor g = index_select(grad, dim, rows);
        if (alpha.toDouble() != 1) g = mul(g, alpha);
        grads.set(1, g.shape() == source_shape ? g : g.reshape(source_shape));
      }
    });
  }
  return out;
}

// ---------------------------------------------------------------- tril / triu

// Zeroes, in every [rows, cols] matrix of contiguous `data`, the elements outside the kept triangle:
// tril keeps j - i <= diagonal, triu keeps j - i >= diagonal.
template <class T>
void triangle_kernel(T* data, int64_t matrices, int64_t rows, int64_t cols, int64_t diagonal, bool lower) {
  diagonal = std::min(std::max(diagonal, -rows - 1), cols + 1);  // no overflow in i + diagonal below
  for (int64_t m = 0; m < matrices; ++m)
    for (int64_t i = 0; i < rows; ++i) {
      T* row = data + (m * rows + i) * cols;
      if (lower) {
        const int64_t from = std::max<int64_t>(0, i + diagonal + 1);
        if (from < cols) std::fill(row + from, row + cols, T(0));
      } else {
        const int64_t to = std::min(cols, std::max<int64_t>(0, i + diagonal));
        std::fill(row, row + to, T(0));
      }
    }
}

void check_matrix(const char* op, const Tensor& x) {
  check_defined(op, x);
  if (x.dim() < 2)
    throw std::invalid_argument(std::string(op) + ": input tensor must have at least 2 dimensions, got shape " +
                                shape_string(x.shape()));
}

void run_triangle(TensorImpl& target, int64_t diagonal, bool lower) {
  const int64_t rows = target.shape[target.shape.size() - 2], cols = target.shape.back();
  if (target.numel == 0) return;
  const int64_t matrices = target.numel / (rows * cols);
  XG_DISPATCH_ALL(target.dtype, triangle_kernel<T>(target.data<T>(), matrices, rows, cols, diagonal, lower));
}

Tensor triangle(const char* op, const Tensor& x, int64_t diagonal, bool lower) {
  check_matrix(op, x);
  Tensor out = fresh_copy(x);
  run_triangle(*out.impl(), diagonal, lower);
  record(out, lower ? "TrilBackward" : "TriuBackward", {&x}, [diagonal, lower](const Tensor& grad, Grads& grads) {
    grads.set(0, lower ? tril(grad, diagonal) : triu(grad, diagonal));
  });
  return out;
}

Tensor& triangle_(const char* op, Tensor& self, int64_t diagonal, bool lower) {
  check_inplace_allowed(op, self);
  check_matrix(op, self);
  const bool record = GradMode::is_enabled() && self.requires_grad();
  if (!record && self.impl()->is_contiguous()) {
    run_triangle(*self.impl(), diagonal, lower);
    bump_version(self);
    return self;
  }
  return apply_inplace(op, self, record, [op, diagonal, lower](const Tensor& previous) {
    return triangle(op, previous, diagonal, lower);
  });
}

// ---------------------------------------------------------------- flip, roll, repeat

std::vector<int64_t> unique_dims(const char* op, std::vector<int64_t> dims, int64_t rank) {
  std::vector<bool> seen(static_cast<size_t>(std::max<int64_t>(rank, 1)), false);
  for (int64_t& d : dims) {
    d = normalize_dim(d, rank, op);
    if (seen[d]) throw std::invalid_argument(std::string(op) + ": dim " + str(d) + " appears multiple times in the list of dims");
    seen[d] = true;
  }
  return dims;
}

// x rolled along each (dim, shift) in turn; no history.
Tensor rolled(const Tensor& x, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims) {
  if (x.numel() == 0) return fresh_copy(x);
  Tensor hold;
  Tensor current = dense(x, hold);  // read in place when contiguous: each roll writes a new tensor
  bool fresh = !x.impl()->is_contiguous();
  for (size_t k = 0; k < dims.size(); ++k) {
    const Lines lines(x.shape(), dims[k]);
    const int64_t n = lines.extent;
    const int64_t s = ((shifts[k] % n) + n) % n;
    if (s == 0) continue;
    Tensor next = make_tensor(x.shape(), x.dtype());
    const size_t element = dtype_size(x.dtype());
    const char* in = static_cast<const char*>(current.impl()->raw());
    char* out = static_cast<char*>(next.impl()->raw());
    const size_t row = element * static_cast<size_t>(lines.inner);
    for (int64_t o = 0; o < lines.outer; ++o) {
      const char* from = in + o * n * row;
      char* to = out + o * n * row;
      std::memcpy(to + s * row, from, (n - s) * row);  // rows [0, n - s) move to [s, n)
      std::memcpy(to, from + (n - s) * row, s * row);  // and the last s rows wrap to the front
    }
    current = std::move(next);
    fresh = true;
  }
  return fresh ? current : fresh_copy(current);
}

Tensor roll_dims(const Tensor& x, std::vector<int64_t> shifts, std::vector<int64_t> dims) {
  check_defined("roll", x);
  if (shifts.empty()) throw std::invalid_argument("roll: `shifts` required");
  if (dims.empty()) {
    if (shifts.size() != 1)
      throw std::invalid_argument("roll: shifts and dimensions must align. shifts: " + str(shifts.size()) + ", dims: 0");
    // No dims: the flattened tensor rolls, then takes its shape back.
    return roll_dims(x.reshape({-1}), shifts, {0}).reshape(x.shape());
  }
  if (shifts.size() != dims.size())
    throw std::invalid_argument("roll: shifts and dimensions must align. shifts: " + str(shifts.size()) +
                                ", dims: " + str(dims.size()));
  if (x.dim() == 0) throw std::invalid_argument("roll: dimension specified as " + str(dims[0]) + " but the tensor has no dimensions");
  for (int64_t& d : dims) d = normalize_dim(d, x.dim(), "roll");
  Tensor out = rolled(x, shifts, dims);
  if (any_requires_grad({&x})) {
    std::vector<int64_t> back(shifts.size());  // each shift undone, reduced modulo the size (no overflow)
    for (size_t k = 0; k < shifts.size(); ++k) {
      const int64_t n = x.shape()[dims[k]];
      back[k] = n == 0 ? 0 : -(((shifts[k] % n) + n) % n);
    }
    record(out, "RollBackward", {&x}, [back, dims](const Tensor& grad, Grads& grads) {
      grads.set(0, roll(grad, back, dims));
    });
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- gather / scatter / index_add

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index, bool /*sparse_grad: gradients are dense*/) {
  check_defined("gather", self);
  Tensor hold;
  const Tensor& positions = index_values("gather", index, false, hold);
  dim = normalize_dim(dim, self.dim(), "gather");
  Tensor out = make_tensor(index.shape(), self.dtype());
  if (index.numel() > 0) {
    check_index_shape("gather", self, dim, index, nullptr);
    check_bounds("gather", positions, dim, at_least_1d(self.shape())[dim]);
    const int64_t* values = positions.impl()->data<int64_t>();
    const Shape index_shape = at_least_1d(index.shape());
    XG_DISPATCH_ALL(self.dtype(), gather_kernel<T>(*self.impl(), dim, values, index_shape, out.impl()->data<T>()));
  }
  if (any_requires_grad({&self})) {
    SavedTensor saved(index, false);
    const Shape self_shape = self.shape();
    record(out, "GatherBackward", {&self}, [saved, dim, self_shape](const Tensor& grad, Grads& grads) {
      grads.set(0, scatter_add(zeros(self_shape, dtype(grad.dtype())), dim, saved.unpack(grads.node), grad));
    });
  }
  return out;
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_out("scatter", self, dim, index, &src, Scalar(), false);
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, Scalar value) {
  return scatter_out("scatter", self, dim, index, nullptr, value, false);
}
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_out("scatter_add", self, dim, index, &src, Scalar(), true);
}
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_inplace("scatter_", self, dim, index, &src, Scalar(), false);
}
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, Scalar value) {
  return scatter_inplace("scatter_", self, dim, index, nullptr, value, false);
}
Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_inplace("scatter_add_", self, dim, index, &src, Scalar(), true);
}

Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  return index_add_out(self, dim, index, source, alpha);
}
Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  check_inplace_allowed("index_add_", self);
  check_defined("index_add_", index);
  check_defined("index_add_", source);
  const bool record = GradMode::is_enabled() && (self.requires_grad() || source.requires_grad());
  if (!record && self.impl()->is_contiguous()) {
    Tensor hold_source, hold_index;
    IndexAddArgs args =
        index_add_args("index_add_", self, dim, unshared(index, self, hold_index), unshared(source, self, hold_source));
    run_index_add(*self.impl(), args, alpha);
    bump_version(self);
    return self;
  }
  index_add_args("index_add_", self, dim, index, source);  // errors before any write
  const TensorImpl* body = self.impl();
  return apply_inplace("index_add_", self, record, [&](const Tensor& previous) {
    return index_add_out(previous, dim, index, source.impl() == body ? previous : source, alpha);
  });
}

// ---------------------------------------------------------------- masked_select, nonzero

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  check_defined("masked_select", self);
  check_defined("masked_select", mask);
  if (mask.dtype() != kBool)
    throw std::invalid_argument(std::string("masked_select: expected a bool mask, got ") + dtype_name(mask.dtype()));
  const Shape shape = broadcast_shapes("masked_select", self.shape(), mask.shape());
  const Tensor wide = mask.shape() == shape ? mask : mask.expand(shape);
  Tensor hold_mask;
  const Tensor& flags = dense(wide, hold_mask);
  const bool* keep = flags.impl()->data<bool>();
  const int64_t total = flags.numel();
  int64_t count = 0;
  for (int64_t i = 0; i < total; ++i) count += keep[i];
  // self's strides broadcast to `shape` (0 along broadcast dims).
  Shape strides(shape.size(), 0);
  const Shape own = strides_of(*self.impl());
  const size_t lead = shape.size() - own.size();
  for (size_t d = 0; d < own.size(); ++d)
    if (self.shape()[d] == shape[lead + d]) strides[lead + d] = own[d];
  Tensor out = make_tensor({count}, self.dtype());
  auto positions = std::make_shared<std::vector<int64_t>>();
  const bool grad = any_requires_grad({&self});
  if (grad) positions->reserve(static_cast<size_t>(count));
  XG_DISPATCH_ALL(self.dtype(), {
    const T* in = self.impl()->data<T>();
    T* to = out.impl()->data<T>();
    int64_t k = 0;
    if (self.impl()->is_contiguous() && self.shape() == shape) {
      for (int64_t i = 0; i < total; ++i)
        if (keep[i]) to[k++] = in[i];
    } else {
      for_each_element(shape, strides, contiguous_strides(shape), [&](int64_t a, int64_t b) {
        if (keep[b]) to[k++] = in[a];
      });
    }
  });
  if (grad) {
    for (int64_t i = 0; i < total; ++i)
      if (keep[i]) positions->push_back(i);
    const Shape self_shape = self.shape();
    record(out, "MaskedSelectBackward", {&self}, [positions, shape, total, self_shape](const Tensor& g, Grads& grads) {
      grads.set(0, sum_to(index_add_zeros(g, {total}, 0, *positions).reshape(shape), self_shape));
    });
  }
  return out;
}

Tensor nonzero(const Tensor& self) {
  check_defined("nonzero", self);
  Tensor hold;
  const Tensor& x = dense(self, hold);
  const int64_t rank = self.dim(), total = self.numel();
  std::vector<uint8_t> flags(static_cast<size_t>(total));
  XG_DISPATCH_ALL(self.dtype(), {
    const T* in = x.impl()->data<T>();
    for (int64_t i = 0; i < total; ++i) flags[i] = in[i] != T(0);  // NaN counts as nonzero
  });
  int64_t count = 0;
  for (uint8_t f : flags) count += f;
  Tensor out = make_tensor({count, rank}, kInt64);
  int64_t* to = out.impl()->data<int64_t>();
  std::vector<int64_t> coordinate(static_cast<size_t>(rank), 0);
  for (int64_t i = 0; i < total; ++i) {
    if (flags[i]) {
      std::copy(coordinate.begin(), coordinate.end(), to);
      to += rank;
    }
    for (int64_t d = rank - 1; d >= 0 && ++coordinate[d] == self.shape()[d]; --d) coordinate[d] = 0;
  }
  return out;
}

// ---------------------------------------------------------------- flip, roll, repeat, tile

Tensor flip(const Tensor& self, IntArrayRef dims_ref) {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  check_defined("flip", self);
  dims = unique_dims("flip", std::move(dims), self.dim());
  Tensor out = make_tensor(self.shape(), self.dtype());
  if (self.dim() == 0 || dims.empty()) {
    out = fresh_copy(self);
  } else if (self.numel() > 0) {
    // Read through negated strides from the last element of each flipped dim.
    Shape strides = strides_of(*self.impl());
    int64_t start = 0;
    for (int64_t d : dims) {
      start += (self.shape()[d] - 1) * strides[d];
      strides[d] = -strides[d];
    }
    XG_DISPATCH_ALL(self.dtype(), {
      const T* in = self.impl()->data<T>() + start;
      T* to = out.impl()->data<T>();
      for_each_element(self.shape(), strides, contiguous_strides(self.shape()),
                       [in, to](int64_t a, int64_t b) { to[b] = in[a]; });
    });
  }
  record(out, "FlipBackward", {&self}, [dims](const Tensor& grad, Grads& grads) { grads.set(0, flip(grad, dims)); });
  return out;
}

Tensor roll(const Tensor& self, IntArrayRef shifts_ref, IntArrayRef dims_ref) {
  Shape shifts = shifts_ref.vec();  // owned: the argument may be a braced list
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return roll_dims(self, std::move(shifts), std::move(dims));
}
Tensor roll(const Tensor& self, int64_t shifts, std::optional<int64_t> dim) {
  return roll_dims(self, {shifts}, dim ? std::vector<int64_t>{*dim} : std::vector<int64_t>{});
}

Tensor repeat(const Tensor& self, IntArrayRef repeats_ref) {
  Shape repeats = repeats_ref.vec();  // owned: the argument may be a braced list
  check_defined("repeat", self);
  const int64_t rank = self.dim(), n = static_cast<int64_t>(repeats.size());
  if (n < rank)
    throw std::invalid_argument("repeat: number of dimensions of repeat dims (" + str(n) +
                                ") can not be smaller than number of dimensions of tensor (" + str(rank) + ")");
  // self seen with leading 1s as [p0, p1, ...]; the output [r0 p0, r1 p1, ...] is, in row-major order, the
  // view [r0, p0, r1, p1, ...] with stride 0 along every r.
  Shape padded(static_cast<size_t>(n - rank), 1), own = strides_of(*self.impl());
  padded.insert(padded.end(), self.shape().begin(), self.shape().end());
  Shape padded_strides(static_cast<size_t>(n - rank), 0);
  padded_strides.insert(padded_strides.end(), own.begin(), own.end());
  Shape shape(static_cast<size_t>(n)), interleaved, interleaved_strides;
  for (int64_t d = 0; d < n; ++d) {
    if (repeats[d] < 0)
      throw std::invalid_argument("repeat: trying to create tensor with negative dimension " + str(repeats[d]) +
                                  ": " + shape_string(repeats));
    if (__builtin_mul_overflow(repeats[d], padded[d], &shape[d]))
      throw std::invalid_argument("repeat: the size of dimension " + str(d) + " overflows");
    interleaved.insert(interleaved.end(), {repeats[d], padded[d]});
    interleaved_strides.insert(interleaved_strides.end(), {0, padded_strides[d]});
  }
  checked_numel(shape, "repeat");
  Tensor out = make_tensor(shape, self.dtype());
  if (out.numel() > 0) {
    XG_DISPATCH_ALL(self.dtype(), {
      const T* in = self.impl()->data<T>();
      T* to = out.impl()->data<T>();
      for_each_element(interleaved, interleaved_strides, contiguous_strides(interleaved),
                       [in, to](int64_t a, int64_t b) { to[b] = in[a]; });
    });
  }
  if (any_requires_grad({&self})) {
    const Shape self_shape = self.shape();
    std::vector<int64_t> copies;
    for (int64_t d = 0; d < n; ++d) copies.push_back(2 * d);
    record(out, "RepeatBackward", {&self}, [interleaved, copies, self_shape](const Tensor& grad, Grads& grads) {
      grads.set(0, sum(grad.reshape(interleaved), copies).reshape(self_shape));
    });
  }
  return out;
}

Tensor tile(const Tensor& self, IntArrayRef reps_in) {
  check_defined("tile", self);
  Shape reps = reps_in.vec();
  // Fewer reps than dims: leading 1s (numpy.tile), so tile({2}) repeats the last dim.
  if (static_cast<int64_t>(reps.size()) < self.dim()) reps.insert(reps.begin(), self.dim() - reps.size(), 1);
  return repeat(self, std::move(reps));
}

// ---------------------------------------------------------------- chunk, split, unbind (views)

std::vector<Tensor> split(const Tensor& self, int64_t split_size, int64_t dim) {
  check_defined("split", self);
  if (self.dim() == 0) throw std::invalid_argument("split: expects at least a 1-dimensional tensor");
  dim = normalize_dim(dim, self.dim(), "split");
  if (split_size < 0)
    throw std::invalid_argument("split: expects split_size be non-negative, but got split_size=" + str(split_size));
  const int64_t size = self.shape()[dim];
  if (split_size == 0 && size != 0)
    throw std::invalid_argument("split: split_size can only be 0 if dimension size is 0, but got dimension size of " +
                                str(size));
  const int64_t count = split_size == 0 ? 1 : std::max<int64_t>((size + split_size - 1) / split_size, 1);
  std::vector<Tensor> parts;
  parts.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t start = i * split_size;
    parts.push_back(self.narrow(dim, start, std::min(split_size, size - start)));
  }
  return parts;
}

std::vector<Tensor> split_with_sizes(const Tensor& self, IntArrayRef split_sizes_ref, int64_t dim) {
  Shape split_sizes = split_sizes_ref.vec();  // owned: the argument may be a braced list
  check_defined("split_with_sizes", self);
  if (self.dim() == 0) throw std::invalid_argument("split_with_sizes: expects at least a 1-dimensional tensor");
  dim = normalize_dim(dim, self.dim(), "split_with_sizes");
  const int64_t size = self.shape()[dim];
  int64_t total = 0;
  for (int64_t length : split_sizes) {
    if (length < 0)
      throw std::invalid_argument("split_with_sizes: expects split_sizes have only non-negative entries, but got split_sizes=" +
                                  shape_string(split_sizes));
    if (__builtin_add_overflow(total, length, &total)) total = -1;
  }
  if (total != size)
    throw std::invalid_argument("split_with_sizes: expects split_sizes to sum exactly to " + str(size) +
                                " (input tensor's size at dimension " + str(dim) + "), but got split_sizes=" +
                                shape_string(split_sizes));
  std::vector<Tensor> parts;
  parts.reserve(split_sizes.size());
  int64_t start = 0;
  for (int64_t length : split_sizes) {
    parts.push_back(self.narrow(dim, start, length));
    start += length;
  }
  return parts;
}
std::vector<Tensor> split(const Tensor& self, IntArrayRef split_sizes_ref, int64_t dim) {
  Shape split_sizes = split_sizes_ref.vec();  // owned: the argument may be a braced list
  return split_with_sizes(self, std::move(split_sizes), dim);
}

std::vector<Tensor> chunk(const Tensor& self, int64_t chunks, int64_t dim) {
  check_defined("chunk", self);
  if (self.dim() == 0) throw std::invalid_argument("chunk: expects at least a 1-dimensional tensor");
  if (chunks <= 0) throw std::invalid_argument("chunk: expects `chunks` to be greater than 0, got: " + str(chunks));
  dim = normalize_dim(dim, self.dim(), "chunk");
  const int64_t size = self.shape()[dim];
  const int64_t split_size = (size + chunks - 1) / chunks;
  // An empty dim gives `chunks` empty pieces (PyTorch's special case); otherwise pieces of split_size.
  if (split_size == 0 && size == 0) return split_with_sizes(self, std::vector<int64_t>(static_cast<size_t>(chunks), 0), dim);
  return split(self, split_size, dim);
}

std::vector<Tensor> unbind(const Tensor& self, int64_t dim) {
  check_defined("unbind", self);
  if (self.dim() == 0) throw std::invalid_argument("unbind: dimension specified as " + str(dim) + " but the tensor has no dimensions");
  dim = normalize_dim(dim, self.dim(), "unbind");
  std::vector<Tensor> parts;
  parts.reserve(static_cast<size_t>(self.shape()[dim]));
  for (int64_t i = 0; i < self.shape()[dim]; ++i) parts.push_back(self.select(dim, i));
  return parts;
}

// ---------------------------------------------------------------- products

namespace {
void check_vector(const char* op, const Tensor& x, const char* which) {
  check_defined(op, x);
  if (x.dim() != 1)
    throw std::invalid_argument(std::string(op) + ": expected 1-D argument " + which + ", but got " + str(x.dim()) +
                                "-D (shape " + shape_string(x.shape()) + ")");
}
void check_product_dtypes(const char* op, const Tensor& a, const Tensor& b) {
  check_same_dtype(op, a, b);
  if (a.dtype() == kBool) throw std::invalid_argument(std::string(op) + ": not implemented for bool tensors");
}
// Integer products (BLAS is floating point only): broadcast multiply and sum over `dim`, in the operands' dtype.
Tensor integer_product(const Tensor& a, const Tensor& b, int64_t dim, Dtype dtype) {
  return sum(mul(a, b), {dim}).to(dtype);
}
}  // namespace

Tensor outer(const Tensor& self, const Tensor& vec2) {
  check_vector("outer", self, "self");
  check_vector("outer", vec2, "vec2");
  return mul(self.unsqueeze(1), vec2);  // promotes like PyTorch's (self.reshape({-1, 1}) * vec2)
}

Tensor dot(const Tensor& self, const Tensor& other) {
  check_defined("dot", self);
  check_defined("dot", other);
  if (self.dim() != 1 || other.dim() != 1)
    throw std::invalid_argument("dot: 1D tensors expected, but got " + str(self.dim()) + "D and " + str(other.dim()) +
                                "D tensors");
  check_product_dtypes("dot", self, other);
  if (self.numel() != other.numel())
    throw std::invalid_argument("dot: inconsistent tensor size, expected tensor " + shape_string(self.shape()) +
                                " and src " + shape_string(other.shape()) + " to have the same number of elements");
  if (is_floating_point(self.dtype())) return matmul(self, other);
  return integer_product(self, other, 0, self.dtype());
}

Tensor mv(const Tensor& self, const Tensor& vec) {
  check_defined("mv", self);
  check_defined("mv", vec);
  if (self.dim() != 2 || vec.dim() != 1)
    throw std::invalid_argument("mv: expected a matrix and a vector, got shapes " + shape_string(self.shape()) + " and " +
                                shape_string(vec.shape()));
  check_product_dtypes("mv", self, vec);
  if (self.shape()[1] != vec.shape()[0])
    throw std::invalid_argument("mv: size mismatch, got a matrix of shape " + shape_string(self.shape()) +
                                " and a vector of shape " + shape_string(vec.shape()));
  if (is_floating_point(self.dtype())) return matmul(self, vec);
  return integer_product(self, vec, 1, self.dtype());
}

Tensor bmm(const Tensor& self, const Tensor& mat2) {
  check_defined("bmm", self);
  check_defined("bmm", mat2);
  if (self.dim() != 3) throw std::invalid_argument("bmm: batch1 must be a 3D tensor, got shape " + shape_string(self.shape()));
  if (mat2.dim() != 3) throw std::invalid_argument("bmm: batch2 must be a 3D tensor, got shape " + shape_string(mat2.shape()));
  check_product_dtypes("bmm", self, mat2);
  if (mat2.shape()[0] != self.shape()[0] || mat2.shape()[1] != self.shape()[2])
    throw std::invalid_argument("bmm: expected size for first two dimensions of batch2 tensor to be: [" +
                                str(self.shape()[0]) + ", " + str(self.shape()[2]) + "] but got: [" +
                                str(mat2.shape()[0]) + ", " + str(mat2.shape()[1]) + "] (shapes " +
                                shape_string(self.shape()) + " and " + shape_string(mat2.shape()) + ")");
  // BLAS through matmul, which reads transposed views in place (the private bmm's transpose flags).
  if (is_floating_point(self.dtype())) return matmul(self, mat2);
  return integer_product(self.unsqueeze(3), mat2.unsqueeze(1), 2, self.dtype());
}

// ---------------------------------------------------------------- tril, triu, one_hot

Tensor tril(const Tensor& self, int64_t diagonal) { return triangle("tril", self, diagonal, true); }
Tensor triu(const Tensor& self, int64_t diagonal) { return triangle("triu", self, diagonal, false); }
Tensor& tril_(Tensor& self, int64_t diagonal) { return triangle_("tril_", self, diagonal, true); }
Tensor& triu_(Tensor& self, int64_t diagonal) { return triangle_("triu_", self, diagonal, false); }

Tensor one_hot(const Tensor& self, int64_t num_classes) {
  check_defined("one_hot", self);
  if (self.dtype() != kInt64)
    throw std::invalid_argument(std::string("one_hot: is only applicable to index tensors of dtype int64, got ") +
                                dtype_name(self.dtype()));
  Tensor hold;
  const Tensor& x = dense(self, hold);
  const int64_t* values = x.impl()->data<int64_t>();
  const int64_t n = x.numel();
  if (n == 0) {
    if (num_classes <= 0) throw std::invalid_argument("one_hot: can not infer total number of classes from empty tensor");
  } else {
    const int64_t low = *std::min_element(values, values + n), high = *std::max_element(values, values + n);
    if (low < 0) throw std::invalid_argument("one_hot: class values must be non-negative, got " + str(low));
    if (num_classes == -1) num_classes = high + 1;
    else if (high >= num_classes)
      throw std::invalid_argument("one_hot: class values must be smaller than num_classes (" + str(num_classes) +
                                  "), got " + str(high));
  }
  Shape shape = self.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, dtype(kInt64));
  int64_t* to = out.impl()->data<int64_t>();
  for (int64_t i = 0; i < n; ++i) to[i * num_classes + values[i]] = 1;
  return out;
}

// ---------------------------------------------------------------- members

Tensor Tensor::gather(int64_t dim, const Tensor& index, bool sparse_grad) const {
  return xgrad::gather(*this, dim, index, sparse_grad);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src) const { return xgrad::scatter(*this, dim, index, src); }
Tensor Tensor::scatter(int64_t dim, const Tensor& index, Scalar value) const { return xgrad::scatter(*this, dim, index, value); }
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  return xgrad::scatter_add(*this, dim, index, src);
}
Tensor Tensor::index_add(int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) const {
  return xgrad::index_add(*this, dim, index, source, alpha);
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src) { return xgrad::scatter_(*this, dim, index, src); }
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, Scalar value) { return xgrad::scatter_(*this, dim, index, value); }
Tensor& Tensor::scatter_add_(int64_t dim, const Tensor& index, const Tensor& src) {
  return xgrad::scatter_add_(*this, dim, index, src);
}
Tensor& Tensor::index_add_(int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  return xgrad::index_add_(*this, dim, index, source, alpha);
}
Tensor Tensor::masked_select(const Tensor& mask) const { return xgrad::masked_select(*this, mask); }
Tensor Tensor::nonzero() const { return xgrad::nonzero(*this); }
Tensor Tensor::flip(IntArrayRef dims) const { return xgrad::flip(*this, std::move(dims)); }
Tensor Tensor::roll(IntArrayRef shifts_ref, IntArrayRef dims_ref) const {
  Shape shifts = shifts_ref.vec();  // owned: the argument may be a braced list
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  return xgrad::roll(*this, std::move(shifts), std::move(dims));
}
Tensor Tensor::roll(int64_t shifts, std::optional<int64_t> dim) const { return xgrad::roll(*this, shifts, dim); }
Tensor Tensor::repeat(IntArrayRef repeats) const { return xgrad::repeat(*this, std::move(repeats)); }
Tensor Tensor::tile(IntArrayRef reps) const { return xgrad::tile(*this, std::move(reps)); }
std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t dim) const { return xgrad::chunk(*this, chunks, dim); }
std::vector<Tensor> Tensor::split(int64_t split_size, int64_t dim) const { return xgrad::split(*this, split_size, dim); }
std::vector<Tensor> Tensor::split(IntArrayRef split_sizes_ref, int64_t dim) const {
  Shape split_sizes = split_sizes_ref.vec();  // owned: the argument may be a braced list
  return xgrad::split_with_sizes(*this, std::move(split_sizes), dim);
}
std::vector<Tensor> Tensor::split_with_sizes(IntArrayRef split_sizes_ref, int64_t dim) const {
  Shape split_sizes = split_sizes_ref.vec();  // owned: the argument may be a braced list
  return xgrad::split_with_sizes(*this, std::move(split_sizes), dim);
}
std::vector<Tensor> Tensor::unbind(int64_t dim) const { return xgrad::unbind(*this, dim); }
Tensor Tensor::outer(const Tensor& vec2) const { return xgrad::outer(*this, vec2); }
Tensor Tensor::dot(const Tensor& other) const { return xgrad::dot(*this, other); }
Tensor Tensor::mv(const Tensor& vec) const { return xgrad::mv(*this, vec); }
Tensor Tensor::bmm(const Tensor& mat2) const { return xgrad::bmm(*this, mat2); }
Tensor Tensor::tril(int64_t diagonal) const { return xgrad::tril(*this, diagonal); }
Tensor Tensor::triu(int64_t diagonal) const { return xgrad::triu(*this, diagonal); }
Tensor& Tensor::tril_(int64_t diagonal) { return xgrad::tril_(*this, diagonal); }
Tensor& Tensor::triu_(int64_t diagonal) { return xgrad::triu_(*this, diagonal); }

}  // namespace xgrad

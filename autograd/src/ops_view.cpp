// Views: ops whose output shares its input's storage under another geometry (shape, strides, offset), as
// in PyTorch. A view keeps its root base (view_base); an in-place op on a view writes the base's storage
// and, when recorded, rebases the base's history (PyTorch's CopySlices), after which every view of that
// base rebuilds its own history from the base's on next use (refresh_view).
#include <algorithm>
#include <functional>
#include <limits>
#include <string>

#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {

namespace {
struct Geometry {
  Shape shape, strides;
  int64_t offset = 0;
};

Geometry actual_geometry(const TensorImpl& impl) { return {impl.shape, strides_of(impl), impl.offset}; }
// The same tensor seen as its own contiguous copy: what gradients look like.
Geometry logical_geometry(const Shape& shape) { return {shape, contiguous_strides(shape), 0}; }

// `gradient` (the view's shape) added into a zero tensor of `base_shape` at the positions `where` names in
// that tensor's row-major layout. Differentiable: its backward reads the same positions back.
Tensor strided_scatter(const Tensor& gradient, const Shape& base_shape, const Geometry& where);

// The view of `x` at `actual` (storage geometry); `logical` names the same elements in x's row-major layout
// (x's gradient is scattered there).
Tensor strided_view(const char* name, const Tensor& x, const Geometry& actual, const Geometry& logical) {
  Tensor out = make_view(x, actual.shape, actual.strides, actual.offset);
  if (any_requires_grad({&x})) {
    Shape input_shape = x.shape();
    record(out, name, {&x}, [input_shape, logical](const Tensor& grad, Grads& grads) {
      grads.set(0, strided_scatter(grad, input_shape, logical));
    });
  }
  return out;
}

// The elements of contiguous `x` at `where`, as a fresh contiguous tensor (strided_scatter's backward).
Tensor strided_gather(const Tensor& x_in, const Geometry& where) {
  Tensor hold;
  const Tensor& x = dense(x_in, hold);
  Tensor out = make_tensor(where.shape, x.dtype());
  XG_DISPATCH_ALL(x.dtype(), {
    const T* in = x.impl()->data<T>() + where.offset;
    T* to = out.impl()->data<T>();
    for_each_element(where.shape, where.strides, contiguous_strides(where.shape),
                     [in, to](int64_t a, int64_t b) { to[b] = in[a]; });
  });
  if (any_requires_grad({&x_in})) {
    Shape input_shape = x.shape();
    record(out, "AsStridedBackward", {&x_in}, [input_shape, where](const Tensor& grad, Grads& grads) {
      grads.set(0, strided_scatter(grad, input_shape, where));
    });
  }
  return out;
}

Tensor strided_scatter(const Tensor& gradient_in, const Shape& base_shape, const Geometry& where) {
  Tensor hold;
  const Tensor& gradient = dense(gradient_in, hold);
  Tensor out = zeros(base_shape, dtype(gradient.dtype()));
  XG_DISPATCH(gradient.dtype(), {
    const T* in = gradient.impl()->data<T>();
    T* to = out.impl()->data<T>() + where.offset;
    // Added, not assigned: an expanded view reaches one element through several positions.
    for_each_element(where.shape, contiguous_strides(where.shape), where.strides,
                     [in, to](int64_t a, int64_t b) { to[b] += in[a]; });
  });
  if (any_requires_grad({&gradient_in})) {
    record(out, "AsStridedScatterBackward", {&gradient_in},
           [where](const Tensor& grad, Grads& grads) { grads.set(0, strided_gather(grad, where)); });
  }
  return out;
}

// Shapes and strides after a view op, applied alike to the actual and the logical geometry.
Geometry selected(Geometry g, int64_t dim, int64_t index) {
  g.offset += index * g.strides[dim];
  g.shape.erase(g.shape.begin() + dim);
  g.strides.erase(g.strides.begin() + dim);
  return g;
}
Geometry sliced(Geometry g, int64_t dim, int64_t start, int64_t length, int64_t step) {
  g.offset += start * g.strides[dim];
  g.shape[dim] = length;
  g.strides[dim] *= step;
  return g;
}
Geometry diagonal_of(Geometry g, int64_t offset, int64_t dim1, int64_t dim2) {
  int64_t length = std::max<int64_t>(
      0, std::min(g.shape[dim1] + std::min<int64_t>(offset, 0), g.shape[dim2] - std::max<int64_t>(offset, 0)));
  if (length > 0) g.offset += offset >= 0 ? offset * g.strides[dim2] : -offset * g.strides[dim1];
  int64_t stride = g.strides[dim1] + g.strides[dim2];
  for (int64_t d : {std::max(dim1, dim2), std::min(dim1, dim2)}) {
    g.shape.erase(g.shape.begin() + d);
    g.strides.erase(g.strides.begin() + d);
  }
  g.shape.push_back(length);
  g.strides.push_back(stride);
  return g;
}

Geometry permuted(const TensorImpl& impl, const std::vector<int64_t>& order) {
  Geometry g = actual_geometry(impl), out = g;
  for (size_t d = 0; d < order.size(); ++d) {
    out.shape[d] = g.shape[order[d]];
    out.strides[d] = g.strides[order[d]];
  }
  return out;
}

std::vector<int64_t> checked_permutation(std::vector<int64_t> dims, int64_t rank) {
  if (static_cast<int64_t>(dims.size()) != rank)
    throw Error("permute: number of dims (" + std::to_string(dims.size()) +
                                ") does not match the tensor's rank " + std::to_string(rank));
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t& d : dims) {
    d = normalize_dim(d, rank, "permute");
    if (seen[d]) throw Error("permute: dim " + std::to_string(d) + " appears twice");
    seen[d] = true;
  }
  return dims;
}

// Strides that show a tensor of `from` shape and strides as `to`, or false (PyTorch's computeStride).
bool view_strides(Shape from, Shape from_strides, const Shape& to, Shape& out) {
  if (from.empty()) {
    from = {1};
    from_strides = {1};
  }
  int64_t numel = 1;
  for (int64_t extent : from) numel *= extent;
  out.assign(to.size(), 0);
  if (numel == 0) {
    out = contiguous_strides(to);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(to.size()) - 1;
  int64_t chunk_base_stride = from_strides.back(), tensor_numel = 1, view_numel = 1;
  for (int64_t tensor_d = static_cast<int64_t>(from.size()) - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= from[tensor_d];
    if (tensor_d == 0 ||
        (from[tensor_d - 1] != 1 && from_strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || to[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= to[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (tensor_d > 0) {
        chunk_base_stride = from_strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

// The concrete shape for reshape/view: one -1 inferred, sizes checked (overflow included).
Shape resolved_shape(const char* op, const Tensor& x, Shape shape) {
  int64_t known = 1, infer = -1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) {
      if (infer >= 0)
        throw Error(std::string(op) + ": only one dimension can be inferred in " + shape_string(shape));
      infer = static_cast<int64_t>(d);
    } else if (shape[d] < 0) {
      throw Error(std::string(op) + ": invalid shape " + shape_string(shape));
    } else if (__builtin_mul_overflow(known, shape[d], &known)) {
      throw Error(std::string(op) + ": shape " + shape_string(shape) + " is invalid for input of shape " +
                                  shape_string(x.shape()) + " (its element count overflows)");
    }
  }
  if (infer >= 0) {
    if (known == 0)
      throw Error(std::string(op) + ": cannot reshape a tensor of " + std::to_string(x.numel()) +
                                  " elements into shape " + shape_string(shape) +
                                  " because the unspecified dimension size -1 can be any value and is ambiguous");
    if (x.numel() % known != 0)
      throw Error(std::string(op) + ": shape " + shape_string(shape) + " is invalid for input of shape " +
                                  shape_string(x.shape()));
    shape[infer] = x.numel() / known;
  } else if (known != x.numel()) {
    throw Error(std::string(op) + ": shape " + shape_string(shape) + " is invalid for input of shape " +
                                shape_string(x.shape()));
  }
  return shape;
}

// reshape and view: a view when the strides allow, else (reshape only) a copy.
Tensor reshaped(const char* op, const Tensor& x, Shape requested, bool may_copy) {
  check_defined(op, x);
  Shape shape = resolved_shape(op, x, std::move(requested));
  if (shape == x.shape()) return x;
  const TensorImpl& impl = *x.impl();
  Tensor out;
  Shape strides;
  if (impl.is_contiguous()) {
    out = make_view(x, shape, contiguous_strides(shape), impl.offset);
  } else if (view_strides(impl.shape, impl.layout->strides, shape, strides)) {
    out = make_view(x, shape, strides, impl.offset);
  } else if (may_copy) {
    // A copy, as PyTorch's reshape makes when strides cannot express the shape: not a view of x.
    Tensor copy = x.contiguous();
    out = make_alias(copy, shape);
    if (any_requires_grad({&copy})) {
      Shape input_shape = x.shape();
      record(out, "ViewBackward", {&copy},
             [input_shape](const Tensor& grad, Grads& grads) { grads.set(0, reshape(grad, input_shape)); });
    }
    return out;
  } else {
    throw Error(std::string(op) + ": view size is not compatible with input tensor's size and stride " +
                                "(at least one dimension spans across two contiguous subspaces); use .reshape(...) instead");
  }
  if (any_requires_grad({&x})) {
    Shape input_shape = x.shape();
    record(out, "ViewBackward", {&x},
           [input_shape](const Tensor& grad, Grads& grads) { grads.set(0, reshape(grad, input_shape)); });
  }
  return out;
}

int64_t clamp_index(int64_t index, int64_t extent) {
  if (index < 0) index += extent;
  return std::min(std::max<int64_t>(index, 0), extent);
}
}  // namespace

// ---------------------------------------------------------------- layout

int64_t Tensor::stride(int64_t d) const {
  Shape all = strides();
  const int64_t rank = static_cast<int64_t>(all.size());
  if (rank == 0) throw std::out_of_range("stride: dimension specified as " + std::to_string(d) + " but the tensor has no dimensions");
  if (d < -rank || d >= rank)
    throw std::out_of_range("stride: dimension " + std::to_string(d) + " out of range (expected to be in range of [" +
                            std::to_string(-rank) + ", " + std::to_string(rank - 1) + "])");
  return all[d < 0 ? d + rank : d];
}
Shape Tensor::strides() const {
  check_defined("strides", *this);
  return strides_of(*impl());
}
int64_t Tensor::storage_offset() const {
  check_defined("storage_offset", *this);
  return impl()->offset;
}
bool Tensor::is_contiguous() const {
  check_defined("is_contiguous", *this);
  return impl()->is_contiguous();
}
bool Tensor::is_view() const {
  check_defined("is_view", *this);
  return impl()->view_base() != nullptr;
}
Tensor Tensor::_base() const {
  check_defined("_base", *this);
  TensorImpl* base = impl()->view_base();
  if (!base) return Tensor();
  retain(base);
  return Tensor(base);
}

Tensor Tensor::contiguous() const {
  check_defined("contiguous", *this);
  if (impl()->is_contiguous()) return *this;
  Tensor hold;
  Tensor out = dense(*this, hold);
  record(out, "CloneBackward", {this}, [](const Tensor& grad, Grads& grads) { grads.set(0, grad); });
  return out;
}

// ---------------------------------------------------------------- view ops

Tensor Tensor::select(int64_t dim, int64_t index) const {
  check_defined("select", *this);
  if (this->dim() == 0) throw Error("select: cannot select on a 0-d tensor");
  dim = normalize_dim(dim, this->dim(), "select");
  int64_t extent = shape()[dim];
  if (index < -extent || index >= extent)
    throw std::out_of_range("select: index " + std::to_string(index) + " is out of bounds for dimension " +
                            std::to_string(dim) + " with size " + std::to_string(extent));
  if (index < 0) index += extent;
  return strided_view("SelectBackward", *this, selected(actual_geometry(*impl()), dim, index),
                      selected(logical_geometry(shape()), dim, index));
}
Tensor Tensor::operator[](int64_t index) const {
  check_defined("select", *this);
  return select(0, index);
}

Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  check_defined("slice", *this);
  if (this->dim() == 0) throw Error("slice: cannot slice a 0-d tensor");
  if (step <= 0) throw Error("slice: step must be positive, got " + std::to_string(step));
  dim = normalize_dim(dim, this->dim(), "slice");
  int64_t extent = shape()[dim];
  // Python slicing rules: negatives count from the end, out-of-range bounds are clamped.
  start = clamp_index(start, extent);
  end = std::max(clamp_index(end, extent), start);
  int64_t length = (end - start + step - 1) / step;
  return strided_view("SliceBackward", *this, sliced(actual_geometry(*impl()), dim, start, length, step),
                      sliced(logical_geometry(shape()), dim, start, length, step));
}
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  return x.slice(dim, start, end, step);
}

Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  check_defined("narrow", *this);
  if (this->dim() == 0) throw Error("narrow: cannot narrow a 0-d tensor");
  dim = normalize_dim(dim, this->dim(), "narrow");
  int64_t extent = shape()[dim];
  if (start < -extent || start > extent)
    throw std::out_of_range("narrow: start " + std::to_string(start) + " is out of range for dimension " +
                            std::to_string(dim) + " with size " + std::to_string(extent));
  if (start < 0) start += extent;
  if (length < 0 || start + length > extent)
    throw std::out_of_range("narrow: start (" + std::to_string(start) + ") + length (" + std::to_string(length) +
                            ") exceeds dimension " + std::to_string(dim) + " of size " + std::to_string(extent));
  return slice(dim, start, start + length, 1);
}

Tensor Tensor::diagonal(int64_t offset, int64_t dim1, int64_t dim2) const {
  check_defined("diagonal", *this);
  if (this->dim() < 2) throw Error("diagonal: needs at least 2 dimensions, got " + shape_string(shape()));
  dim1 = normalize_dim(dim1, this->dim(), "diagonal");
  dim2 = normalize_dim(dim2, this->dim(), "diagonal");
  if (dim1 == dim2) throw Error("diagonal: dimensions cannot be identical " + std::to_string(dim1));
  return strided_view("DiagonalBackward", *this, diagonal_of(actual_geometry(*impl()), offset, dim1, dim2),
                      diagonal_of(logical_geometry(shape()), offset, dim1, dim2));
}

Tensor Tensor::permute(IntArrayRef dims_ref) const {
  Shape dims = dims_ref.vec();  // owned: the argument may be a braced list
  check_defined("permute", *this);
  dims = checked_permutation(std::move(dims), this->dim());
  Geometry g = permuted(*impl(), dims);
  Tensor out = make_view(*this, g.shape, g.strides, g.offset);
  if (any_requires_grad({this})) {
    std::vector<int64_t> inverse(dims.size());
    for (size_t d = 0; d < dims.size(); ++d) inverse[dims[d]] = static_cast<int64_t>(d);
    record(out, "PermuteBackward", {this},
           [inverse](const Tensor& grad, Grads& grads) { grads.set(0, grad.permute(inverse)); });
  }
  return out;
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  check_defined("transpose", x);
  int64_t rank = x.dim();
  dim0 = normalize_dim(dim0, rank, "transpose");
  dim1 = normalize_dim(dim1, rank, "transpose");
  if (rank < 2) return x;  // PyTorch returns a view of itself; nothing to swap
  std::vector<int64_t> order(static_cast<size_t>(rank));
  for (int64_t d = 0; d < rank; ++d) order[d] = d;
  std::swap(order[dim0], order[dim1]);
  Geometry g = permuted(*x.impl(), order);
  Tensor out = make_view(x, g.shape, g.strides, g.offset);
  record(out, "TransposeBackward", {&x},
         [dim0, dim1](const Tensor& grad, Grads& grads) { grads.set(0, transpose(grad, dim0, dim1)); });
  return out;
}
Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const { return xgrad::transpose(*this, dim0, dim1); }
Tensor t(const Tensor& x) { return x.t(); }
Tensor Tensor::t() const {
  check_defined("t", *this);
  if (dim() > 2) throw Error("t: expects a tensor with <= 2 dimensions, got " + shape_string(shape()));
  return xgrad::transpose(*this, 0, -1);
}

Tensor Tensor::expand(IntArrayRef sizes_in) const {
  Shape sizes = sizes_in.vec();
  check_defined("expand", *this);
  const Shape& from = shape();
  if (sizes.size() < from.size())
    throw Error("expand: the number of sizes provided (" + std::to_string(sizes.size()) +
                                ") must be greater or equal to the number of dimensions in the tensor (" +
                                std::to_string(from.size()) + ")");
  Shape from_strides = strides_of(*impl());
  Shape strides(sizes.size(), 0);
  const size_t lead = sizes.size() - from.size();
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (d < lead) {
      if (sizes[d] < 0)
        throw Error("expand: the expanded size " + std::to_string(sizes[d]) +
                                    " is not allowed in a leading, non-existing dimension " + std::to_string(d));
      continue;  // new dims: stride 0
    }
    int64_t have = from[d - lead];
    if (sizes[d] == -1) sizes[d] = have;
    if (have == sizes[d]) {
      strides[d] = from_strides[d - lead];
    } else if (have != 1) {
      throw Error("expand: the expanded size of the tensor (" + std::to_string(sizes[d]) +
                                  ") must match the existing size (" + std::to_string(have) +
                                  ") at non-singleton dimension " + std::to_string(d) + "; target sizes " +
                                  shape_string(sizes) + ", tensor sizes " + shape_string(from));
    } else if (sizes[d] < 0) {
      throw Error("expand: invalid size " + std::to_string(sizes[d]) + " in " + shape_string(sizes));
    }
  }
  checked_numel(sizes, "expand");
  if (sizes == from) return *this;
  Tensor out = make_view(*this, sizes, strides, impl()->offset);
  if (any_requires_grad({this})) {
    Shape input_shape = from;
    record(out, "ExpandBackward", {this},
           [input_shape](const Tensor& grad, Grads& grads) { grads.set(0, sum_to(grad, input_shape)); });
  }
  return out;
}
Tensor Tensor::expand_as(const Tensor& other) const {
  check_defined("expand_as", other);
  return expand(other.shape());
}

Tensor reshape(const Tensor& x, IntArrayRef shape) { return reshaped("reshape", x, std::move(shape), true); }
Tensor Tensor::reshape(IntArrayRef shape) const { return reshaped("reshape", *this, std::move(shape), true); }
Tensor Tensor::view(IntArrayRef shape) const { return reshaped("view", *this, std::move(shape), false); }
Tensor Tensor::view_as(const Tensor& other) const {
  check_defined("view_as", other);
  return view(other.shape());
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  check_defined("flatten", *this);
  if (dim() == 0) return reshape({1});
  start_dim = normalize_dim(start_dim, dim(), "flatten");
  end_dim = normalize_dim(end_dim, dim(), "flatten");
  if (start_dim > end_dim) throw Error("flatten: start_dim cannot come after end_dim");
  Shape shape(this->shape().begin(), this->shape().begin() + start_dim);
  int64_t merged = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) merged *= this->shape()[d];
  shape.push_back(merged);
  shape.insert(shape.end(), this->shape().begin() + end_dim + 1, this->shape().end());
  return reshape(shape);
}

Tensor Tensor::unsqueeze(int64_t dim) const {
  check_defined("unsqueeze", *this);
  Shape shape = this->shape();
  dim = normalize_dim(dim, static_cast<int64_t>(shape.size()) + 1, "unsqueeze");
  shape.insert(shape.begin() + dim, 1);
  return reshaped("unsqueeze", *this, shape, true);
}

Tensor Tensor::squeeze() const {
  check_defined("squeeze", *this);
  Shape shape;
  for (int64_t extent : this->shape())
    if (extent != 1) shape.push_back(extent);
  return reshaped("squeeze", *this, shape, true);
}

Tensor Tensor::squeeze(int64_t dim) const {
  check_defined("squeeze", *this);
  Shape shape = this->shape();
  dim = normalize_dim(dim, static_cast<int64_t>(shape.size()), "squeeze");  // a 0-d tensor takes 0 and -1
  if (shape.empty() || shape[dim] != 1) return *this;  // PyTorch leaves non-1 dims alone
  shape.erase(shape.begin() + dim);
  return reshaped("squeeze", *this, shape, true);
}

Tensor unsqueeze(const Tensor& x, int64_t dim) { return x.unsqueeze(dim); }
Tensor squeeze(const Tensor& x) { return x.squeeze(); }
Tensor squeeze(const Tensor& x, int64_t dim) { return x.squeeze(dim); }
Tensor permute(const Tensor& x, IntArrayRef dims) { return x.permute(std::move(dims)); }
Tensor select(const Tensor& x, int64_t dim, int64_t index) { return x.select(dim, index); }
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) { return x.narrow(dim, start, length); }
Tensor diagonal(const Tensor& x, int64_t offset, int64_t dim1, int64_t dim2) { return x.diagonal(offset, dim1, dim2); }
Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) { return x.flatten(start_dim, end_dim); }

// ---------------------------------------------------------------- in place through views

void refresh_view(TensorImpl& view) {
  TensorImpl& base = *view.view_base();
  if (view.layout->base_history == base.history) return;
  view.layout->base_history = base.history;
  if (!base.requires_grad) return;
  retain(&base);
  Tensor base_handle(&base);
  // The view's elements, named in the base's row-major layout (bases made by in-place history are).
  Geometry logical{view.shape, strides_of(view), view.offset - base.offset};
  Tensor regenerated = strided_view("AsStridedBackward", base_handle, actual_geometry(view), logical);
  view.grad_fn = regenerated.impl()->grad_fn;
  view.requires_grad = true;
}

Tensor& inplace_on_view(const char* op, Tensor& self, const std::function<Tensor(const Tensor&)>& compute) {
  TensorImpl& view = *self.impl();
  TensorImpl& base = *view.view_base();
  if (!base.is_contiguous())
    throw std::logic_error(std::string(op) +
                           ": a recorded in-place op on a view of a non-contiguous tensor is not supported; make the "
                           "base contiguous first (contiguous())");
  refresh_view(view);
  Tensor result = compute(self.clone());  // the old value, with the view's history
  if (result.shape() != self.shape())
    throw Error(std::string(op) + ": result of shape " + shape_string(result.shape()) +
                                " cannot be written into a view of shape " + shape_string(self.shape()));
  write_into(view, result);
  bump_version(self);

  // The base now equals its old value with the view's elements replaced by `result` (CopySlices).
  retain(&base);
  Tensor base_handle(&base);
  Tensor old_base = make_alias(base_handle, base.shape);
  old_base.impl()->grad_fn = base.grad_fn;
  old_base.impl()->requires_grad = base.requires_grad;
  Node* previous = base.grad_fn.get();
  const Geometry where{view.shape, strides_of(view), view.offset - base.offset};
  const Shape base_shape = base.shape;
  record(base_handle, "CopySlices", {&old_base, &result}, [where, base_shape](const Tensor& grad, Grads& grads) {
    if (grads.needs(0)) {
      Tensor keep = ones(base_shape, dtype(grad.dtype()));  // 0 where the view's elements were overwritten
      XG_DISPATCH(grad.dtype(), {
        T* mask = keep.impl()->data<T>() + where.offset;
        for_each_element(where.shape, where.strides, where.strides, [mask](int64_t a, int64_t) { mask[a] = T(0); });
      });
      grads.set(0, masked_zero(grad, keep));
    }
    if (grads.needs(1)) grads.set(1, strided_gather(grad, where));
  });
  base.history += 1;
  if (base.retains_grad) {
    if (previous && previous->retained_output == &base) previous->retained_output = nullptr;
    if (base.grad_fn) base.grad_fn->retained_output = &base;
  }
  refresh_view(view);
  return self;
}

}  // namespace xgrad

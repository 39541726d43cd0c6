// Shape ops. reshape/squeeze/unsqueeze/detach share storage (like PyTorch views); transpose, slice,
// select, index_select and cat copy, so every tensor is contiguous.
#include <cstring>
#include <xtensor/xmanipulation.hpp>

#include "kernels.hpp"
#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {

Tensor reshape(const Tensor& x, Shape shape) {
  check_defined("reshape", x);
  int64_t known = 1, infer = -1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) {
      if (infer >= 0) throw std::invalid_argument("reshape: only one dimension can be inferred in " + shape_string(shape));
      infer = static_cast<int64_t>(d);
    } else if (shape[d] < 0) {
      throw std::invalid_argument("reshape: invalid shape " + shape_string(shape));
    } else if (__builtin_mul_overflow(known, shape[d], &known)) {
      throw std::invalid_argument("reshape: shape " + shape_string(shape) + " is invalid for input of shape " +
                                  shape_string(x.shape()) + " (its element count overflows)");
    }
  }
  if (infer >= 0) {
    if (known == 0)
      throw std::invalid_argument("reshape: cannot reshape a tensor of " + std::to_string(x.numel()) +
                                  " elements into shape " + shape_string(shape) +
                                  " because the unspecified dimension size -1 can be any value and is ambiguous");
    if (x.numel() % known != 0)
      throw std::invalid_argument("reshape: shape " + shape_string(shape) + " is invalid for input of shape " +
                                  shape_string(x.shape()));
    shape[infer] = x.numel() / known;
  } else if (known != x.numel()) {
    throw std::invalid_argument("reshape: shape " + shape_string(shape) + " is invalid for input of shape " +
                                shape_string(x.shape()));
  }
  if (shape == x.shape()) return x;
  Tensor out = make_alias(x, std::move(shape));  // throws on a size mismatch
  if (any_requires_grad({&x})) {
    Shape input_shape = x.shape();
    record(out, "ViewBackward", {&x},
           [input_shape](const Tensor& grad, Grads& grads) { grads.set(0, reshape(grad, input_shape)); });
  }
  return out;
}

Tensor Tensor::reshape(Shape shape) const { return xgrad::reshape(*this, std::move(shape)); }

Tensor Tensor::unsqueeze(int64_t dim) const {
  check_defined("unsqueeze", *this);
  Shape shape = this->shape();
  dim = normalize_dim(dim, static_cast<int64_t>(shape.size()) + 1, "unsqueeze");
  shape.insert(shape.begin() + dim, 1);
  return xgrad::reshape(*this, shape);
}

Tensor Tensor::squeeze() const {
  check_defined("squeeze", *this);
  Shape shape;
  for (int64_t extent : this->shape())
    if (extent != 1) shape.push_back(extent);
  return xgrad::reshape(*this, shape);
}

Tensor Tensor::squeeze(int64_t dim) const {
  check_defined("squeeze", *this);
  Shape shape = this->shape();
  dim = normalize_dim(dim, static_cast<int64_t>(shape.size()), "squeeze");  // a 0-d tensor takes 0 and -1
  if (shape.empty() || shape[dim] != 1) return *this;  // PyTorch leaves non-1 dims alone
  shape.erase(shape.begin() + dim);
  return xgrad::reshape(*this, shape);
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  check_defined("transpose", x);
  int64_t rank = x.dim();
  dim0 = normalize_dim(dim0, rank, "transpose");
  dim1 = normalize_dim(dim1, rank, "transpose");
  if (dim0 == dim1 || rank < 2) return x;
  Shape shape = x.shape();
  std::swap(shape[dim0], shape[dim1]);
  Tensor out = make_tensor(shape, x.dtype());
  XG_DISPATCH(x.dtype(), {
    const TensorImpl& in = *x.impl();
    if (rank == 2) {
      const T* source = in.data<T>();
      T* target = out.impl()->data<T>();
      int64_t rows = in.shape[0], columns = in.shape[1];
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < columns; ++c) target[c * rows + r] = source[r * columns + c];
    } else {
      std::vector<size_t> permutation(static_cast<size_t>(rank));
      for (size_t d = 0; d < permutation.size(); ++d) permutation[d] = d;
      std::swap(permutation[dim0], permutation[dim1]);
      auto target = adapt<T>(*out.impl());
      xt::noalias(target) = xt::transpose(adapt<T>(in), permutation, xt::check_policy::none());
    }
  });
  record(out, "TransposeBackward", {&x}, [dim0, dim1](const Tensor& grad, Grads& grads) { grads.set(0, transpose(grad, dim0, dim1)); });
  return out;
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const { return xgrad::transpose(*this, dim0, dim1); }
Tensor t(const Tensor& x) { return x.t(); }
Tensor unsqueeze(const Tensor& x, int64_t dim) { return x.unsqueeze(dim); }
Tensor squeeze(const Tensor& x) { return x.squeeze(); }
Tensor squeeze(const Tensor& x, int64_t dim) { return x.squeeze(dim); }
Tensor Tensor::t() const {
  check_defined("t", *this);
  if (dim() > 2) throw std::invalid_argument("t: expects a tensor with <= 2 dimensions, got " + shape_string(shape()));
  return xgrad::transpose(*this, 0, -1);
}

// ---------------------------------------------------------------- slicing and gathering

namespace {
// A tensor viewed as [outer, extent(dim), inner]; copies whole inner blocks.
struct Blocks {
  int64_t outer = 1, extent = 1, inner = 1;
  Blocks(const Shape& shape, int64_t dim) {
    for (int64_t d = 0; d < dim; ++d) outer *= shape[d];
    extent = shape.empty() ? 1 : shape[dim];
    for (size_t d = dim + 1; d < shape.size(); ++d) inner *= shape[d];
  }
};

// Copies rows `rows[i]` of `from` along dim into row i of `to` (add=false), or adds row i of `from` into
// row rows[i] of `to` (add=true, for index_select's backward).
void move_rows(const Tensor& from, Tensor& to, int64_t dim, const std::vector<int64_t>& rows, bool add) {
  Blocks source(from.shape(), dim), target(to.shape(), dim);
  XG_DISPATCH(from.dtype(), {
    const T* in = from.impl()->data<T>();
    T* out = to.impl()->data<T>();
    int64_t inner = source.inner;
    for (int64_t o = 0; o < source.outer; ++o)
      for (size_t i = 0; i < rows.size(); ++i) {
        if (add) {
          const T* a = in + (o * source.extent + static_cast<int64_t>(i)) * inner;
          T* b = out + (o * target.extent + rows[i]) * inner;
          for (int64_t k = 0; k < inner; ++k) b[k] += a[k];
        } else {
          std::memcpy(out + (o * target.extent + static_cast<int64_t>(i)) * inner,
                      in + (o * source.extent + rows[i]) * inner, sizeof(T) * inner);
        }
      }
  });
}

std::vector<int64_t> range_rows(int64_t start, int64_t end) {
  std::vector<int64_t> rows;
  for (int64_t i = start; i < end; ++i) rows.push_back(i);
  return rows;
}
}  // namespace

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end) {
  check_defined("slice", x);
  if (x.dim() == 0) throw std::invalid_argument("slice: cannot slice a 0-d tensor");
  dim = normalize_dim(dim, x.dim(), "slice");
  int64_t extent = x.shape()[dim];
  // Python slicing rules: negatives count from the end, out-of-range bounds are clamped.
  if (start < 0) start += extent;
  if (end < 0) end += extent;
  start = std::min(std::max<int64_t>(start, 0), extent);
  end = std::min(std::max<int64_t>(end, start), extent);
  Shape shape = x.shape();
  shape[dim] = end - start;
  Tensor out = make_tensor(shape, x.dtype());
  move_rows(x, out, dim, range_rows(start, end), false);
  Shape input_shape = x.shape();
  record(out, "SliceBackward", {&x}, [input_shape, dim, start](const Tensor& grad, Grads& grads) {
    grads.set(0, slice_backward(grad, input_shape, dim, start));
  });
  return out;
}

Tensor slice_backward(const Tensor& grad, const Shape& shape, int64_t dim, int64_t start) {
  Tensor out = zeros(shape, dtype(grad.dtype()));
  move_rows(grad, out, dim, range_rows(start, start + grad.shape()[dim]), true);
  int64_t length = grad.shape()[dim];
  record(out, "SliceBackwardBackward", {&grad}, [dim, start, length](const Tensor& g, Grads& grads) {
    grads.set(0, slice(g, dim, start, start + length));
  });
  return out;
}

Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end) const { return xgrad::slice(*this, dim, start, end); }

Tensor Tensor::operator[](int64_t index) const {
  check_defined("select", *this);
  if (dim() == 0) throw std::invalid_argument("select: cannot index a 0-d tensor");
  int64_t extent = shape()[0];
  if (index < -extent || index >= extent)
    throw std::out_of_range("select: index " + std::to_string(index) + " is out of bounds for dimension 0 with size " +
                            std::to_string(extent));
  if (index < 0) index += extent;
  Shape rest(shape().begin() + 1, shape().end());
  return xgrad::reshape(xgrad::slice(*this, 0, index, index + 1), rest);
}

Tensor index_select(const Tensor& x, int64_t dim, std::vector<int64_t> indices) {
  check_defined("index_select", x);
  int64_t rank = x.dim();
  dim = normalize_dim(dim, rank, "index_select");
  int64_t extent = rank == 0 ? 1 : x.shape()[dim];
  for (int64_t& index : indices) {
    if (index < -extent || index >= extent)
      throw std::out_of_range("index_select: index " + std::to_string(index) + " is out of bounds for dimension " +
                              std::to_string(dim) + " with size " + std::to_string(extent));
    if (index < 0) index += extent;
  }
  Shape shape = x.shape();
  if (rank > 0) shape[dim] = static_cast<int64_t>(indices.size());
  else if (indices.size() != 1) shape = {static_cast<int64_t>(indices.size())};
  Tensor out = make_tensor(shape, x.dtype());
  if (rank == 0) {
    XG_DISPATCH(x.dtype(), std::fill_n(out.impl()->data<T>(), out.numel(), *x.impl()->data<T>()));
  } else {
    move_rows(x, out, dim, indices, false);
  }
  Shape input_shape = x.shape();
  record(out, "IndexSelectBackward", {&x}, [input_shape, dim, indices](const Tensor& grad, Grads& grads) {
    grads.set(0, index_add_zeros(grad, input_shape, dim, indices));
  });
  return out;
}

Tensor index_add_zeros(const Tensor& grad, const Shape& shape, int64_t dim, const std::vector<int64_t>& indices) {
  Tensor out = zeros(shape, dtype(grad.dtype()));
  if (shape.empty()) {
    out = reshape(sum(grad), {});  // every index of a 0-d tensor is the tensor itself
  } else {
    move_rows(grad, out, dim, indices, true);
    record(out, "IndexAddBackward", {&grad}, [dim, indices](const Tensor& g, Grads& grads) {
      grads.set(0, index_select(g, dim, indices));
    });
  }
  return out;
}

Tensor Tensor::index_select(int64_t dim, std::vector<int64_t> indices) const {
  return xgrad::index_select(*this, dim, std::move(indices));
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) throw std::invalid_argument("cat: expected a non-empty list of tensors");
  for (const Tensor& t : tensors) check_same_dtype("cat", tensors[0], t);
  // PyTorch's legacy rule: 1-d empty tensors are skipped, whatever the others' shapes.
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.numel() == 0; };
  size_t reference = 0;
  while (reference + 1 < tensors.size() && skipped(tensors[reference])) ++reference;
  const Shape& first = tensors[reference].shape();
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].dim() == 0)
      throw std::invalid_argument("cat: zero-dimensional tensor (at position " + std::to_string(i) +
                                  ") cannot be concatenated");
  dim = normalize_dim(dim, static_cast<int64_t>(first.size()), "cat");
  Shape shape = first;
  shape[dim] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Shape& other = tensors[i].shape();
    if (skipped(tensors[i]) && other.size() != first.size()) continue;
    bool compatible = other.size() == first.size();
    for (size_t d = 0; compatible && d < first.size(); ++d)
      if (static_cast<int64_t>(d) != dim && other[d] != first[d]) compatible = false;
    if (!compatible)
      throw std::invalid_argument("cat: tensor " + std::to_string(i) + " has shape " + shape_string(other) +
                                  ", which does not match " + shape_string(first) + " outside dimension " +
                                  std::to_string(dim));
    shape[dim] += other[dim];
  }
  Tensor out = make_tensor(shape, tensors[0].dtype());
  Blocks target(shape, dim);
  int64_t offset = 0;
  std::vector<int64_t> lengths;  // -1 for a skipped tensor
  for (const Tensor& t : tensors) {
    if (skipped(t) && t.dim() != static_cast<int64_t>(shape.size())) {
      lengths.push_back(-1);
      continue;
    }
    Blocks source(t.shape(), dim);
    XG_DISPATCH(t.dtype(), {
      const T* in = t.impl()->data<T>();
      T* to = out.impl()->data<T>();
      int64_t block = source.extent * source.inner;
      for (int64_t o = 0; o < source.outer && block > 0; ++o)
        std::memcpy(to + o * target.extent * target.inner + offset * target.inner, in + o * block, sizeof(T) * block);
    });
    offset += source.extent;
    lengths.push_back(source.extent);
  }
  record(out, "CatBackward", tensors, [dim, lengths](const Tensor& grad, Grads& grads) {
    int64_t start = 0;
    for (size_t i = 0; i < lengths.size(); ++i) {
      if (lengths[i] < 0) {
        if (grads.needs(i)) grads.set(i, zeros({0}, dtype(grad.dtype())));
        continue;
      }
      if (grads.needs(i)) grads.set(i, slice(grad, dim, start, start + lengths[i]));
      start += lengths[i];
    }
  });
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) throw std::invalid_argument("stack: expected a non-empty list of tensors");
  for (const Tensor& t : tensors) check_same_dtype("stack", tensors[0], t);
  for (size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].shape() != tensors[0].shape())
      throw std::invalid_argument("stack: tensor " + std::to_string(i) + " has shape " +
                                  shape_string(tensors[i].shape()) + " but tensor 0 has " +
                                  shape_string(tensors[0].shape()));
  dim = normalize_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  expanded.reserve(tensors.size());
  for (const Tensor& t : tensors) expanded.push_back(t.unsqueeze(dim));
  return cat(expanded, dim);
}

}  // namespace xgrad

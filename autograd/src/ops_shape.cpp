// Gathering and joining: index_select, cat and stack copy (views are in ops_view.cpp).
#include <cstring>

#include "kernels.hpp"
#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {

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
void move_rows(const Tensor& from_in, Tensor& to, int64_t dim, const std::vector<int64_t>& rows, bool add) {
  Tensor hold;
  const Tensor& from = dense(from_in, hold);
  Blocks source(from.shape(), dim), target(to.shape(), dim);
  XG_DISPATCH_ALL(from.dtype(), {
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

}  // namespace

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
    XG_DISPATCH_ALL(x.dtype(), std::fill_n(out.impl()->data<T>(), out.numel(), *x.impl()->data<T>()));
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

// As torch.index_select: the index is 0-d or 1-d, of an integer dtype, and never negative.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined("index_select", x);
  check_defined("index_select", index);
  if (index.dtype() != kInt64 && index.dtype() != kInt32)
    throw TypeError("index_select: expected an int64 or int32 index, got " + std::string(dtype_name(index.dtype())));
  if (index.dim() > 1)
    throw IndexError("index_select: the index must be 0-d or 1-d, got shape " + shape_string(index.shape()));
  std::vector<int64_t> indices = index.to_vector<int64_t>();
  const int64_t extent = x.dim() == 0 ? 1 : x.size(dim);
  for (int64_t i : indices)
    if (i < 0 || i >= extent)
      throw IndexError("index_select: index " + std::to_string(i) + " is out of range for dimension " +
                       std::to_string(dim) + " of a tensor of shape " + shape_string(x.shape()));
  return index_select(x, dim, std::move(indices));
}

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const { return xgrad::index_select(*this, dim, index); }

Tensor Tensor::index_select(int64_t dim, std::vector<int64_t> indices) const {
  return xgrad::index_select(*this, dim, std::move(indices));
}

namespace {
// Every tensor in the list in the list's common dtype (PyTorch promotes cat's inputs).
std::vector<Tensor> promoted_list(const char* op, const std::vector<Tensor>& tensors) {
  if (tensors.empty()) throw Error(std::string(op) + ": expected a non-empty list of tensors");
  for (const Tensor& t : tensors) check_defined(op, t);
  Tensor widest = tensors[0];
  for (const Tensor& t : tensors)
    if (result_type(widest, t) != widest.dtype()) widest = t;
  std::vector<Tensor> out;
  out.reserve(tensors.size());
  for (const Tensor& t : tensors) out.push_back(t.dtype() == widest.dtype() ? t : t.to(widest.dtype()));
  return out;
}
}  // namespace

Tensor cat(const std::vector<Tensor>& inputs, int64_t dim) {
  std::vector<Tensor> tensors = promoted_list("cat", inputs);
  // PyTorch's legacy rule: 1-d empty tensors are skipped, whatever the others' shapes.
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.numel() == 0; };
  size_t reference = 0;
  while (reference + 1 < tensors.size() && skipped(tensors[reference])) ++reference;
  const Shape& first = tensors[reference].shape();
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].dim() == 0)
      throw Error("cat: zero-dimensional tensor (at position " + std::to_string(i) +
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
      throw Error("cat: tensor " + std::to_string(i) + " has shape " + shape_string(other) +
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
    Tensor hold;
    const Tensor& part = dense(t, hold);
    XG_DISPATCH_ALL(t.dtype(), {
      const T* in = part.impl()->data<T>();
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

Tensor stack(const std::vector<Tensor>& inputs, int64_t dim) {
  std::vector<Tensor> tensors = promoted_list("stack", inputs);
  for (size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].shape() != tensors[0].shape())
      throw Error("stack: tensor " + std::to_string(i) + " has shape " +
                                  shape_string(tensors[i].shape()) + " but tensor 0 has " +
                                  shape_string(tensors[0].shape()));
  dim = normalize_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  expanded.reserve(tensors.size());
  for (const Tensor& t : tensors) expanded.push_back(t.unsqueeze(dim));
  return cat(expanded, dim);
}

}  // namespace xgrad

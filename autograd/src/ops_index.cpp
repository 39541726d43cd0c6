// LibTorch's tensor indexing: x.index({...}) and x.index_put_({...}, value). Integers, slices, None and
// "..." become the view ops (select, slice, unsqueeze); one index tensor (int64/int32 positions along a
// dimension, or a bool mask over one or more dimensions) gathers with index_select, which copies.
#include <algorithm>
#include <string>

#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {
namespace indexing {

TensorIndex::TensorIndex(const char* text) : kind_(Kind::Ellipsis) {
  if (std::string(text) != "...")
    throw std::invalid_argument(std::string("index: expected \"...\" to stand for an Ellipsis, got \"") + text + "\"");
}

}  // namespace indexing

namespace {
using indexing::TensorIndex;
using Kind = TensorIndex::Kind;

// The basic part of an index applied (views), and where the one tensor index, if any, applies.
struct Indexed {
  Tensor view;
  int64_t tensor_dim = -1;  // the dimension of `view` the index tensor starts at
  Tensor index;             // undefined when there is none
};

Indexed apply_basic(const Tensor& self, const std::vector<TensorIndex>& indices) {
  check_defined("index", self);
  int64_t specified = 0;
  bool seen_ellipsis = false;
  for (const TensorIndex& index : indices) {
    if (index.kind() == Kind::Integer || index.kind() == Kind::Slice) ++specified;
    if (index.kind() == Kind::Tensor) {
      check_defined("index", index.tensor());
      specified += index.tensor().dtype() == kBool ? std::max<int64_t>(index.tensor().dim(), 1) : 1;
    }
    if (index.kind() == Kind::Ellipsis) {
      if (seen_ellipsis) throw std::invalid_argument("index: an index can only have a single ellipsis ('...')");
      seen_ellipsis = true;
    }
  }
  if (specified > self.dim())
    throw std::invalid_argument("index: too many indices for tensor of dimension " + std::to_string(self.dim()) +
                                " (got " + std::to_string(specified) + ")");
  Indexed out{self};
  int64_t dim = 0;
  for (const TensorIndex& index : indices) {
    switch (index.kind()) {
      case Kind::None:
        out.view = out.view.unsqueeze(dim++);
        break;
      case Kind::Ellipsis:
        dim += self.dim() - specified;
        break;
      case Kind::Integer:
        out.view = out.view.select(dim, index.integer());
        break;
      case Kind::Boolean:  // x[True] adds a dimension of size 1, x[False] one of size 0
        out.view = out.view.unsqueeze(dim);
        if (!index.boolean()) out.view = out.view.slice(dim, 0, 0);
        ++dim;
        break;
      case Kind::Slice:
        if (index.slice().step() <= 0) throw std::invalid_argument("index: slice step must be positive");
        out.view = out.view.slice(dim, index.slice().start(), index.slice().stop(), index.slice().step());
        ++dim;
        break;
      case Kind::Tensor: {
        const Tensor& positions = index.tensor();
        if (out.index.defined())
          throw std::invalid_argument("index: more than one index tensor in one call is not supported");
        if (is_floating_point(positions.dtype()))
          throw std::invalid_argument(std::string("index: tensors used as indices must be long, int or bool tensors, got ") +
                                      dtype_name(positions.dtype()));
        out.index = positions;
        out.tensor_dim = dim;
        dim += positions.dtype() == kBool ? std::max<int64_t>(positions.dim(), 1) : 1;
        break;
      }
    }
  }
  return out;
}

// The positions an index tensor selects along `dim` of `view` (a bool mask's dims are flattened into one,
// whose shape is returned in `merged`).
std::vector<int64_t> positions_of(const Indexed& indexed, Tensor& flat_view, Shape& result_shape) {
  const Tensor& view = indexed.view;
  const Tensor& index = indexed.index;
  const int64_t dim = indexed.tensor_dim;
  const Shape& shape = view.shape();
  std::vector<int64_t> positions;
  if (index.dtype() == kBool) {
    const int64_t mask_rank = std::max<int64_t>(index.dim(), 1);
    Shape covered(shape.begin() + dim, shape.begin() + dim + mask_rank);
    Shape mask_shape = index.dim() == 0 ? Shape{1} : index.shape();
    if (covered != mask_shape)
      throw std::invalid_argument("index: the shape of the mask " + shape_string(index.shape()) +
                                  " does not match the shape of the indexed tensor " + shape_string(shape) +
                                  " at dimension " + std::to_string(dim));
    std::vector<bool> mask = index.to_vector<bool>();
    for (size_t i = 0; i < mask.size(); ++i)
      if (mask[i]) positions.push_back(static_cast<int64_t>(i));
    Shape flat(shape.begin(), shape.begin() + dim);
    flat.push_back(static_cast<int64_t>(mask.size()));
    flat.insert(flat.end(), shape.begin() + dim + mask_rank, shape.end());
    flat_view = index.dim() == 0 ? view.unsqueeze(dim) : view.reshape(flat);
    result_shape = flat;
    result_shape[dim] = static_cast<int64_t>(positions.size());
  } else {
    positions = index.to_vector<int64_t>();
    const int64_t extent = shape[dim];
    for (int64_t& p : positions) {
      if (p < -extent || p >= extent)
        throw std::out_of_range("index: index " + std::to_string(p) + " is out of bounds for dimension " +
                                std::to_string(dim) + " with size " + std::to_string(extent));
      if (p < 0) p += extent;
    }
    flat_view = view;
    result_shape = Shape(shape.begin(), shape.begin() + dim);
    result_shape.insert(result_shape.end(), index.shape().begin(), index.shape().end());
    result_shape.insert(result_shape.end(), shape.begin() + dim + 1, shape.end());
  }
  return positions;
}

std::vector<TensorIndex> listed(std::initializer_list<TensorIndex> indices) { return {indices.begin(), indices.end()}; }
}  // namespace

Tensor Tensor::index(const std::vector<TensorIndex>& indices) const {
  Indexed indexed = apply_basic(*this, indices);
  if (!indexed.index.defined()) return indexed.view;
  Tensor flat;
  Shape result_shape;
  std::vector<int64_t> positions = positions_of(indexed, flat, result_shape);
  return flat.index_select(indexed.tensor_dim, positions).reshape(result_shape);
}
Tensor Tensor::index(std::initializer_list<TensorIndex> indices) const { return index(listed(indices)); }

Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& value) {
  check_defined("index_put_", value);
  Indexed indexed = apply_basic(*this, indices);
  if (!indexed.index.defined()) {
    Tensor target = indexed.view;  // a view of this tensor: the write goes to its storage
    target.copy_(value);
    return *this;
  }
  Tensor flat;
  Shape result_shape;
  std::vector<int64_t> positions = positions_of(indexed, flat, result_shape);
  if (flat.impl()->storage.get() != impl()->storage.get())  // a mask over dims a view cannot merge
    throw std::invalid_argument("index_put_: a bool mask over dimensions of a strided tensor is not supported; "
                                "call contiguous() first");
  // The value broadcast to what index() would return, then written position by position (each a view).
  Tensor values = broadcast_to(value.to(dtype()), result_shape);
  const int64_t dim = indexed.tensor_dim;
  Shape gathered_shape = flat.shape();
  gathered_shape[dim] = static_cast<int64_t>(positions.size());
  Tensor rows = values.reshape(gathered_shape);
  for (size_t i = 0; i < positions.size(); ++i) {
    Tensor target = flat.select(dim, positions[i]);
    target.copy_(rows.select(dim, static_cast<int64_t>(i)));
  }
  return *this;
}
Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, const Tensor& value) {
  return index_put_(listed(indices), value);
}
Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, Scalar value) {
  check_defined("index_put_", *this);
  return index_put_(listed(indices), full({}, value, xgrad::dtype(dtype())));
}

}  // namespace xgrad

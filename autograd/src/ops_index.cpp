// LibTorch's tensor indexing: x.index({...}) and x.index_put_({...}, value). Integers, slices, None and
// "..." become the view ops (select, slice, unsqueeze); index tensors (int64/int32 positions, bool masks
// over one or more dimensions, any number of them, broadcast together) gather a copy, as PyTorch's
// advanced indexing.
#include <algorithm>
#include <memory>
#include <string>

#include "node.hpp"
#include "ops_internal.hpp"

namespace xgrad {
namespace indexing {

TensorIndex::TensorIndex(const char* text) : kind_(Kind::Ellipsis) {
  if (std::string(text) != "...")
    throw Error(std::string("index: expected \"...\" to stand for an Ellipsis, got \"") + text + "\"");
}

}  // namespace indexing

namespace {
using indexing::TensorIndex;
using Kind = TensorIndex::Kind;

// The basic part of an index applied (views), and the index tensors with the dimension of `view` each
// starts at (a bool mask covers as many dimensions as it has).
struct Indexed {
  Tensor view;
  std::vector<std::pair<int64_t, Tensor>> tensors;
};

Indexed apply_basic(const Tensor& self, const std::vector<TensorIndex>& indices) {
  check_defined("index", self);
  int64_t specified = 0;
  bool seen_ellipsis = false;
  for (const TensorIndex& index : indices) {
    if (index.kind() == Kind::Integer || index.kind() == Kind::Slice) ++specified;
    if (index.kind() == Kind::Tensor) {
      check_defined("index", index.tensor());
      specified += index.tensor().dtype() == kBool ? index.tensor().dim() : 1;
    }
    if (index.kind() == Kind::Ellipsis) {
      if (seen_ellipsis) throw Error("index: an index can only have a single ellipsis ('...')");
      seen_ellipsis = true;
    }
  }
  if (specified > self.dim())
    throw Error("index: too many indices for tensor of dimension " + std::to_string(self.dim()) +
                                " (got " + std::to_string(specified) + ")");
  Indexed out{self, {}};
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
        if (index.slice().step() <= 0) throw Error("index: slice step must be positive");
        out.view = out.view.slice(dim, index.slice().start(), index.slice().stop(), index.slice().step());
        ++dim;
        break;
      case Kind::Tensor: {
        Tensor positions = index.tensor();
        if (is_floating_point(positions.dtype()))
          throw Error(std::string("index: tensors used as indices must be long, int or bool tensors, got ") +
                                      dtype_name(positions.dtype()));
        if (positions.dtype() == kBool && positions.dim() == 0) {
          // A 0-d mask adds a dimension of size 1 and selects all of it or nothing, like x[True]/x[False].
          out.view = out.view.unsqueeze(dim);
          positions = positions.unsqueeze(0);
        }
        out.tensors.emplace_back(dim, positions);
        dim += positions.dtype() == kBool ? positions.dim() : 1;
        break;
      }
    }
  }
  return out;
}

// Where advanced indexing reads: for every element of the result, in row-major order, its row-major
// position in `view` (`linear`, for gathers and gradients) and its offset in view's storage (`offsets`,
// for writes). As PyTorch (and NumPy): bool masks become the coordinates of their true elements, all index
// tensors broadcast together to one shape B, and B takes the place of the indexed dimensions when they
// are adjacent, else goes first.
struct Positions {
  std::vector<int64_t> linear, offsets;
  Shape shape;
};

Positions advanced_positions(const Indexed& indexed) {
  const Tensor& view = indexed.view;
  const Shape& shape = view.shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  // One list of coordinates (with its shape) per indexed dimension.
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> coordinates;
  std::vector<Shape> shapes;
  for (const auto& [dim, index] : indexed.tensors) {
    if (index.dtype() == kBool) {
      const int64_t mask_rank = index.dim();
      Shape covered(shape.begin() + dim, shape.begin() + dim + mask_rank);
      if (covered != index.shape())
        throw Error("index: the shape of the mask " + shape_string(index.shape()) +
                                    " does not match the shape of the indexed tensor " + shape_string(shape) +
                                    " at dimension " + std::to_string(dim));
      std::vector<bool> mask = index.to_vector<bool>();
      std::vector<std::vector<int64_t>> along(static_cast<size_t>(mask_rank));
      std::vector<int64_t> coordinate(static_cast<size_t>(mask_rank), 0);
      for (size_t i = 0; i < mask.size(); ++i) {
        if (mask[i])
          for (int64_t k = 0; k < mask_rank; ++k) along[k].push_back(coordinate[k]);
        for (int64_t k = mask_rank - 1; k >= 0 && ++coordinate[k] == covered[k]; --k) coordinate[k] = 0;
      }
      for (int64_t k = 0; k < mask_rank; ++k) {
        dims.push_back(dim + k);
        shapes.push_back({static_cast<int64_t>(along[k].size())});
        coordinates.push_back(std::move(along[k]));
      }
    } else {
      std::vector<int64_t> values = index.to_vector<int64_t>();
      const int64_t extent = shape[dim];
      for (int64_t& p : values) {
        if (p < -extent || p >= extent)
          throw std::out_of_range("index: index " + std::to_string(p) + " is out of bounds for dimension " +
                                  std::to_string(dim) + " with size " + std::to_string(extent));
        if (p < 0) p += extent;
      }
      dims.push_back(dim);
      shapes.push_back(index.shape());
      coordinates.push_back(std::move(values));
    }
  }
  Shape broadcast = shapes[0];
  for (size_t i = 1; i < shapes.size(); ++i) {
    try {
      broadcast = broadcast_shapes("index", broadcast, shapes[i]);
    } catch (const std::invalid_argument&) {
      std::string listed;
      for (const Shape& s : shapes) listed += (listed.empty() ? "" : ", ") + shape_string(s);
      throw Error("index: shape mismatch: indexing tensors could not be broadcast together with shapes " + listed);
    }
  }
  const int64_t count = checked_numel(broadcast, "index");

  // Each indexed dimension's contribution to the linear position and to the storage offset, per element of B.
  const Shape row_major = contiguous_strides(shape);
  const Shape strides = strides_of(*view.impl());
  std::vector<int64_t> linear_b(static_cast<size_t>(count), 0), offset_b(static_cast<size_t>(count), 0);
  const Shape b_strides = contiguous_strides(broadcast);
  for (size_t i = 0; i < dims.size(); ++i) {
    Shape from(broadcast.size(), 0);  // broadcast strides of this index into B
    const Shape own = contiguous_strides(shapes[i]);
    for (size_t k = 0; k < shapes[i].size(); ++k)
      if (shapes[i][k] != 1) from[broadcast.size() - shapes[i].size() + k] = own[k];
    const std::vector<int64_t>& values = coordinates[i];
    const int64_t d = dims[i];
    for_each_element(broadcast, from, b_strides, [&](int64_t a, int64_t b) {
      linear_b[b] += values[a] * row_major[d];
      offset_b[b] += values[a] * strides[d];
    });
  }

  // The result's dimensions: the unindexed ones before B (when the indexed ones are adjacent), B, the rest.
  bool adjacent = true;
  for (size_t i = 1; i < dims.size(); ++i) adjacent = adjacent && dims[i] == dims[i - 1] + 1;
  std::vector<bool> indexed_dim(static_cast<size_t>(rank), false);
  for (int64_t d : dims) indexed_dim[d] = true;
  Shape before, after, before_linear, after_linear, before_strides, after_strides;
  for (int64_t d = 0; d < rank; ++d) {
    if (indexed_dim[d]) continue;
    const bool first = adjacent && d < dims.front();
    (first ? before : after).push_back(shape[d]);
    (first ? before_linear : after_linear).push_back(row_major[d]);
    (first ? before_strides : after_strides).push_back(strides[d]);
  }
  Positions out;
  out.shape = before;
  out.shape.insert(out.shape.end(), broadcast.begin(), broadcast.end());
  out.shape.insert(out.shape.end(), after.begin(), after.end());
  const int64_t total = checked_numel(out.shape, "index");
  out.linear.reserve(static_cast<size_t>(total));
  out.offsets.reserve(static_cast<size_t>(total));
  std::vector<std::pair<int64_t, int64_t>> inner;  // (linear, offset) of each element of the trailing dims
  for_each_element(after, after_linear, after_strides, [&](int64_t l, int64_t o) { inner.emplace_back(l, o); });
  const int64_t base = view.impl()->offset;
  for_each_element(before, before_linear, before_strides, [&](int64_t l0, int64_t o0) {
    for (int64_t j = 0; j < count; ++j)
      for (const auto& [l1, o1] : inner) {
        out.linear.push_back(l0 + linear_b[j] + l1);
        out.offsets.push_back(base + o0 + offset_b[j] + o1);
      }
  });
  return out;
}

std::vector<TensorIndex> listed(std::initializer_list<TensorIndex> indices) { return {indices.begin(), indices.end()}; }

// `previous` with the elements at `linear` (row-major positions) replaced by `values` (one per position),
// differentiable in both: PyTorch's index_put without accumulation.
Tensor put_at(const Tensor& previous, const std::vector<int64_t>& linear, const Tensor& values_in) {
  Tensor out = previous.contiguous().clone();
  Tensor hold;
  const Tensor& values = dense(values_in, hold);
  XG_DISPATCH_ALL(out.dtype(), {
    T* target = out.impl()->data<T>();
    const T* source = values.impl()->data<T>();
    for (size_t k = 0; k < linear.size(); ++k) target[linear[k]] = source[k];
  });
  if (any_requires_grad({&previous, &values_in})) {
    auto positions = std::make_shared<const std::vector<int64_t>>(linear);
    const Shape values_shape = values_in.shape();
    record(out, "IndexPutBackward", {&previous, &values_in}, [positions, values_shape](const Tensor& grad, Grads& grads) {
      if (grads.needs(0)) {
        Tensor keep = ones(grad.shape(), dtype(grad.dtype()));
        XG_DISPATCH(grad.dtype(), {
          T* mask = keep.impl()->data<T>();
          for (int64_t p : *positions) mask[p] = T(0);
        });
        grads.set(0, masked_zero(grad, keep));
      }
      if (grads.needs(1)) grads.set(1, grad.reshape({-1}).index_select(0, *positions).reshape(values_shape));
    });
  }
  return out;
}
}  // namespace

Tensor Tensor::index(const std::vector<TensorIndex>& indices) const {
  Indexed indexed = apply_basic(*this, indices);
  if (indexed.tensors.empty()) return indexed.view;
  const auto& [dim, index] = indexed.tensors.front();
  if (indexed.tensors.size() == 1 && index.dtype() != kBool) {
    // One integer index tensor: whole slices along one dimension (index_select copies rows at once).
    std::vector<int64_t> positions = index.to_vector<int64_t>();
    const Shape& shape = indexed.view.shape();
    for (int64_t& p : positions) {
      if (p < -shape[dim] || p >= shape[dim])
        throw std::out_of_range("index: index " + std::to_string(p) + " is out of bounds for dimension " +
                                std::to_string(dim) + " with size " + std::to_string(shape[dim]));
      if (p < 0) p += shape[dim];
    }
    Shape result(shape.begin(), shape.begin() + dim);
    result.insert(result.end(), index.shape().begin(), index.shape().end());
    result.insert(result.end(), shape.begin() + dim + 1, shape.end());
    return indexed.view.index_select(dim, positions).reshape(result);
  }
  Positions where = advanced_positions(indexed);
  return indexed.view.reshape({-1}).index_select(0, where.linear).reshape(where.shape);
}
Tensor Tensor::index(std::initializer_list<TensorIndex> indices) const { return index(listed(indices)); }

Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& value) {
  check_defined("index_put_", value);
  Indexed indexed = apply_basic(*this, indices);
  Tensor target = indexed.view;  // this tensor or a view of it: writes go to its storage
  if (indexed.tensors.empty()) {
    target.copy_(value);
    return *this;
  }
  check_inplace_allowed("index_put_", target);
  Positions where = advanced_positions(indexed);
  Tensor values = broadcast_to(value.to(dtype()), where.shape);
  const bool record = GradMode::is_enabled() && (target.requires_grad() || values.requires_grad());
  if (!record) {
    // Straight into the storage, element by element (last write wins for repeated positions, as PyTorch).
    Tensor hold;
    const Tensor& source = dense(values, hold);
    XG_DISPATCH_ALL(dtype(), {
      T* storage = static_cast<T*>(target.impl()->storage->data());
      const T* from = source.impl()->data<T>();
      for (size_t k = 0; k < where.offsets.size(); ++k) storage[where.offsets[k]] = from[k];
    });
    bump_version(target);
    return *this;
  }
  apply_inplace("index_put_", target, true,
                [&](const Tensor& previous) { return put_at(previous, where.linear, values); });
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

// Private helpers shared by linalg.cpp and norms.cpp: argument checks, batch bookkeeping, and the small
// differentiable pieces torch.linalg's backward formulas need (transposes, triangles, identity) composed from
// public xgrad ops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xgrad/linalg.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad {
namespace linalg {
namespace detail {

// Calls f(float()) or f(double()) for the tensor's dtype.
template <class F>
void dispatch(Dtype dtype, F&& f) {
  if (dtype == kFloat32) f(float());
  else f(double());
}

// Throws std::invalid_argument unless A is defined, floating point and has at least two dimensions.
void check_matrix(const char* fn, const Tensor& A);
void check_square(const char* fn, const Tensor& A);
// The leading (batch) dimensions of a matrix argument and their product.
Shape batch_shape(const Tensor& A);
int64_t product(const Shape& shape);
Shape concat(Shape shape, std::initializer_list<int64_t> tail);
// NumPy broadcasting of two batch shapes; throws std::invalid_argument naming fn.
Shape broadcast_batch(const char* fn, const Shape& a, const Shape& b);
// "fn: " for an unbatched input, "fn: (Batch element i): " otherwise (torch's LinAlgError wording).
std::string error_prefix(const char* fn, int64_t element, bool batched);

// A tensor of `shape` filled from row-major data (constant: no history).
template <class T>
Tensor from_data(const std::vector<T>& data, const Shape& shape, Dtype dtype) {
  Tensor out = empty(shape, TensorOptions().dtype(dtype));
  dispatch(dtype, [&](auto tag) {
    using U = decltype(tag);
    U* o = out.data_ptr<U>();
    for (size_t i = 0; i < data.size(); ++i) o[i] = static_cast<U>(data[i]);
  });
  return out;
}

Tensor mT(const Tensor& x);                                // transpose of the last two dims (a view)
Tensor eye(int64_t n, Dtype dtype);                         // constant identity
Tensor tril(const Tensor& x, int64_t diagonal = 0);         // x times a constant lower-triangular mask
Tensor triu(const Tensor& x, int64_t diagonal = 0);
Tensor diag_embed(const Tensor& v);                         // [*, n] -> [*, n, n]
// Differentiable amax / amin over one dim; ties share the gradient equally (torch's amax).
Tensor amax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor amin(const Tensor& x, int64_t dim, bool keepdim = false);

// X with A X = B for A [*, n, n], B [*, n, k] of the same batch shape; `fn` names the caller in errors.
Tensor solve_square(const char* fn, const Tensor& A, const Tensor& B);

}  // namespace detail
}  // namespace linalg
}  // namespace xgrad

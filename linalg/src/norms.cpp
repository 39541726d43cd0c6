// Norms, rank and condition number, as torch.linalg defines them (aten/src/ATen/native/LinearAlgebra.cpp).
// vector_norm records its own node with torch's norm_backward (zero gradient where the norm is zero, ties of
// the inf-norm sharing it); the matrix functions are compositions of vector_norm, svdvals, inv and amax/amin.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "common.hpp"
#include "node.hpp"

namespace xgrad {
namespace linalg {

using namespace detail;

namespace {
std::vector<int64_t> normalize_dims(const char* fn, const Tensor& x, const std::vector<int64_t>& dims) {
  const int64_t rank = x.dim();
  std::vector<int64_t> out;
  for (int64_t d : dims) {
    const int64_t wrapped = d < 0 ? d + rank : d;
    if (wrapped < 0 || wrapped >= std::max<int64_t>(rank, 1))
      throw Error(std::string(fn) + ": dimension " + std::to_string(d) + " is out of range for a " +
                                  std::to_string(rank) + "-D tensor");
    if (std::find(out.begin(), out.end(), wrapped) != out.end())
      throw Error(std::string(fn) + ": dimension " + std::to_string(d) + " appears twice");
    out.push_back(wrapped);
  }
  return out;
}

// 1 where the predicate holds on x's values, else 0 (a constant of x's shape and dtype).
template <class Predicate>
Tensor mask(const Tensor& x, Predicate predicate) {
  std::vector<double> values = x.detach().contiguous().to_vector<double>();
  for (double& v : values) v = predicate(v) ? 1.0 : 0.0;
  return from_data(values, x.shape(), x.dtype());
}
Tensor sgn(const Tensor& x) {
  std::vector<double> values = x.detach().contiguous().to_vector<double>();
  for (double& v : values) v = v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0;
  return from_data(values, x.shape(), x.dtype());
}

// torch's norm_backward (FunctionsManual.cpp) for a norm over x's last dim; grad and norm are [*, 1].
Tensor norm_backward(const Tensor& grad, const Tensor& x, double p, const Tensor& norm) {
  if (p == 0.0) return zeros_like(x);
  if (p == 1.0) return sgn(x) * grad;
  // Where the norm is 0 the gradient is 0: divide by norm + 1 there (x is 0 too) and mask the result.
  Tensor zero_norm = mask(norm, [](double v) { return v == 0; });
  Tensor nonzero_norm = 1.0 - zero_norm;
  Tensor safe_norm = norm + zero_norm;
  if (p == 2.0) return grad * (x / safe_norm) * nonzero_norm;
  if (std::isinf(p)) {
    // amax(|x|): the entries equal to the norm share the gradient.
    Tensor x_abs = x.detach().abs();
    Tensor is_max = mask(x_abs - norm.detach(), [](double v) { return v == 0; });
    return sgn(x) * (grad / is_max.sum({-1}, true) * is_max);
  }
  Tensor x_abs = x.abs();
  if (p < 1.0) {
    Tensor zero_x = mask(x, [](double v) { return v == 0; });
    Tensor scaled = sgn(x) * (x_abs + zero_x).pow(p - 1) * (1.0 - zero_x);
    return scaled * grad * norm.pow(1 - p);
  }
  Tensor scaled = p < 2.0 ? sgn(x) * x_abs.pow(p - 1) : x * x_abs.pow(p - 2);
  return scaled * (grad / safe_norm.pow(p - 1) * nonzero_norm);
}

// The norm over the last dim of x [*, R], kept as [*, 1], with its own node.
Tensor vector_norm_last(const Tensor& x, double p) {
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor x_abs = x.abs();
    if (p == 0.0) out = mask(x, [](double v) { return v != 0; }).sum({-1}, true);
    else if (std::isinf(p)) out = p > 0 ? amax(x_abs, -1, true) : amin(x_abs, -1, true);
    else if (p == 1.0) out = x_abs.sum({-1}, true);
    else if (p == 2.0) out = (x * x).sum({-1}, true).sqrt();
    else out = x_abs.pow(p).sum({-1}, true).pow(1.0 / p);
    out = out.contiguous();
  }
  if (GradMode::is_enabled() && x.requires_grad()) {
    SavedTensor saved_x(x, false), saved_out(out, true);
    record(out, "LinalgVectorNormBackward", {&x}, [saved_x, saved_out, p](const Tensor& grad, Grads& grads) {
      grads.set(0, norm_backward(grad, saved_x.unpack(grads.node), p, saved_out.unpack(grads.node)));
    });
  }
  return out;
}
}  // namespace

Tensor vector_norm(const Tensor& x, double ord, std::optional<std::vector<int64_t>> dim, bool keepdim) {
  if (!x.defined()) throw Error("linalg.vector_norm: the input is an undefined tensor");
  if (x.dtype() != kFloat32 && x.dtype() != kFloat64)
    throw Error(std::string("linalg.vector_norm: expected a float32 or float64 tensor, got ") +
                                dtype_name(x.dtype()));
  std::vector<int64_t> all(static_cast<size_t>(x.dim()));
  std::iota(all.begin(), all.end(), 0);
  std::vector<int64_t> reduced = dim && !dim->empty() ? normalize_dims("linalg.vector_norm", x, *dim) : all;
  if (x.dim() == 0) reduced.clear();
  // Move the reduced dims to the end and flatten them into one.
  std::vector<int64_t> order, kept_shape;
  Shape keep_shape = x.shape();
  for (int64_t d = 0; d < x.dim(); ++d)
    if (std::find(reduced.begin(), reduced.end(), d) == reduced.end()) {
      order.push_back(d);
      kept_shape.push_back(x.size(d));
    }
  int64_t length = 1;
  for (int64_t d : reduced) {
    order.push_back(d);
    length *= x.size(d);
    keep_shape[static_cast<size_t>(d)] = 1;
  }
  if (length == 0 && (ord < 0 || std::isinf(ord)))  // no identity to start from
    throw Error("linalg.vector_norm: the norm of order " + std::to_string(ord) +
                                " of an empty tensor is not defined");
  Shape flat = kept_shape;
  flat.push_back(length);
  Tensor moved = x.dim() == 0 ? x.reshape({1}) : x.permute(order).reshape(flat);
  Tensor out = vector_norm_last(moved, ord);
  return out.reshape(keepdim ? keep_shape : kept_shape);
}

namespace {
// dim as two distinct non-negative dims of A.
std::pair<int64_t, int64_t> matrix_dims(const char* fn, const Tensor& A, const std::vector<int64_t>& dim) {
  if (!A.defined()) throw Error(std::string(fn) + ": the input is an undefined tensor");
  if (A.dtype() != kFloat32 && A.dtype() != kFloat64)
    throw Error(std::string(fn) + ": expected a float32 or float64 tensor, got " +
                                dtype_name(A.dtype()));
  if (A.dim() < 2)
    throw Error(std::string(fn) + ": The input tensor A must have at least 2 dimensions.");
  if (dim.size() != 2) throw Error(std::string(fn) + ": dim must be a 2-tuple of ints");
  std::vector<int64_t> d = normalize_dims(fn, A, dim);
  return {d[0], d[1]};
}

// A with dims (d0, d1) moved to the end, in that order.
Tensor move_to_end(const Tensor& A, int64_t d0, int64_t d1) {
  std::vector<int64_t> order;
  for (int64_t d = 0; d < A.dim(); ++d)
    if (d != d0 && d != d1) order.push_back(d);
  order.push_back(d0);
  order.push_back(d1);
  return A.permute(order);
}

Tensor keep_dims(Tensor result, int64_t d0, int64_t d1, bool keepdim) {
  if (!keepdim) return result;
  result = result.unsqueeze(std::min(d0, d1));
  return result.unsqueeze(std::max(d0, d1));
}
}  // namespace

Tensor matrix_norm(const Tensor& A, const std::string& ord, std::vector<int64_t> dim, bool keepdim) {
  auto [d0, d1] = matrix_dims("linalg.matrix_norm", A, dim);
  if (ord == "fro") return vector_norm(A, 2.0, std::vector<int64_t>{d0, d1}, keepdim);
  if (ord == "nuc") return keep_dims(svdvals(move_to_end(A, d0, d1)).sum({-1}), d0, d1, keepdim);
  throw Error("linalg.matrix_norm: Order " + ord + " not supported.");
}

Tensor matrix_norm(const Tensor& A, double ord, std::vector<int64_t> dim, bool keepdim) {
  auto [d0, d1] = matrix_dims("linalg.matrix_norm", A, dim);
  const double magnitude = std::abs(ord);
  if (magnitude != 1 && magnitude != 2 && !std::isinf(magnitude))
    throw Error("linalg.matrix_norm: Order " + std::to_string(ord) + " not supported.");
  const bool largest = ord > 0;
  if (magnitude == 2) {
    Tensor s = svdvals(move_to_end(A, d0, d1));
    return keep_dims(largest ? amax(s, -1) : amin(s, -1), d0, d1, keepdim);
  }
  // 1: the largest column sum of |A| (sum over d0, extreme over d1); inf: the same with the dims swapped.
  if (std::isinf(magnitude)) std::swap(d0, d1);
  if (!keepdim && d0 < d1) --d1;
  Tensor sums = vector_norm(A, 1.0, std::vector<int64_t>{d0}, keepdim);
  return largest ? amax(sums, d1, keepdim) : amin(sums, d1, keepdim);
}

Tensor norm(const Tensor& A, std::optional<double> ord, std::optional<std::vector<int64_t>> dim, bool keepdim) {
  if (!A.defined()) throw Error("linalg.norm: the input is an undefined tensor");
  if (dim) {
    if (dim->size() == 1) return vector_norm(A, ord.value_or(2.0), dim, keepdim);
    if (dim->size() == 2) return ord ? matrix_norm(A, *ord, *dim, keepdim) : matrix_norm(A, "fro", *dim, keepdim);
    throw Error("linalg.norm: If dim is specified, it must be of length 1 or 2.");
  }
  if (!ord) return vector_norm(A, 2.0, std::nullopt, keepdim);
  if (A.dim() == 1) return vector_norm(A, *ord, std::nullopt, keepdim);
  if (A.dim() == 2) return matrix_norm(A, *ord, {0, 1}, keepdim);
  throw Error("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got " +
                              std::to_string(A.dim()) + "D.");
}

Tensor norm(const Tensor& A, const std::string& ord, std::optional<std::vector<int64_t>> dim, bool keepdim) {
  if (!A.defined()) throw Error("linalg.norm: the input is an undefined tensor");
  if (dim) return matrix_norm(A, ord, *dim, keepdim);
  if (A.dim() != 2)
    throw Error("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got " +
                                std::to_string(A.dim()) + "D.");
  return matrix_norm(A, ord, {0, 1}, keepdim);
}

Tensor matrix_rank(const Tensor& A, std::optional<double> atol, std::optional<double> rtol, bool hermitian) {
  check_matrix("linalg.matrix_rank", A);
  if (hermitian) check_square("linalg.matrix_rank", A);
  NoGradGuard no_grad;  // an integer count: no gradient
  Tensor s = hermitian ? eigvalsh(A).abs() : svdvals(A);
  const double eps = A.dtype() == kFloat32 ? std::numeric_limits<float>::epsilon()
                                           : std::numeric_limits<double>::epsilon();
  const double abs_tol = atol.value_or(0.0);
  const double rel_tol = rtol ? *rtol : atol && *atol > 0 ? 0.0 : eps * static_cast<double>(std::max(A.size(-1), A.size(-2)));
  std::vector<double> values = s.contiguous().to_vector<double>();
  const int64_t k = s.size(-1), count = product(batch_shape(A));
  std::vector<double> ranks(static_cast<size_t>(count), 0.0);
  for (int64_t e = 0; e < count && k > 0; ++e) {
    const double* row = values.data() + e * k;
    const double tol = std::max(abs_tol, rel_tol * *std::max_element(row, row + k));
    ranks[static_cast<size_t>(e)] = static_cast<double>(std::count_if(row, row + k, [&](double v) { return v > tol; }));
  }
  return tensor(ranks, batch_shape(A), TensorOptions(kInt64));  // int64, as torch returns ranks
}

namespace {
// norm(A) * norm(inv(A)) with inf for singular matrices (an exactly zero LU pivot), as torch's cond.
template <class Norm>
Tensor cond_by_inverse(const Tensor& A, Norm norm_of) {
  check_square("linalg.cond", A);
  auto [sign, logabs] = slogdet(A.detach());
  std::vector<double> signs = sign.to_vector<double>();
  bool any_singular = std::any_of(signs.begin(), signs.end(), [](double v) { return v == 0; });
  if (!any_singular) return norm_of(A) * norm_of(inv(A));
  // Invert the regular matrices only (singular ones are swapped for I), then put inf where they were.
  Tensor singular = mask(sign, [](double v) { return v == 0; });
  Tensor regular = 1.0 - singular;
  Tensor I = eye(A.size(-1), A.dtype());
  Tensor fixed = A * regular.unsqueeze(-1).unsqueeze(-1) + I * singular.unsqueeze(-1).unsqueeze(-1);
  std::vector<double> inf_values = singular.to_vector<double>();
  for (double& v : inf_values) v = v != 0 ? std::numeric_limits<double>::infinity() : 0.0;
  Tensor result = norm_of(fixed) * norm_of(inv(fixed)) * regular;
  return result + from_data(inf_values, sign.shape(), A.dtype());
}
}  // namespace

Tensor cond(const Tensor& A, std::optional<double> ord) {
  check_matrix("linalg.cond", A);
  const double p = ord.value_or(2.0);
  if (std::abs(p) == 2.0) {
    Tensor s = svdvals(A);
    const int64_t k = s.size(-1);
    Tensor largest = s.narrow(-1, 0, 1), smallest = s.narrow(-1, k - 1, 1);
    return (p > 0 ? largest / smallest : smallest / largest).squeeze(-1);
  }
  return cond_by_inverse(A, [p](const Tensor& M) { return matrix_norm(M, p); });
}

Tensor cond(const Tensor& A, const std::string& ord) {
  check_matrix("linalg.cond", A);
  if (ord != "fro" && ord != "nuc") throw Error("linalg.cond: Order " + ord + " not supported.");
  return cond_by_inverse(A, [ord](const Tensor& M) { return matrix_norm(M, ord); });
}

}  // namespace linalg
}  // namespace xgrad

// xgrad::linalg decompositions and solvers. Each op computes its forward with LAPACK (lapack.hpp) on data copied
// out of its inputs, records one node whose backward is PyTorch 1.13's formula (torch/csrc/autograd/
// FunctionsManual.cpp) written with differentiable xgrad ops, so double backward works. Functions with several
// differentiable outputs (qr, eigh, svd) record one node on a packed tensor and return views of it: the
// outputs' gradients meet in that tensor's gradient (zeros where an output was unused), and the node saves the
// packed output without a reference cycle.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "common.hpp"
#include "lapack.hpp"
#include "node.hpp"

namespace xgrad {
namespace linalg {
namespace detail {

void check_matrix(const char* fn, const Tensor& A) {
  if (!A.defined()) throw Error(std::string(fn) + ": the input is an undefined tensor");
  if (A.dtype() != kFloat32 && A.dtype() != kFloat64)
    throw Error(std::string(fn) + ": expected a float32 or float64 tensor, got " +
                                dtype_name(A.dtype()));
  if (A.dim() < 2)
    throw Error(std::string(fn) + ": the input must have at least 2 dimensions, got shape " +
                                shape_string(A.shape()));
}

void check_square(const char* fn, const Tensor& A) {
  check_matrix(fn, A);
  if (A.size(-1) != A.size(-2))
    throw Error(std::string(fn) + ": A must be batches of square matrices, but they are " +
                                std::to_string(A.size(-2)) + " by " + std::to_string(A.size(-1)) + " matrices");
}

Shape batch_shape(const Tensor& A) { return Shape(A.shape().begin(), A.shape().end() - 2); }

int64_t product(const Shape& shape) {
  int64_t count = 1;
  for (int64_t extent : shape) count *= extent;
  return count;
}

Shape concat(Shape shape, std::initializer_list<int64_t> tail) {
  shape.insert(shape.end(), tail);
  return shape;
}

Shape broadcast_batch(const char* fn, const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t x = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    int64_t y = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (x != y && x != 1 && y != 1)
      throw Error(std::string(fn) + ": the batch dimensions " + shape_string(a) + " and " +
                                  shape_string(b) + " cannot broadcast");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

std::string error_prefix(const char* fn, int64_t element, bool batched) {
  return std::string(fn) + (batched ? ": (Batch element " + std::to_string(element) + "): " : ": ");
}

Tensor mT(const Tensor& x) { return x.transpose(-2, -1); }

Tensor eye(int64_t n, Dtype dtype) {
  std::vector<double> values(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) values[static_cast<size_t>(i * n + i)] = 1.0;
  return from_data(values, {n, n}, dtype);
}

namespace {
Tensor triangle_mask(int64_t rows, int64_t cols, int64_t diagonal, bool lower, Dtype dtype) {
  std::vector<double> values(static_cast<size_t>(rows * cols), 0.0);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      if (lower ? j - i <= diagonal : j - i >= diagonal) values[static_cast<size_t>(i * cols + j)] = 1.0;
  return from_data(values, {rows, cols}, dtype);
}
}  // namespace

Tensor tril(const Tensor& x, int64_t diagonal) {
  return x * triangle_mask(x.size(-2), x.size(-1), diagonal, true, x.dtype());
}
Tensor triu(const Tensor& x, int64_t diagonal) {
  return x * triangle_mask(x.size(-2), x.size(-1), diagonal, false, x.dtype());
}
Tensor diag_embed(const Tensor& v) { return v.unsqueeze(-2) * eye(v.size(-1), v.dtype()); }

namespace {
// sum(x * w, dim) with w = 1/count on the extreme entries of each slice, 0 elsewhere (a constant).
Tensor extreme(const Tensor& x, int64_t dim, bool keepdim, bool largest) {
  const int64_t rank = x.dim();
  if (dim < 0) dim += rank;
  Tensor moved = x.detach().transpose(dim, rank - 1).contiguous();
  const int64_t n = moved.size(-1), rows = n == 0 ? 0 : moved.numel() / n;
  std::vector<double> values = moved.to_vector<double>(), weights(values.size(), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const double* row = values.data() + r * n;
    double best = largest ? *std::max_element(row, row + n) : *std::min_element(row, row + n);
    int64_t count = std::count(row, row + n, best);
    for (int64_t j = 0; j < n; ++j)
      if (row[j] == best) weights[static_cast<size_t>(r * n + j)] = 1.0 / static_cast<double>(count);
  }
  Tensor w = from_data(weights, moved.shape(), x.dtype()).transpose(dim, rank - 1);
  return (x * w).sum({dim}, keepdim);
}
}  // namespace

Tensor amax(const Tensor& x, int64_t dim, bool keepdim) { return extreme(x, dim, keepdim, true); }
Tensor amin(const Tensor& x, int64_t dim, bool keepdim) { return extreme(x, dim, keepdim, false); }

// ---------------------------------------------------------------- solve

Tensor solve_square(const char* fn, const Tensor& A, const Tensor& B) {
  const int64_t n = A.size(-1), k = B.size(-1), count = product(batch_shape(A));
  const bool batched = A.dim() > 2;
  Tensor a = A.contiguous(), b = B.contiguous();
  Tensor X = empty(B.shape(), TensorOptions().dtype(A.dtype()));
  dispatch(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.template data_ptr<T>();
    const T* pb = b.template data_ptr<T>();
    T* px = X.template data_ptr<T>();
    std::vector<T> lu(static_cast<size_t>(n * n));
    std::vector<int> pivots(static_cast<size_t>(n));
    for (int64_t e = 0; e < count; ++e) {
      std::copy_n(pa + e * n * n, n * n, lu.data());
      int info = n == 0 ? 0 : lapack::lu_factor_transposed<T>(n, lu.data(), pivots.data());
      if (info > 0) {
        bool inverting = std::string(fn) == "linalg.inv";
        throw LinAlgError(error_prefix(fn, e, batched) + "The diagonal element " + std::to_string(info) +
                          " is zero, the " + (inverting ? "inversion" : "solve") +
                          " could not be completed because the input matrix is singular.");
      }
      std::copy_n(pb + e * n * k, n * k, px + e * n * k);
      if (n > 0 && k > 0) lapack::lu_solve_transposed<T>(n, k, lu.data(), pivots.data(), px + e * n * k);
    }
  });
  if (GradMode::is_enabled() && (A.requires_grad() || B.requires_grad())) {
    SavedTensor saved_a(A, false), saved_x(X, true);
    record(X, "LinalgSolveBackward", {&A, &B}, [saved_a, saved_x](const Tensor& grad, Grads& grads) {
      // gB = A^{-T} gX, gA = -gB X^T.
      Tensor a = saved_a.unpack(grads.node);
      Tensor gB = solve_square("linalg.solve", mT(a), grad);
      if (grads.needs(0)) grads.set(0, -matmul(gB, mT(saved_x.unpack(grads.node))));
      if (grads.needs(1)) grads.set(1, gB);
    });
  }
  return X;
}

}  // namespace detail

using namespace detail;

namespace {
// A matrix argument's dense data and its batch bookkeeping.
struct Matrices {
  Matrices(const Tensor& A) : data(A.contiguous()), batch(batch_shape(A)), count(product(batch)),
                              rows(A.size(-2)), cols(A.size(-1)), batched(A.dim() > 2) {}
  Tensor data;
  Shape batch;
  int64_t count, rows, cols;
  bool batched;
};

Tensor new_tensor(const Shape& shape, Dtype dtype) { return empty(shape, TensorOptions().dtype(dtype)); }

// The part of a packed [*, total] tensor at [offset, offset + numel(shape)), viewed as [*, shape...].
Tensor unpack_part(const Tensor& packed, int64_t offset, const Shape& shape) {
  Shape full(packed.shape().begin(), packed.shape().end() - 1);
  full.insert(full.end(), shape.begin(), shape.end());
  return packed.narrow(-1, offset, product(shape)).reshape(full);
}

bool wants_grad(const Tensor& A) { return GradMode::is_enabled() && A.requires_grad(); }
}  // namespace

Tensor solve(const Tensor& A, const Tensor& B) {
  check_square("linalg.solve", A);
  if (!B.defined()) throw Error("linalg.solve: B is an undefined tensor");
  if (B.dtype() != A.dtype())
    throw Error(std::string("linalg.solve: dtypes ") + dtype_name(A.dtype()) + " and " +
                                dtype_name(B.dtype()) + " differ; convert one with .to()");
  // B is a (batch of) vector(s) when it is 1-D or has A's shape without the last dimension (torch's rule).
  const Shape a_rows(A.shape().begin(), A.shape().end() - 1);
  const bool vector_case = B.dim() == 1 || (B.dim() == A.dim() - 1 && B.shape() == a_rows);
  Tensor b = vector_case ? B.unsqueeze(-1) : B;
  const int64_t n = A.size(-1);
  if (b.dim() < 2 || b.size(-2) != n)
    throw Error("linalg.solve: Incompatible shapes of A and B for the equation AX = B (" +
                                shape_string(A.shape()) + " and " + shape_string(B.shape()) + ")");
  Shape batch = broadcast_batch("linalg.solve", batch_shape(A), batch_shape(b));
  Tensor a = batch == batch_shape(A) ? A : broadcast_to(A, concat(batch, {n, n})).contiguous();
  if (batch != batch_shape(b)) b = broadcast_to(b, concat(batch, {n, b.size(-1)})).contiguous();
  Tensor X = solve_square("linalg.solve", a, b);
  return vector_case ? X.squeeze(-1) : X;
}

Tensor inv(const Tensor& A) {
  check_square("linalg.inv", A);
  const int64_t n = A.size(-1);
  Tensor identity = broadcast_to(eye(n, A.dtype()), A.shape()).contiguous();
  Tensor out;
  {
    NoGradGuard no_grad;  // its own node below: -A^{-T} G A^{-T}, from the saved inverse
    out = solve_square("linalg.inv", A, identity);
  }
  if (wants_grad(A)) {
    SavedTensor saved_out(out, true);
    record(out, "LinalgInvBackward", {&A}, [saved_out](const Tensor& grad, Grads& grads) {
      Tensor inverse_t = mT(saved_out.unpack(grads.node));
      grads.set(0, -matmul(inverse_t, matmul(grad, inverse_t)));
    });
  }
  return out;
}

namespace {
// LU of every matrix: the determinant's sign and log|det|, and per element whether it is singular.
void lu_determinants(const Matrices& m, std::vector<double>& sign, std::vector<double>& logabs) {
  const int64_t n = m.rows;
  sign.assign(static_cast<size_t>(m.count), 1.0);
  logabs.assign(static_cast<size_t>(m.count), 0.0);
  dispatch(m.data.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = m.data.template data_ptr<T>();
    std::vector<T> lu(static_cast<size_t>(n * n));
    std::vector<int> pivots(static_cast<size_t>(n));
    for (int64_t e = 0; e < m.count; ++e) {
      if (n == 0) continue;
      std::copy_n(pa + e * n * n, n * n, lu.data());
      lapack::lu_factor_transposed<T>(n, lu.data(), pivots.data());  // det(A^T) = det(A)
      double s = 1.0, l = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        const T d = lu[static_cast<size_t>(i * n + i)];
        if (pivots[static_cast<size_t>(i)] != i + 1) s = -s;
        if (d < 0) s = -s;
        if (d == 0) s = 0;
        l += std::log(std::abs(static_cast<double>(d)));
      }
      sign[static_cast<size_t>(e)] = s;
      logabs[static_cast<size_t>(e)] = s == 0 ? -std::numeric_limits<double>::infinity() : l;
    }
  });
}

// The determinant through the same LU, as torch computes it: the product of U's diagonal times the sign.
Tensor lu_det_values(const Matrices& m) {
  const int64_t n = m.rows;
  Tensor out = new_tensor(m.batch, m.data.dtype());
  dispatch(m.data.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = m.data.template data_ptr<T>();
    T* po = out.template data_ptr<T>();
    std::vector<T> lu(static_cast<size_t>(n * n));
    std::vector<int> pivots(static_cast<size_t>(n));
    for (int64_t e = 0; e < m.count; ++e) {
      T d = 1;
      if (n > 0) {
        std::copy_n(pa + e * n * n, n * n, lu.data());
        lapack::lu_factor_transposed<T>(n, lu.data(), pivots.data());
        for (int64_t i = 0; i < n; ++i) {
          d *= lu[static_cast<size_t>(i * n + i)];
          if (pivots[static_cast<size_t>(i)] != i + 1) d = -d;
        }
      }
      po[e] = d;
    }
  });
  return out;
}

// Gradient of det at singular matrices (torch's SVD formula): U diag(alpha * prod_{j != i} S_j) Vh, with
// alpha = det(U) det(Vh) grad; the products of the other singular values avoid dividing by a zero one.
Tensor det_backward_singular(const Tensor& A, const Tensor& grad) {
  auto [U, S, Vh] = svd(A, true);
  Tensor alpha = det(U) * det(Vh) * grad;
  const int64_t n = S.size(-1);
  std::vector<Tensor> prefix{ones_like(alpha)}, suffix{ones_like(alpha)};
  for (int64_t i = 0; i < n; ++i) prefix.push_back(prefix.back() * S.select(-1, i));
  for (int64_t i = n - 1; i >= 0; --i) suffix.push_back(suffix.back() * S.select(-1, i));
  std::vector<Tensor> others;
  for (int64_t i = 0; i < n; ++i) others.push_back(alpha * prefix[static_cast<size_t>(i)] * suffix[static_cast<size_t>(n - 1 - i)]);
  Tensor D = stack(others, -1);
  return matmul(U * D.unsqueeze(-2), Vh);
}
}  // namespace

Tensor det(const Tensor& A) {
  check_square("linalg.det", A);
  Matrices m(A);
  Tensor out = lu_det_values(m);
  if (wants_grad(A)) {
    SavedTensor saved_a(A, false), saved_out(out, true);
    record(out, "LinalgDetBackward", {&A}, [saved_a, saved_out](const Tensor& grad, Grads& grads) {
      Tensor a = saved_a.unpack(grads.node), d = saved_out.unpack(grads.node);
      const int64_t n = a.size(-1);
      if (a.numel() == 0) {
        grads.set(0, zeros_like(a));
        return;
      }
      // Invertible: grad * det * A^{-T} = solve(A^T, grad * det * I). Near-singular (|det| < 100 eps, torch's
      // test) elements take the SVD formula instead; both are differentiable.
      const double eps = a.dtype() == kFloat32 ? std::numeric_limits<float>::epsilon()
                                               : std::numeric_limits<double>::epsilon();
      const Shape batch = batch_shape(a);
      const int64_t count = product(batch);
      std::vector<double> dets = d.to_vector<double>();
      std::vector<int64_t> regular, singular;
      for (int64_t e = 0; e < count; ++e)
        (std::abs(dets[static_cast<size_t>(e)]) < 100 * eps ? singular : regular).push_back(e);
      Tensor flat_a = a.reshape({count, n, n}), flat_g = (grad * d).reshape({count});
      Tensor flat_grad = grad.reshape({count});
      auto regular_part = [&](const std::vector<int64_t>& idx) {
        Tensor rhs = flat_g.index_select(0, idx).unsqueeze(-1).unsqueeze(-1) * eye(n, a.dtype());
        return solve_square("linalg.det", mT(flat_a.index_select(0, idx)), rhs);
      };
      auto singular_part = [&](const std::vector<int64_t>& idx) {
        return det_backward_singular(flat_a.index_select(0, idx), flat_grad.index_select(0, idx));
      };
      Tensor result;
      if (singular.empty()) result = regular_part(regular);
      else if (regular.empty()) result = singular_part(singular);
      else {
        // Both kinds: compute each on its elements, then put the rows back in batch order.
        Tensor both = cat({regular_part(regular), singular_part(singular)}, 0);
        std::vector<int64_t> order(static_cast<size_t>(count));
        for (size_t i = 0; i < regular.size(); ++i) order[static_cast<size_t>(regular[i])] = static_cast<int64_t>(i);
        for (size_t i = 0; i < singular.size(); ++i)
          order[static_cast<size_t>(singular[i])] = static_cast<int64_t>(regular.size() + i);
        result = both.index_select(0, order);
      }
      grads.set(0, result.reshape(a.shape()));
    });
  }
  return out;
}

std::tuple<Tensor, Tensor> slogdet(const Tensor& A) {
  check_square("linalg.slogdet", A);
  Matrices m(A);
  std::vector<double> sign, logabs;
  lu_determinants(m, sign, logabs);
  Tensor sign_t = from_data(sign, m.batch, A.dtype());  // constant: its derivative is zero for real input
  Tensor logabs_t = from_data(logabs, m.batch, A.dtype());
  if (wants_grad(A)) {
    SavedTensor saved_a(A, false);
    record(logabs_t, "LinalgSlogdetBackward", {&A}, [saved_a](const Tensor& grad, Grads& grads) {
      // d log|det A| = A^{-T}: solve(A^T, grad * I).
      Tensor a = saved_a.unpack(grads.node);
      Tensor rhs = grad.unsqueeze(-1).unsqueeze(-1) * eye(a.size(-1), a.dtype());
      grads.set(0, solve_square("linalg.slogdet", mT(a), rhs));
    });
  }
  return {sign_t, logabs_t};
}

// ---------------------------------------------------------------- cholesky

Tensor cholesky(const Tensor& A, bool upper) {
  check_square("linalg.cholesky", A);
  Matrices m(A);
  const int64_t n = m.rows;
  Tensor out = new_tensor(A.shape(), A.dtype());
  dispatch(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = m.data.template data_ptr<T>();
    T* po = out.template data_ptr<T>();
    for (int64_t e = 0; e < m.count; ++e) {
      if (n == 0) continue;
      int info = lapack::cholesky<T>(n, pa + e * n * n, po + e * n * n, upper);
      if (info > 0)
        throw LinAlgError(error_prefix("linalg.cholesky", e, m.batched) +
                          "The factorization could not be completed because the input is not positive-definite "
                          "(the leading minor of order " + std::to_string(info) + " is not positive-definite).");
    }
  });
  if (wants_grad(A)) {
    SavedTensor saved_out(out, true);
    record(out, "LinalgCholeskyBackward", {&A}, [saved_out, upper](const Tensor& grad, Grads& grads) {
      // gA = L^{-T} Phi(L^T gL) L^{-1} with Phi(X) = tril(X) symmetrized: 0.5 (X + X^T) with X's own diagonal.
      Tensor factor = saved_out.unpack(grads.node);
      Tensor L = upper ? mT(factor) : factor;
      Tensor gL = upper ? mT(grad) : grad;
      Tensor gA = detail::tril(matmul(mT(L), gL));
      gA = 0.5 * (gA + mT(detail::tril(gA, -1)));
      gA = solve_square("linalg.cholesky", mT(L), gA);               // L^{-T} gA
      gA = mT(solve_square("linalg.cholesky", mT(L), mT(gA)));       // gA L^{-1}
      grads.set(0, gA);
    });
  }
  return out;
}

// ---------------------------------------------------------------- qr

std::tuple<Tensor, Tensor> qr(const Tensor& A, const std::string& mode) {
  check_matrix("linalg.qr", A);
  if (mode != "reduced" && mode != "complete" && mode != "r")
    throw Error("linalg.qr: qr received unrecognized mode '" + mode +
                                "' but expected one of 'reduced' (default), 'r', or 'complete'");
  Matrices m(A);
  const int64_t rows = m.rows, cols = m.cols, k = std::min(rows, cols);
  const bool compute_q = mode != "r";
  const int64_t qcols = mode == "complete" ? rows : k, rrows = compute_q ? qcols : k;
  const int64_t qsize = compute_q ? rows * qcols : 0, total = qsize + rrows * cols;
  Tensor packed = new_tensor(concat(m.batch, {total}), A.dtype());
  dispatch(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = m.data.template data_ptr<T>();
    T* pp = packed.template data_ptr<T>();
    for (int64_t e = 0; e < m.count; ++e) {
      T* base = pp + e * total;
      int info = lapack::qr<T>(rows, cols, pa + e * rows * cols, compute_q ? base : nullptr, qcols, base + qsize);
      if (info != 0)
        throw LinAlgError(error_prefix("linalg.qr", e, m.batched) + "LAPACK geqrf/orgqr failed (info " +
                          std::to_string(info) + ")");
    }
  });
  if (wants_grad(A)) {
    SavedTensor saved(packed, true);
    record(packed, "LinalgQrBackward", {&A},
           [saved, rows, cols, qcols, rrows, qsize, compute_q, mode](const Tensor& grad, Grads& grads) {
      if (!compute_q)
        throw std::runtime_error("linalg.qr: The derivative of linalg.qr depends on Q, which is not computed when "
                                 "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                                 "differentiate through linalg.qr.");
      if (mode == "complete" && rows > cols)
        throw std::runtime_error("linalg.qr: The QR decomposition is not differentiable when mode='complete' and "
                                 "nrows > ncols.");
      Tensor p = saved.unpack(grads.node);
      Tensor Q = unpack_part(p, 0, {rows, qcols}), R = unpack_part(p, qsize, {rrows, cols});
      Tensor gQ = unpack_part(grad, 0, {rows, qcols}), gR = unpack_part(grad, qsize, {rrows, cols});
      Tensor gA = matmul(gR, mT(R)) - matmul(mT(Q), gQ);
      if (rows >= cols) {
        // Q syminvadj(triu(gA)) + gQ, then times R^{-T} from the right.
        gA = matmul(Q, detail::triu(gA) + mT(detail::triu(gA, 1))) + gQ;
        grads.set(0, mT(solve_square("linalg.qr", R, mT(gA))));
      } else {
        Tensor lower = detail::tril(-gA - mT(-gA));
        gA = matmul(Q, lower);
        // Wide A: the left square block of R takes the solve, the remaining columns get Q gR only.
        Tensor R1 = R.narrow(-1, 0, rows);
        gA = mT(solve_square("linalg.qr", R1, mT(gA)));
        Shape zero_shape = concat(batch_shape(gA), {rows, cols - rows});
        gA = cat({gA, zeros(zero_shape, TensorOptions().dtype(gA.dtype()))}, -1);
        grads.set(0, gA + matmul(Q, gR));
      }
    });
  }
  Tensor Q = compute_q ? unpack_part(packed, 0, {rows, qcols}).contiguous() : new_tensor({0}, A.dtype());
  Tensor R = unpack_part(packed, qsize, {rrows, cols}).contiguous();
  return {Q, R};
}

// ---------------------------------------------------------------- eigh

namespace {
bool parse_uplo(const std::string& UPLO) {
  if (UPLO != "L" && UPLO != "U" && UPLO != "l" && UPLO != "u")
    throw Error("linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got " + UPLO);
  return UPLO == "L" || UPLO == "l";
}

// Eigenvalues, and eigenvectors after them when `vectors`: [*, n] or [*, n + n * n].
Tensor eigh_packed(const Tensor& A, bool lower, bool vectors, const char* fn) {
  Matrices m(A);
  const int64_t n = m.rows, total = vectors ? n + n * n : n;
  Tensor packed = new_tensor(concat(m.batch, {total}), A.dtype());
  dispatch(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = m.data.template data_ptr<T>();
    T* pp = packed.template data_ptr<T>();
    for (int64_t e = 0; e < m.count; ++e) {
      if (n == 0) continue;
      T* base = pp + e * total;
      int info = lapack::eigh<T>(n, pa + e * n * n, lower, base, vectors ? base + n : nullptr);
      if (info > 0)
        throw LinAlgError(error_prefix(fn, e, m.batched) +
                          "The algorithm failed to converge because the input matrix is ill-conditioned or has too "
                          "many repeated eigenvalues (error code: " + std::to_string(info) + ").");
    }
  });
  return packed;
}
}  // namespace

std::tuple<Tensor, Tensor> eigh(const Tensor& A, const std::string& UPLO) {
  check_square("linalg.eigh", A);
  const bool lower = parse_uplo(UPLO);
  const int64_t n = A.size(-1);
  Tensor packed = eigh_packed(A, lower, true, "linalg.eigh");
  if (wants_grad(A)) {
    SavedTensor saved(packed, true);
    record(packed, "LinalgEighBackward", {&A}, [saved, n](const Tensor& grad, Grads& grads) {
      // gA = V (gL on the diagonal, skew(V^T gV) / (L_j - L_i) off it) V^T.
      Tensor p = saved.unpack(grads.node);
      Tensor L = p.narrow(-1, 0, n), V = unpack_part(p, n, {n, n});
      Tensor gL = grad.narrow(-1, 0, n), gV = unpack_part(grad, n, {n, n});
      Tensor VhgV = matmul(mT(V), gV);
      VhgV = 0.5 * (VhgV - mT(VhgV));
      Tensor I = eye(n, p.dtype());
      Tensor E = L.unsqueeze(-2) - L.unsqueeze(-1) + I;  // 1 on the diagonal, where VhgV is 0
      Tensor inner = VhgV / E + diag_embed(gL);
      grads.set(0, matmul(V, matmul(inner, mT(V))));
    });
  }
  Tensor values = packed.narrow(-1, 0, n).contiguous();
  Tensor vectors = unpack_part(packed, n, {n, n}).contiguous();
  return {values, vectors};
}

Tensor eigvalsh(const Tensor& A, const std::string& UPLO) {
  check_square("linalg.eigvalsh", A);
  // The gradient needs the eigenvectors; without one, LAPACK computes the values alone (as torch does).
  if (wants_grad(A)) return std::get<0>(eigh(A, UPLO));
  return eigh_packed(A, parse_uplo(UPLO), false, "linalg.eigvalsh");
}

// ---------------------------------------------------------------- svd

namespace {
struct SvdLayout {
  int64_t m, n, k, ucols, vrows, usize, ssize, total;
  SvdLayout(int64_t rows, int64_t cols, bool full, bool uv)
      : m(rows), n(cols), k(std::min(rows, cols)), ucols(full ? rows : k), vrows(full ? cols : k),
        usize(uv ? rows * ucols : 0), ssize(k), total(usize + k + (uv ? vrows * cols : 0)) {}
};

Tensor svd_packed(const Tensor& A, const SvdLayout& layout, bool full, bool uv, const char* fn) {
  Matrices m(A);
  Tensor packed = new_tensor(concat(m.batch, {layout.total}), A.dtype());
  dispatch(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = m.data.template data_ptr<T>();
    T* pp = packed.template data_ptr<T>();
    for (int64_t e = 0; e < m.count; ++e) {
      T* base = pp + e * layout.total;
      if (layout.k == 0) {
        // No singular values; U and Vh of an empty matrix are identities (full) or empty.
        std::fill(base, base + layout.total, T(0));
        if (uv)
          for (int64_t i = 0; i < std::min(layout.m, layout.ucols); ++i) base[i * layout.ucols + i] = 1;
        if (uv)
          for (int64_t i = 0; i < std::min(layout.n, layout.vrows); ++i)
            base[layout.usize + i * layout.n + i] = 1;
        continue;
      }
      int info = lapack::svd<T>(layout.m, layout.n, pa + e * layout.m * layout.n, full, uv ? base : nullptr,
                                base + layout.usize, uv ? base + layout.usize + layout.k : nullptr);
      if (info > 0)
        throw LinAlgError(error_prefix(fn, e, m.batched) +
                          "The algorithm failed to converge because the input matrix is ill-conditioned or has too "
                          "many repeated singular values (error code: " + std::to_string(info) + ").");
    }
  });
  return packed;
}
}  // namespace

std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices) {
  check_matrix("linalg.svd", A);
  const SvdLayout s(A.size(-2), A.size(-1), full_matrices, true);
  Tensor packed = svd_packed(A, s, full_matrices, true, "linalg.svd");
  if (wants_grad(A)) {
    SavedTensor saved(packed, true);
    record(packed, "LinalgSvdBackward", {&A}, [saved, s](const Tensor& grad, Grads& grads) {
      // torch's svd_backward on the first k columns of U and rows of Vh (full_matrices narrows them).
      Tensor p = saved.unpack(grads.node);
      const int64_t m = s.m, n = s.n, k = s.k;
      Tensor U = unpack_part(p, 0, {m, s.ucols}).narrow(-1, 0, k);
      Tensor S = p.narrow(-1, s.usize, k);
      Tensor Vh = unpack_part(p, s.usize + k, {s.vrows, n}).narrow(-2, 0, k);
      Tensor gU = unpack_part(grad, 0, {m, s.ucols}).narrow(-1, 0, k);
      Tensor gS = grad.narrow(-1, s.usize, k);
      Tensor gVh = unpack_part(grad, s.usize + k, {s.vrows, n}).narrow(-2, 0, k);
      if (k == 0) {
        grads.set(0, zeros(concat(batch_shape(U), {m, n}), TensorOptions().dtype(p.dtype())));
        return;
      }
      auto skew = [](const Tensor& X) { return X - mT(X); };
      Tensor UhgU = skew(matmul(mT(U), gU));
      Tensor VhgV = skew(matmul(Vh, mT(gVh)));
      Tensor S2 = S * S;
      Tensor E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + eye(k, p.dtype());
      Tensor gA = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E + diag_embed(gS);
      if (m > n) {
        gA = matmul(U, gA);
        Tensor gUSinv = gU / S.unsqueeze(-2);
        gA = gA + gUSinv - matmul(U, matmul(mT(U), gUSinv));
        gA = matmul(gA, Vh);
      } else if (m < n) {
        gA = matmul(gA, Vh);
        Tensor SinvgVh = gVh / S.unsqueeze(-1);
        gA = gA + SinvgVh - matmul(matmul(SinvgVh, mT(Vh)), Vh);
        gA = matmul(U, gA);
      } else {
        gA = matmul(U, matmul(gA, Vh));
      }
      grads.set(0, gA);
    });
  }
  Tensor U = unpack_part(packed, 0, {s.m, s.ucols}).contiguous();
  Tensor S = packed.narrow(-1, s.usize, s.k).contiguous();
  Tensor Vh = unpack_part(packed, s.usize + s.k, {s.vrows, s.n}).contiguous();
  return {U, S, Vh};
}

Tensor svdvals(const Tensor& A) {
  check_matrix("linalg.svdvals", A);
  if (wants_grad(A)) return std::get<1>(svd(A, false));
  return svd_packed(A, SvdLayout(A.size(-2), A.size(-1), false, false), false, false, "linalg.svdvals");
}

// ---------------------------------------------------------------- pinv, lstsq

namespace {
double default_rtol(const Tensor& A, std::optional<double> atol, std::optional<double> rtol) {
  if (rtol) return *rtol;
  const double eps = A.dtype() == kFloat32 ? std::numeric_limits<float>::epsilon()
                                           : std::numeric_limits<double>::epsilon();
  return atol && *atol > 0 ? 0.0 : eps * static_cast<double>(std::max(A.size(-1), A.size(-2)));
}

// torch's pinv_backward: the gradient of A -> pinv(A) at A given pinv(A).
Tensor pinv_backward(const Tensor& grad, const Tensor& pinvA, const Tensor& A) {
  const int64_t m = A.size(-2), n = A.size(-1);
  Tensor pinvAh = mT(pinvA), gradh = mT(grad);
  if (m <= n) {
    Tensor K = matmul(gradh, pinvA);
    Tensor KpinvAh = matmul(K, pinvAh);
    return -mT(matmul(pinvA, K)) + KpinvAh - matmul(matmul(A, pinvA), KpinvAh) +
           matmul(matmul(pinvAh, pinvA), gradh - matmul(K, A));
  }
  Tensor K = matmul(pinvA, gradh);
  Tensor pinvAhK = matmul(pinvAh, K);
  return -mT(matmul(K, pinvA)) + matmul(matmul(gradh - matmul(A, K), pinvA), pinvAh) + pinvAhK -
         matmul(matmul(pinvAhK, pinvA), A);
}
}  // namespace

Tensor pinv(const Tensor& A, std::optional<double> atol, std::optional<double> rtol, bool hermitian) {
  check_matrix("linalg.pinv", A);
  if (hermitian) check_square("linalg.pinv", A);
  const double abs_tol = atol.value_or(0.0), rel_tol = default_rtol(A, atol, rtol);
  Tensor out;
  {
    NoGradGuard no_grad;  // the value from a decomposition; the gradient is pinv_backward's formula
    Tensor left, values, right;  // A = left diag(values) right^T up to signs folded into the reciprocal
    if (!hermitian) {
      auto [U, S, Vh] = svd(A, false);
      left = U, values = S, right = mT(Vh);
    } else {
      auto [L, V] = eigh(A);
      left = V, values = L, right = V;
    }
    // values / values^2 above the tolerance (so a negative eigenvalue keeps its sign), 0 below.
    Tensor magnitude = values.abs();
    std::vector<double> mags = magnitude.contiguous().to_vector<double>(), inverse(mags.size(), 0.0);
    std::vector<double> raw = values.contiguous().to_vector<double>();
    const int64_t k = values.size(-1), count = k == 0 ? 0 : values.numel() / k;
    for (int64_t e = 0; e < count; ++e) {
      const double* row = mags.data() + e * k;
      const double largest = *std::max_element(row, row + k);
      const double tol = std::max(abs_tol, rel_tol * largest);
      for (int64_t i = 0; i < k; ++i)
        if (row[i] > tol) inverse[static_cast<size_t>(e * k + i)] = 1.0 / raw[static_cast<size_t>(e * k + i)];
    }
    Tensor values_inv = from_data(inverse, values.shape(), A.dtype());
    out = matmul(right * values_inv.unsqueeze(-2), mT(left)).contiguous();
  }
  if (wants_grad(A)) {
    SavedTensor saved_a(A, false), saved_out(out, true);
    record(out, "LinalgPinvBackward", {&A}, [saved_a, saved_out](const Tensor& grad, Grads& grads) {
      grads.set(0, pinv_backward(grad, saved_out.unpack(grads.node), saved_a.unpack(grads.node)));
    });
  }
  return out;
}

std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B, std::optional<double> rcond) {
  check_matrix("linalg.lstsq", A);
  if (!B.defined()) throw Error("linalg.lstsq: B is an undefined tensor");
  if (B.dtype() != A.dtype())
    throw Error(std::string("linalg.lstsq: dtypes ") + dtype_name(A.dtype()) + " and " +
                                dtype_name(B.dtype()) + " differ; convert one with .to()");
  const int64_t dim_diff = A.dim() - B.dim();
  if (dim_diff < 0 || dim_diff > 1)
    throw Error("linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                                "(input.dim() - other.dim()) <= 1");
  const bool vector_case = dim_diff == 1;  // torch's rule: B [*, m] is a batch of vectors
  Tensor b = vector_case ? B.unsqueeze(-1) : B;
  const int64_t m = A.size(-2), n = A.size(-1), k = b.size(-1);
  if (b.size(-2) != m)
    throw Error("linalg.lstsq: input.size(-2) should match other.size(-" +
                                std::string(vector_case ? "1" : "2") + "): shapes " + shape_string(A.shape()) +
                                " and " + shape_string(B.shape()));
  const Shape batch = broadcast_batch("linalg.lstsq", batch_shape(A), batch_shape(b));
  Tensor a = batch == batch_shape(A) ? A : broadcast_to(A, concat(batch, {m, n})).contiguous();
  if (batch != batch_shape(b)) b = broadcast_to(b, concat(batch, {m, k})).contiguous();
  const double eps = A.dtype() == kFloat32 ? std::numeric_limits<float>::epsilon()
                                           : std::numeric_limits<double>::epsilon();
  const double cutoff = rcond.value_or(eps * static_cast<double>(std::max(m, n)));

  Matrices ma(a), mb(b);
  const int64_t count = ma.count, kmin = std::min(m, n);
  Tensor X = new_tensor(concat(batch, {n, k}), A.dtype());
  Tensor S = new_tensor(concat(batch, {kmin}), A.dtype());
  Tensor residual_all = new_tensor(concat(batch, {k}), A.dtype());
  std::vector<double> ranks(static_cast<size_t>(count), 0.0);
  bool full_rank = true;
  dispatch(A.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = ma.data.template data_ptr<T>();
    const T* pb = mb.data.template data_ptr<T>();
    T* px = X.template data_ptr<T>();
    T* ps = S.template data_ptr<T>();
    T* pr = residual_all.template data_ptr<T>();
    for (int64_t e = 0; e < count; ++e) {
      int64_t rank = 0;
      if (kmin == 0 || k == 0) {
        std::fill(px + e * n * k, px + (e + 1) * n * k, T(0));
        std::fill(pr + e * k, pr + (e + 1) * k, T(0));
      } else {
        int info = lapack::lstsq<T>(m, n, k, pa + e * m * n, pb + e * m * k, cutoff, px + e * n * k,
                                    ps + e * kmin, &rank, pr + e * k);
        if (info > 0)
          throw LinAlgError(error_prefix("linalg.lstsq", e, ma.batched) +
                            "The least squares solution could not be computed: the SVD in gelsd did not converge "
                            "(error code: " + std::to_string(info) + ").");
      }
      ranks[static_cast<size_t>(e)] = static_cast<double>(rank);
      full_rank = full_rank && rank == n;
    }
  });
  // Residuals exist when m > n and every matrix has full rank (torch's rule for gelsd); else empty.
  Tensor residuals = m > n && full_rank ? residual_all : new_tensor({0}, A.dtype());
  Tensor rank = tensor(ranks, batch, TensorOptions(kInt64));  // int64, as torch returns ranks
  if (GradMode::is_enabled() && (a.requires_grad() || b.requires_grad())) {
    SavedTensor saved_a(a, false), saved_b(b, false);
    record(X, "LinalgLstsqBackward", {&a, &b}, [saved_a, saved_b](const Tensor& grad, Grads& grads) {
      // X = pinv(A) B: gA through pinv's backward, gB = pinv(A)^T gX.
      Tensor a_ = saved_a.unpack(grads.node);
      Tensor pinvA = pinv(a_);
      if (grads.needs(0)) grads.set(0, pinv_backward(matmul(grad, mT(saved_b.unpack(grads.node))), pinvA, a_));
      if (grads.needs(1)) grads.set(1, matmul(mT(pinvA), grad));
    });
  }
  return {vector_case ? X.squeeze(-1) : X, residuals, rank, S};
}

}  // namespace linalg
}  // namespace xgrad

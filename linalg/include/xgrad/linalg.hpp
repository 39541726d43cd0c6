// xgrad::linalg: torch.linalg's functions on LAPACK (through xtensor-blas over OpenBLAS), differentiable.
// Standard-library includes only.
//
// As in torch.linalg: matrices are the last two dimensions and every leading dimension is a batch
// (solve and lstsq broadcast the batch dimensions of A and B); float32 and float64; gradients follow
// PyTorch 1.13's formulas and are written with differentiable xgrad ops, so double backward works.
// Multi-output functions return std::tuple, like LibTorch's torch::linalg_* (structured bindings work).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {
namespace linalg {

// A singular matrix where an invertible one is needed, a matrix that is not positive-definite, or a
// decomposition that did not converge. The message names the function and, for batched input, the first
// failing batch element, like torch.linalg's LinAlgError:
//   "linalg.cholesky: (Batch element 1): The factorization could not be completed because the input is not
//    positive-definite (the leading minor of order 2 is not positive-definite)."
// Shape and dtype errors throw std::invalid_argument instead.
struct LinAlgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// X with A X = B. A: [*, n, n]; B: [*, n, k], or [*, n] / [n] (a batch of vectors: B.dim() == 1 or B's shape
// is A's without the last dimension). Throws LinAlgError when A is singular (an exactly zero pivot).
Tensor solve(const Tensor& A, const Tensor& B);
Tensor inv(const Tensor& A);
Tensor det(const Tensor& A);
// (sign, log|det|); sign is 0 and logabsdet -inf for a singular matrix.
std::tuple<Tensor, Tensor> slogdet(const Tensor& A);
// L with L L^T = A (or U = L^T with U^T U = A when upper), read from A's lower (upper) triangle.
Tensor cholesky(const Tensor& A, bool upper = false);
// mode "reduced" (Q [*, m, k], R [*, k, n], k = min(m, n)), "complete" (Q [*, m, m], R [*, m, n]) or "r"
// (Q empty, R [*, k, n]; not differentiable, as in PyTorch).
std::tuple<Tensor, Tensor> qr(const Tensor& A, const std::string& mode = "reduced");
// Eigenvalues in ascending order and eigenvectors as columns, from A's lower ("L") or upper ("U") triangle.
std::tuple<Tensor, Tensor> eigh(const Tensor& A, const std::string& UPLO = "L");
Tensor eigvalsh(const Tensor& A, const std::string& UPLO = "L");
// A = U diag(S) Vh, singular values descending. full_matrices: U [*, m, m], Vh [*, n, n]; else k = min(m, n).
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& A, bool full_matrices = true);
Tensor svdvals(const Tensor& A);
// Least squares min ||A X - B|| by LAPACK's gelsd (torch's "gelsd" driver): (solution [*, n, k],
// residuals [*, k] — squared residual norms, only when m > n and every matrix has full rank, else empty —,
// rank [*], singular values [*, min(m, n)]). rcond defaults to eps * max(m, n). Only the solution has a
// gradient (PyTorch's). rank is int64, as in PyTorch.
std::tuple<Tensor, Tensor, Tensor, Tensor> lstsq(const Tensor& A, const Tensor& B,
                                                 std::optional<double> rcond = std::nullopt);
// Moore-Penrose pseudo-inverse; singular values at or below max(atol, rtol * largest) are dropped. rtol
// defaults to eps * max(m, n) when atol is not given (or 0), else to 0. hermitian: use eigh instead of svd.
Tensor pinv(const Tensor& A, std::optional<double> atol = std::nullopt, std::optional<double> rtol = std::nullopt,
            bool hermitian = false);

// Norms. vector_norm: ord any double (inf, -inf, 0 included) over dims (all when not given).
Tensor vector_norm(const Tensor& x, double ord = 2, std::optional<std::vector<int64_t>> dim = std::nullopt,
                   bool keepdim = false);
// matrix_norm over two dims: ord "fro", "nuc", or 1, -1, 2, -2, inf, -inf.
Tensor matrix_norm(const Tensor& A, const std::string& ord = "fro", std::vector<int64_t> dim = {-2, -1},
                   bool keepdim = false);
Tensor matrix_norm(const Tensor& A, double ord, std::vector<int64_t> dim = {-2, -1}, bool keepdim = false);
// torch.linalg.norm: without ord, the 2-norm of the flattened input (or over dim); with a numeric ord, a
// vector norm when dim has one entry or the input is 1-D, a matrix norm when dim has two or the input is 2-D.
Tensor norm(const Tensor& A, std::optional<double> ord = std::nullopt,
            std::optional<std::vector<int64_t>> dim = std::nullopt, bool keepdim = false);
Tensor norm(const Tensor& A, const std::string& ord, std::optional<std::vector<int64_t>> dim = std::nullopt,
            bool keepdim = false);
// Number of singular values above max(atol, rtol * largest) (defaults as pinv); int64, as in PyTorch.
Tensor matrix_rank(const Tensor& A, std::optional<double> atol = std::nullopt,
                   std::optional<double> rtol = std::nullopt, bool hermitian = false);
// Condition number: ord 2 (default) / -2 from the singular values; "fro", "nuc", 1, -1, inf, -inf as
// matrix_norm(A) * matrix_norm(inv(A)) (inf for a singular matrix, as in PyTorch).
Tensor cond(const Tensor& A, std::optional<double> ord = std::nullopt);
Tensor cond(const Tensor& A, const std::string& ord);

}  // namespace linalg
}  // namespace xgrad

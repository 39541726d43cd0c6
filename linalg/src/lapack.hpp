// Private: LAPACK on one matrix at a time, through xtensor-blas (lapack.cpp is the only file that includes it,
// because its CBLAS enums clash with OpenBLAS's <cblas.h>). Standard library only.
// Every matrix here is dense and row-major, as xgrad stores it; lapack.cpp converts to LAPACK's column-major
// layout where the routine needs it. Each function returns LAPACK's info: 0 on success, > 0 for the
// routine's failure (a zero pivot, a non-positive minor, no convergence).
#pragma once
#include <cstdint>

namespace xgrad {
namespace linalg {
namespace lapack {

// LU factorization of A^T, in place (a row-major buffer is A^T in column-major order, so no copy is
// needed; torch.linalg.solve factors A^T the same way). pivots: n entries.
template <class T> int lu_factor_transposed(int64_t n, T* a, int* pivots);
// Solves A X = B with the factorization above; b: row-major [n, k], overwritten with X.
template <class T> void lu_solve_transposed(int64_t n, int64_t k, const T* lu, const int* pivots, T* b);
// Cholesky factor of the lower (upper = false) or upper triangle of A, written to out (lower L with
// L L^T = A, or upper U = L^T); the other triangle is zero.
template <class T> int cholesky(int64_t n, const T* a, T* out, bool upper);
// QR of A [m, n] by Householder reflections (geqrf + orgqr). q: [m, qcols] with qcols = min(m, n)
// (reduced) or m (complete), or null (mode "r"); r: [rrows, n] with rrows = qcols.
template <class T> int qr(int64_t m, int64_t n, const T* a, T* q, int64_t qcols, T* r);
// Eigenvalues (ascending) of a symmetric A read from its lower or upper triangle; eigenvectors as the
// columns of v [n, n] when v is not null (syevd).
template <class T> int eigh(int64_t n, const T* a, bool lower, T* w, T* v);
// Singular values (descending) of A [m, n] (gesdd); with u and vh not null also U [m, m or k] and
// Vh [n or k, n] (full_matrices or not), k = min(m, n).
template <class T> int svd(int64_t m, int64_t n, const T* a, bool full_matrices, T* u, T* s, T* vh);
// Least squares min ||A X - B|| by gelsd: x [n, k]; s [min(m, n)] singular values; rank; residual
// [k] sums of squares of the rows n..m-1 that gelsd leaves (meaningful when m > n and rank == n).
template <class T>
int lstsq(int64_t m, int64_t n, int64_t k, const T* a, const T* b, double rcond, T* x, T* s, int64_t* rank,
          T* residual);

}  // namespace lapack
}  // namespace linalg
}  // namespace xgrad

// The only translation unit that includes xtensor-blas: its CBLAS declarations clash with OpenBLAS's <cblas.h>
// (which autograd/src/ops_linalg.cpp uses), so LAPACK is reached from here alone, behind lapack.hpp.
// xt::lapack wraps the LAPACK routines (workspace queries included) over OpenBLAS's LAPACK; the one routine it
// does not wrap, getrs, comes from the cxxlapack bindings that xtensor-blas bundles.
#include "lapack.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor-blas/xlinalg.hpp>  // xt::lapack, with the cxxblas macros its bindings need

namespace xgrad {
namespace linalg {
namespace lapack {

namespace {
template <class T>
using ColumnMajor = xt::xtensor<T, 2, xt::layout_type::column_major>;

size_t to_size(int64_t value) { return static_cast<size_t>(value); }

// A row-major [rows, cols] buffer copied into a column-major container (what LAPACK reads).
template <class T>
ColumnMajor<T> column_major(const T* a, int64_t rows, int64_t cols) {
  ColumnMajor<T> out = ColumnMajor<T>::from_shape({to_size(rows), to_size(cols)});
  T* o = out.data();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) o[j * rows + i] = a[i * cols + j];
  return out;
}

// The leading [rows, cols] block of a column-major matrix with leading dimension ld, written row-major.
template <class T>
void to_row_major(const T* a, int64_t ld, int64_t rows, int64_t cols, T* out) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = a[j * ld + i];
}

auto index_view(int* data, int64_t n) {
  return xt::adapt(data, to_size(n), xt::no_ownership(), std::array<size_t, 1>{to_size(n)});
}
}  // namespace

template <class T>
int lu_factor_transposed(int64_t n, T* a, int* pivots) {
  auto lu = xt::adapt<xt::layout_type::column_major>(a, to_size(n * n), xt::no_ownership(),
                                                       std::array<size_t, 2>{to_size(n), to_size(n)});
  auto piv = index_view(pivots, n);
  return xt::lapack::getrf(lu, piv);
}

template <class T>
void lu_solve_transposed(int64_t n, int64_t k, const T* lu, const int* pivots, T* b) {
  // The factorization is of A^T, so solving with trans = 'T' gives A X = B. LAPACK wants B column-major.
  const int ld = static_cast<int>(std::max<int64_t>(1, n));
  if (k == 1) {
    cxxlapack::getrs<int>('T', static_cast<int>(n), 1, lu, ld, pivots, b, ld);
    return;
  }
  ColumnMajor<T> x = column_major(b, n, k);
  cxxlapack::getrs<int>('T', static_cast<int>(n), static_cast<int>(k), lu, ld, pivots, x.data(), ld);
  to_row_major(x.data(), n, n, k, b);
}

template <class T>
int cholesky(int64_t n, const T* a, T* out, bool upper) {
  ColumnMajor<T> m = column_major(a, n, n);
  int info = xt::lapack::potr(m, upper ? 'U' : 'L');
  if (info != 0) return info;
  to_row_major(m.data(), n, n, n, out);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (upper ? j < i : j > i) out[i * n + j] = 0;
  return 0;
}

template <class T>
int qr(int64_t m, int64_t n, const T* a, T* q, int64_t qcols, T* r) {
  const int64_t k = std::min(m, n);
  // geqrf overwrites A with R above the diagonal and the reflectors below; orgqr then builds Q from them in a
  // buffer wide enough for the complete Q when asked.
  ColumnMajor<T> h = ColumnMajor<T>::from_shape({to_size(m), to_size(std::max(n, qcols))});
  std::copy_n(column_major(a, m, n).data(), m * n, h.data());
  xt::xtensor<T, 1> tau = xt::xtensor<T, 1>::from_shape({to_size(std::max<int64_t>(k, 1))});
  if (k > 0) {
    auto geqrf_view = xt::adapt<xt::layout_type::column_major>(h.data(), to_size(m * n), xt::no_ownership(),
                                                               std::array<size_t, 2>{to_size(m), to_size(n)});
    int info = xt::lapack::geqrf(geqrf_view, tau);
    if (info != 0) return info;
  }
  const int64_t rrows = q ? qcols : k;
  for (int64_t i = 0; i < rrows; ++i)
    for (int64_t j = 0; j < n; ++j) r[i * n + j] = j >= i ? h.data()[j * m + i] : T(0);
  if (!q) return 0;
  if (k == 0) {  // no reflectors: Q is the identity
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < qcols; ++j) q[i * qcols + j] = i == j ? T(1) : T(0);
    return 0;
  }
  auto q_view = xt::adapt<xt::layout_type::column_major>(h.data(), to_size(m * qcols), xt::no_ownership(),
                                                         std::array<size_t, 2>{to_size(m), to_size(qcols)});
  auto reflectors = xt::adapt(tau.data(), to_size(k), xt::no_ownership(), std::array<size_t, 1>{to_size(k)});
  int info = xt::lapack::orgqr(q_view, reflectors, static_cast<int>(qcols));
  if (info != 0) return info;
  to_row_major(h.data(), m, m, qcols, q);
  return 0;
}

template <class T>
int eigh(int64_t n, const T* a, bool lower, T* w, T* v) {
  ColumnMajor<T> m = column_major(a, n, n);
  auto values = xt::adapt(w, to_size(n), xt::no_ownership(), std::array<size_t, 1>{to_size(n)});
  int info = xt::lapack::syevd(m, v ? 'V' : 'N', lower ? 'L' : 'U', values);
  if (info == 0 && v) to_row_major(m.data(), n, n, n, v);
  return info;
}

template <class T>
int svd(int64_t m, int64_t n, const T* a, bool full_matrices, T* u, T* s, T* vh) {
  const int64_t k = std::min(m, n);
  ColumnMajor<T> matrix = column_major(a, m, n);
  const char job = !u ? 'N' : full_matrices ? 'A' : 'S';
  auto result = xt::lapack::gesdd(matrix, job);
  int info = std::get<0>(result);
  if (info != 0) return info;
  std::copy_n(std::get<2>(result).data(), k, s);
  if (u) {
    const int64_t ucols = full_matrices ? m : k, vrows = full_matrices ? n : k;
    to_row_major(std::get<1>(result).data(), m, m, ucols, u);
    to_row_major(std::get<3>(result).data(), vrows, vrows, n, vh);
  }
  return 0;
}

template <class T>
int lstsq(int64_t m, int64_t n, int64_t k, const T* a, const T* b, double rcond, T* x, T* s, int64_t* rank,
          T* residual) {
  ColumnMajor<T> matrix = column_major(a, m, n);
  // gelsd reads B as [m, k] and writes X into the same [max(m, n), k] buffer; rows n..m-1 hold the residuals.
  const int64_t rows = std::max(m, n);
  ColumnMajor<T> rhs = ColumnMajor<T>::from_shape({to_size(rows), to_size(k)});
  std::fill(rhs.data(), rhs.data() + rows * k, T(0));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < k; ++j) rhs.data()[j * rows + i] = b[i * k + j];
  auto values = xt::adapt(s, to_size(std::min(m, n)), xt::no_ownership(),
                          std::array<size_t, 1>{to_size(std::min(m, n))});
  int computed_rank = 0;
  int info = xt::lapack::gelsd(matrix, rhs, values, computed_rank, rcond);
  if (info != 0) return info;
  *rank = computed_rank;
  to_row_major(rhs.data(), rows, n, k, x);
  for (int64_t j = 0; j < k; ++j) {
    T total = 0;
    for (int64_t i = n; i < m; ++i) total += rhs.data()[j * rows + i] * rhs.data()[j * rows + i];
    residual[j] = total;
  }
  return 0;
}

#define XGRAD_LAPACK_INSTANTIATE(T)                                                                          \
  template int lu_factor_transposed<T>(int64_t, T*, int*);                                                   \
  template void lu_solve_transposed<T>(int64_t, int64_t, const T*, const int*, T*);                          \
  template int cholesky<T>(int64_t, const T*, T*, bool);                                                     \
  template int qr<T>(int64_t, int64_t, const T*, T*, int64_t, T*);                                           \
  template int eigh<T>(int64_t, const T*, bool, T*, T*);                                                     \
  template int svd<T>(int64_t, int64_t, const T*, bool, T*, T*, T*);                                         \
  template int lstsq<T>(int64_t, int64_t, int64_t, const T*, const T*, double, T*, T*, int64_t*, T*);
XGRAD_LAPACK_INSTANTIATE(float)
XGRAD_LAPACK_INSTANTIATE(double)

}  // namespace lapack
}  // namespace linalg
}  // namespace xgrad

// Matrix products through OpenBLAS: transposes are BLAS flags, never materialized.
// Kept free of xtensor-blas, whose CBLAS enums clash with <cblas.h>.
#include <cblas.h>

#include <algorithm>
#include <string>

#include "node.hpp"
#include "ops_internal.hpp"
#include "tensor_impl.hpp"

namespace xgrad {

namespace {
// Tiny products inline (a BLAS call costs ~100 ns). Transposes are template flags, so every loop below is
// branch-free; the loop order keeps the innermost index contiguous where the layout allows.
template <class T, bool kTransposeA, bool kTransposeB>
void small_gemm(int64_t n, int64_t m, int64_t k, const T* a, const T* b, T* c) {
  const int64_t lda = kTransposeA ? n : k, ldb = kTransposeB ? k : m;
  auto A = [&](int64_t i, int64_t p) { return kTransposeA ? a[p * lda + i] : a[i * lda + p]; };
  auto B = [&](int64_t p, int64_t j) { return kTransposeB ? b[j * ldb + p] : b[p * ldb + j]; };
  if (n == 1 && m == 1) {
    // A single dot product (e.g. the weight gradient of Linear(1, 1)).
    T total = 0;
    for (int64_t p = 0; p < k; ++p) total += A(0, p) * B(p, 0);
    c[0] = total;
  } else if (m == 1 && (kTransposeA || k == 1)) {
    // Matrix-vector with A's rows contiguous along i: accumulate column by column.
    std::fill(c, c + n, T(0));
    for (int64_t p = 0; p < k; ++p) {
      const T scale = B(p, 0);
      for (int64_t i = 0; i < n; ++i) c[i] += A(i, p) * scale;
    }
  } else if (m == 1 || (!kTransposeA && kTransposeB)) {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j) {
        T total = 0;
        for (int64_t p = 0; p < k; ++p) total += A(i, p) * B(p, j);
        c[i * m + j] = total;
      }
  } else {
    std::fill(c, c + n * m, T(0));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t p = 0; p < k; ++p) {
        const T scale = A(i, p);
        for (int64_t j = 0; j < m; ++j) c[i * m + j] += scale * B(p, j);
      }
  }
}

// C[n, m] = op(A) op(B).
template <class T>
void gemm(bool transpose_a, bool transpose_b, int64_t n, int64_t m, int64_t k, const T* a, const T* b, T* c) {
  if (n * m * k <= 4096) {
    if (transpose_a) {
      if (transpose_b) small_gemm<T, true, true>(n, m, k, a, b, c);
      else small_gemm<T, true, false>(n, m, k, a, b, c);
    } else {
      if (transpose_b) small_gemm<T, false, true>(n, m, k, a, b, c);
      else small_gemm<T, false, false>(n, m, k, a, b, c);
    }
    return;
  }
  const int64_t lda = transpose_a ? n : k, ldb = transpose_b ? k : m;
  const CBLAS_TRANSPOSE ta = transpose_a ? CblasTrans : CblasNoTrans, tb = transpose_b ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same<T, float>::value)
    cblas_sgemm(CblasRowMajor, ta, tb, n, m, k, 1.0f, a, lda, b, ldb, 0.0f, c, m);
  else
    cblas_dgemm(CblasRowMajor, ta, tb, n, m, k, 1.0, a, lda, b, ldb, 0.0, c, m);
}

[[noreturn]] void cannot_multiply(const Tensor& a, const Tensor& b, const std::string& why) {
  throw Error("matmul: shapes " + shape_string(a.shape()) + " and " + shape_string(b.shape()) +
                              " cannot be multiplied (" + why + ")");
}
}  // namespace

// `x` as bmm reads it: contiguous storage, read transposed when `transposed`. A tensor whose last two dims
// are a transposed view of contiguous storage (w.t(), x.transpose(-2, -1)) is passed as that storage with
// the flag flipped, so BLAS reads it in place instead of a copy being made.
static Tensor gemm_operand(const Tensor& x, bool& transposed) {
  const TensorImpl& impl = *x.impl();
  if (impl.is_contiguous() || impl.shape.size() < 2) return x.contiguous();
  Tensor swapped = transpose(x, -2, -1);
  if (swapped.impl()->is_contiguous()) {
    transposed = !transposed;
    return swapped;
  }
  return x.contiguous();
}

// a [n, k] @ b [k, m] (or batched alike), transposed views read in place.
static Tensor matrix_product(const Tensor& a, const Tensor& b) {
  bool transpose_a = false, transpose_b = false;
  Tensor left = gemm_operand(a, transpose_a), right = gemm_operand(b, transpose_b);
  return bmm(left, right, transpose_a, transpose_b);
}

// a: [n, k] or [B, n, k] (stored [.., k, n] when transpose_a), b likewise; same rank, same batch.
Tensor bmm(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  check_same_dtype("matmul", a, b);
  int64_t rank = a.dim();
  if (rank != b.dim() || rank < 2 || rank > 3) cannot_multiply(a, b, "expected two 2-D or two 3-D tensors");
  int64_t batch = rank == 3 ? a.shape()[0] : 1;
  if (rank == 3 && b.shape()[0] != batch) cannot_multiply(a, b, "batch sizes differ");
  int64_t a0 = a.shape()[rank - 2], a1 = a.shape()[rank - 1], b0 = b.shape()[rank - 2], b1 = b.shape()[rank - 1];
  int64_t n = transpose_a ? a1 : a0, k = transpose_a ? a0 : a1;
  int64_t kb = transpose_b ? b1 : b0, m = transpose_b ? b0 : b1;
  if (k != kb) cannot_multiply(a, b, std::to_string(k) + " != " + std::to_string(kb));
  Shape shape = rank == 3 ? Shape{batch, n, m} : Shape{n, m};
  Tensor out = make_tensor(shape, a.dtype());
  Tensor hold_a, hold_b;
  const Tensor& da = dense(a, hold_a);
  const Tensor& db = dense(b, hold_b);
  XG_DISPATCH(a.dtype(), {
    const T* pa = da.impl()->data<T>();
    const T* pb = db.impl()->data<T>();
    T* pc = out.impl()->data<T>();
    for (int64_t i = 0; i < batch; ++i)
      gemm<T>(transpose_a, transpose_b, n, m, k, pa + i * n * k, pb + i * k * m, pc + i * n * m);
  });
  if (any_requires_grad({&a, &b})) {
    SavedTensor saved_a(a, false), saved_b(b, false);
    record(out, "MmBackward", {&a, &b}, [saved_a, saved_b, transpose_a, transpose_b](const Tensor& grad, Grads& grads) {
      // C = op(A) op(B): dop(A) = G op(B)^T and dop(B) = op(A)^T G, written back in each operand's storage order.
      if (grads.needs(0)) {
        Tensor b = saved_b.unpack(grads.node);
        grads.set(0, transpose_a ? bmm(b, grad, transpose_b, true) : bmm(grad, b, false, !transpose_b));
      }
      if (grads.needs(1)) {
        Tensor a = saved_a.unpack(grads.node);
        grads.set(1, transpose_b ? bmm(grad, a, true, transpose_a) : bmm(a, grad, !transpose_a, false));
      }
    });
  }
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_same_dtype("matmul", a, b);
  int64_t ra = a.dim(), rb = b.dim();
  if (ra == 0 || rb == 0) cannot_multiply(a, b, "both arguments need at least one dimension");
  if (ra == 1 && rb == 1) {
    if (a.numel() != b.numel()) cannot_multiply(a, b, "vector lengths differ");
    return reshape(matrix_product(a.unsqueeze(0), b.unsqueeze(1)), {});
  }
  if (ra == 2 && rb == 2) return matrix_product(a, b);
  if (ra == 1 && rb == 2) return matrix_product(a.unsqueeze(0), b).squeeze(0);
  if (ra == 2 && rb == 1) return matrix_product(a, b.unsqueeze(1)).squeeze(1);
  // Batched: vectors become matrices, then batch dimensions broadcast.
  Tensor left = ra == 1 ? a.unsqueeze(0) : a;
  Tensor right = rb == 1 ? b.unsqueeze(1) : b;
  const Shape& ls = left.shape();
  const Shape& rs = right.shape();
  int64_t n = ls[ls.size() - 2], k = ls.back(), m = rs.back();
  if (rs[rs.size() - 2] != k) cannot_multiply(a, b, std::to_string(k) + " != " + std::to_string(rs[rs.size() - 2]));
  Shape result;
  if (right.dim() == 2) {
    // [..., n, k] @ [k, m]: one big product (rows counted, not inferred: k may be 0).
    result = ls;
    result.back() = m;
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < ls.size(); ++d) rows *= ls[d];
    Tensor out = reshape(matrix_product(reshape(left, {rows, k}), right), result);
    return rb == 1 ? out.squeeze(-1) : out;
  }
  Shape batch;
  try {
    batch = broadcast_shapes("matmul", Shape(ls.begin(), ls.end() - 2), Shape(rs.begin(), rs.end() - 2));
  } catch (const std::invalid_argument&) {
    cannot_multiply(a, b, "batch dimensions do not broadcast");
  }
  int64_t count = 1;
  for (int64_t extent : batch) count *= extent;
  Shape left_full = batch, right_full = batch;
  left_full.insert(left_full.end(), {n, k});
  right_full.insert(right_full.end(), {k, m});
  Tensor product = matrix_product(reshape(expand_copy(left, left_full), {count, n, k}),
                      reshape(expand_copy(right, right_full), {count, k, m}));
  result = batch;
  result.insert(result.end(), {n, m});
  Tensor out = reshape(product, result);
  if (ra == 1) out = out.squeeze(-2);
  if (rb == 1) out = out.squeeze(-1);
  return out;
}

Tensor Tensor::matmul(const Tensor& other) const { return xgrad::matmul(*this, other); }

}  // namespace xgrad

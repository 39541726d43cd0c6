// Private: numeric kernels over tensor bodies. The only autograd header that includes xtensor.
// Tiny tensors take plain loops (an xtensor adaptor costs ~150 ns to set up); larger ones use xtensor's
// SIMD math and broadcasting.
#pragma once

#ifndef XTENSOR_USE_XSIMD
#define XTENSOR_USE_XSIMD
#endif
// xsimd would make xtensor's default allocator an aligned one (~70 ns per allocation); keep std's.
#define XTENSOR_DEFAULT_ALLOCATOR(T) std::allocator<T>

#include <xtensor/xadapt.hpp>
#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xreducer.hpp>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "ops_internal.hpp"
#include "tensor_impl.hpp"

namespace xgrad {

inline std::vector<size_t> to_extents(const Shape& shape) { return std::vector<size_t>(shape.begin(), shape.end()); }

template <class T>
auto adapt(const TensorImpl& impl) {
  return xt::adapt(impl.data<T>(), static_cast<size_t>(impl.numel), xt::no_ownership(), to_extents(impl.shape));
}
template <class T>
auto adapt_flat(T* data, int64_t count) {
  return xt::adapt(data, static_cast<size_t>(count), xt::no_ownership(), std::array<size_t, 1>{static_cast<size_t>(count)});
}


// True when `small` (ignoring leading 1s) equals the trailing dims of `big`: a bias-style broadcast.
inline bool is_trailing_broadcast(const Shape& small, const Shape& big) {
  size_t first = 0;
  while (first < small.size() && small[first] == 1) ++first;
  size_t count = small.size() - first;
  if (count > big.size()) return false;
  for (size_t i = 0; i < count; ++i)
    if (small[first + i] != big[big.size() - count + i]) return false;
  return true;
}

// `small` broadcast to `big` where small (right-aligned) equals big on one contiguous run of dimensions and
// is 1 on the others: big's elements group as [outer, mid, inner] blocks and small's element m goes with
// every (o, m, i). Covers per-row values ([N, 1] against [N, C]: outer 1), bias rows (inner 1) and
// per-channel values ([C, 1] against [N, C, L]), which would otherwise take xtensor's general broadcasting.
struct BlockBroadcast {
  int64_t outer = 1, mid = 1, inner = 1;
};
inline bool block_broadcast(const Shape& small, const Shape& big, BlockBroadcast& blocks) {
  const size_t rank = big.size();
  if (small.size() > rank) return false;
  const size_t pad = rank - small.size();
  BlockBroadcast found;
  int state = 0;  // 0 before the run of matching dimensions, 1 in it, 2 after it
  for (size_t d = 0; d < rank; ++d) {
    const int64_t extent = big[d], own = d < pad ? 1 : small[d - pad];
    if (extent == 1) {
      if (own != 1) return false;
    } else if (own == extent) {
      if (state == 2) return false;
      state = 1;
      found.mid *= extent;
    } else if (own == 1) {
      if (state == 0) found.outer *= extent;
      else {
        state = 2;
        found.inner *= extent;
      }
    } else {
      return false;
    }
  }
  blocks = found;
  return true;
}

// Copies `source` broadcast to `shape` into `target` (both of the target's dtype T).
template <class T>
void broadcast_copy(const TensorImpl& source, TensorImpl& target) {
  const T* in = source.data<T>();
  T* out = target.data<T>();
  if (source.numel == 1) return std::fill(out, out + target.numel, in[0]);
  if (source.numel == target.numel) {
    std::copy(in, in + source.numel, out);
    return;
  }
  if (source.numel > 0 && is_trailing_broadcast(source.shape, target.shape)) {
    for (int64_t row = 0; row < target.numel; row += source.numel) std::copy(in, in + source.numel, out + row);
    return;
  }
  BlockBroadcast blocks;
  if (block_broadcast(source.shape, target.shape, blocks)) {
    for (int64_t o = 0; o < blocks.outer; ++o)
      for (int64_t m = 0; m < blocks.mid; ++m) {
        T* block = out + (o * blocks.mid + m) * blocks.inner;
        std::fill(block, block + blocks.inner, in[m]);
      }
    return;
  }
  auto from = adapt<T>(source);
  auto to = adapt<T>(target);
  xt::noalias(to) = xt::broadcast(from, to_extents(target.shape));
}

// out[i] = op(a[i], b[i]) with NumPy broadcasting; `out` already has the broadcast shape.
// `out` may be `a` itself (in-place ops).
template <class T, class Op>
void binary_kernel(const TensorImpl& a, const TensorImpl& b, TensorImpl& out, Op op) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  const int64_t n = out.numel;
  if (a.numel == n && b.numel == n) {
    for (int64_t i = 0; i < n; ++i) po[i] = op(pa[i], pb[i]);
  } else if (a.numel == n && b.numel == 1) {
    const T s = pb[0];
    for (int64_t i = 0; i < n; ++i) po[i] = op(pa[i], s);
  } else if (b.numel == n && a.numel == 1) {
    const T s = pa[0];
    for (int64_t i = 0; i < n; ++i) po[i] = op(s, pb[i]);
  } else if (a.numel == n && b.numel > 0 && is_trailing_broadcast(b.shape, out.shape)) {
    const int64_t m = b.numel;
    for (int64_t row = 0; row < n; row += m)
      for (int64_t j = 0; j < m; ++j) po[row + j] = op(pa[row + j], pb[j]);
  } else if (b.numel == n && a.numel > 0 && is_trailing_broadcast(a.shape, out.shape)) {
    const int64_t m = a.numel;
    for (int64_t row = 0; row < n; row += m)
      for (int64_t j = 0; j < m; ++j) po[row + j] = op(pa[j], pb[row + j]);
  } else if (BlockBroadcast blocks; n > 0 && a.numel == n && block_broadcast(b.shape, out.shape, blocks)) {
    for (int64_t o = 0; o < blocks.outer; ++o)
      for (int64_t m = 0; m < blocks.mid; ++m) {
        const T s = pb[m];
        const int64_t start = (o * blocks.mid + m) * blocks.inner;
        for (int64_t i = start; i < start + blocks.inner; ++i) po[i] = op(pa[i], s);
      }
  } else if (BlockBroadcast blocks; n > 0 && b.numel == n && block_broadcast(a.shape, out.shape, blocks)) {
    for (int64_t o = 0; o < blocks.outer; ++o)
      for (int64_t m = 0; m < blocks.mid; ++m) {
        const T s = pa[m];
        const int64_t start = (o * blocks.mid + m) * blocks.inner;
        for (int64_t i = start; i < start + blocks.inner; ++i) po[i] = op(s, pb[i]);
      }
  } else if (n > 0) {
    // General broadcasting: let xtensor expand the operands, then run the same-shape loop.
    TensorImpl wide_a(out.shape, out.dtype), wide_b(out.shape, out.dtype);
    broadcast_copy<T>(a, wide_a);
    broadcast_copy<T>(b, wide_b);
    const T* qa = wide_a.data<T>();
    const T* qb = wide_b.data<T>();
    for (int64_t i = 0; i < n; ++i) po[i] = op(qa[i], qb[i]);
  }
}

// out[i] = op(x[i]); `out` may be `x`.
template <class T, class Op>
void unary_kernel(const TensorImpl& x, TensorImpl& out, Op op) {
  const T* px = x.data<T>();
  T* po = out.data<T>();
  for (int64_t i = 0; i < x.numel; ++i) po[i] = op(px[i]);
}

// Transcendental maps: a scalar loop for tiny tensors, xtensor's SIMD kernels otherwise.
template <class T, class Scalar, class Vector>
void math_kernel(const TensorImpl& x, TensorImpl& out, Scalar scalar, Vector vector) {
  if (x.numel < 32) return unary_kernel<T>(x, out, scalar);
  auto in = adapt_flat<T>(x.data<T>(), x.numel);
  auto to = adapt_flat<T>(out.data<T>(), out.numel);
  xt::noalias(to) = vector(in);
}

}  // namespace xgrad

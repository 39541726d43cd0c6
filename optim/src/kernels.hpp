// Private: the element-wise arithmetic of PyTorch's CPU kernels, so fused optimizer loops round as
// torch 1.13 does. Its AVX2 kernels compute add(x, alpha), addcmul and lerp with fused multiply-adds
// (measured against python3-torch: tests/optim/reference_zoo.py), and hyperparameters are cast to the
// tensor's dtype first.
#pragma once
#include <cmath>

namespace xgrad {
namespace optim {
namespace kernel {

// a * b + c, rounded once where the CPU has FMA (as PyTorch's AVX2 kernels); elsewhere two roundings.
template <class T>
inline T fmadd(T a, T b, T c) {
#ifdef __FMA__
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

// torch.maximum: NaN wins.
template <class T>
inline T maximum(T a, T b) {
  if (a != a) return a;
  if (b != b) return b;
  return a < b ? b : a;
}

}  // namespace kernel
}  // namespace optim
}  // namespace xgrad

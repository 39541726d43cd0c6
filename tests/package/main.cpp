#include <xgrad.hpp>
#include <cstdio>
int main() {
  xgrad::Tensor w = xgrad::scalar_tensor(2.0, xgrad::requires_grad());
  (w * w).backward();
  std::printf("dw = %.1f\n", w.grad().item());
}

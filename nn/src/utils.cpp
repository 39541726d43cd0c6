#include "xgrad/nn/utils.hpp"

#include <cmath>
#include <stdexcept>

#include "tensor_impl.hpp"

namespace xgrad {
namespace nn {
namespace utils {

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type, bool error_if_nonfinite) {
  if (!(norm_type > 0)) throw std::invalid_argument("clip_grad_norm_: norm_type must be positive");
  const bool infinity = std::isinf(norm_type);
  double total = 0;
  bool any = false;
  for (const Tensor& p : parameters) {
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    any = true;
    // Each tensor's norm is accumulated in its own dtype, then combined, as PyTorch does.
    XG_DISPATCH(grad.dtype(), {
      const T* g = grad.impl()->data<T>();
      T norm = 0;
      if (infinity) {
        for (int64_t k = 0, n = grad.numel(); k < n; ++k) norm = std::max(norm, std::abs(g[k]));
        total = std::max(total, static_cast<double>(norm));
      } else {
        for (int64_t k = 0, n = grad.numel(); k < n; ++k) norm += std::pow(std::abs(g[k]), T(norm_type));
        norm = std::pow(norm, T(1 / norm_type));
        total += std::pow(static_cast<double>(norm), norm_type);
      }
    });
  }
  if (!any) return 0.0;
  if (!infinity) total = std::pow(total, 1 / norm_type);
  if (!std::isfinite(total)) {
    if (error_if_nonfinite)
      throw std::runtime_error("clip_grad_norm_: the total norm of order " + std::to_string(norm_type) +
                               " of the gradients is non-finite, so it cannot be clipped");
  }
  double coefficient = std::min(1.0, max_norm / (total + 1e-6));
  NoGradGuard no_grad;
  for (const Tensor& p : parameters) {
    Tensor grad = p.grad();
    if (grad.defined()) grad *= coefficient;
  }
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  if (!(clip_value >= 0)) throw std::invalid_argument("clip_grad_value_: clip_value must be non-negative");
  for (const Tensor& p : parameters) {
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    XG_DISPATCH(grad.dtype(), {
      T* g = grad.impl()->data<T>();
      for (int64_t k = 0, n = grad.numel(); k < n; ++k) g[k] = std::min(std::max(g[k], T(-clip_value)), T(clip_value));
    });
    grad.impl()->storage->version.fetch_add(1);
  }
}

}  // namespace utils
}  // namespace nn
}  // namespace xgrad

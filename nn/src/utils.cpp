#include "xgrad/nn/utils.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "ops_internal.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace nn {
namespace utils {

namespace {
std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Every gradient, checked against its parameter before anything is read or changed (checked_grad throws
// for an undefined parameter or a grad of another shape or dtype); undefined grads are skipped.
std::vector<Tensor> checked_grads(const std::vector<Tensor>& parameters, const char* op) {
  std::vector<Tensor> grads;
  for (const Tensor& p : parameters) {
    const Tensor& grad = checked_grad(p, op);
    if (grad.defined()) grads.push_back(grad);
  }
  return grads;
}
}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type, bool error_if_nonfinite) {
  if (!(norm_type > 0)) throw Error("clip_grad_norm_: norm_type must be positive, got " + number(norm_type));
  // A negative max_norm would flip every gradient's sign, NaN would make them all NaN.
  if (!(max_norm >= 0))
    throw Error("clip_grad_norm_: max_norm must be >= 0, got " + number(max_norm));
  std::vector<Tensor> grads = checked_grads(parameters, "clip_grad_norm_");
  if (grads.empty()) return 0.0;
  const bool infinity = std::isinf(norm_type);
  double total = 0;
  for (const Tensor& grad : grads) {
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
  if (!infinity) total = std::pow(total, 1 / norm_type);
  if (!std::isfinite(total)) {
    if (error_if_nonfinite)
      throw std::runtime_error("clip_grad_norm_: the total norm of order " + number(norm_type) +
                               " of the gradients is non-finite, so it cannot be clipped");
  }
  double coefficient = std::min(1.0, max_norm / (total + 1e-6));
  NoGradGuard no_grad;
  for (Tensor& grad : grads) grad *= coefficient;
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  if (!(clip_value >= 0))
    throw Error("clip_grad_value_: clip_value must be >= 0, got " + number(clip_value));
  std::vector<Tensor> grads = checked_grads(parameters, "clip_grad_value_");
  for (const Tensor& grad : grads) {
    XG_DISPATCH(grad.dtype(), {
      T* g = grad.impl()->data<T>();
      // Clamped in double: clip_value may exceed float's range (the result never does; NaN stays NaN).
      for (int64_t k = 0, n = grad.numel(); k < n; ++k) {
        const double value = static_cast<double>(g[k]);
        if (value > clip_value) g[k] = static_cast<T>(clip_value);
        else if (value < -clip_value) g[k] = static_cast<T>(-clip_value);
      }
    });
    grad.impl()->storage->version.fetch_add(1);
  }
}

}  // namespace utils
}  // namespace nn
}  // namespace xgrad

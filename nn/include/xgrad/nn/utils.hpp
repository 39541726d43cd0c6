// Gradient clipping, as torch.nn.utils.
#pragma once
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {
namespace nn {
namespace utils {

// Scales all gradients by min(1, max_norm / (total + 1e-6)), where total is the norm of the per-tensor
// norms (norm_type may be INFINITY). Returns the total norm before clipping. With error_if_nonfinite, a
// NaN or infinite total throws std::runtime_error and leaves the gradients unchanged.
// Both functions skip parameters without a gradient and check every gradient before changing any: an
// undefined parameter, a gradient of another shape or dtype than its parameter, a negative or NaN max_norm
// or clip_value, or a norm_type <= 0 throws xgrad::Error.
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
// Clamps every gradient element into [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);

}  // namespace utils
}  // namespace nn
}  // namespace xgrad

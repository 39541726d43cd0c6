// xgrad::nn::functional: stateless layers and losses.
#pragma once

#include <string>

#include "xgrad/tensor.hpp"

namespace xgrad {
namespace nn {

enum class Reduction { None, Mean, Sum };
}  // namespace nn

// LibTorch's reduction names: MSELoss(xg::kSum), MSELossOptions().reduction(xg::kNone).
constexpr nn::Reduction kNone = nn::Reduction::None;
constexpr nn::Reduction kMean = nn::Reduction::Mean;
constexpr nn::Reduction kSum = nn::Reduction::Sum;

namespace nn {

namespace functional {
// y = x W^T + b for x of shape [..., in] (1-D too), W [out, in], b [out] or undefined.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());
inline Tensor relu(const Tensor& x) { return xgrad::relu(x); }
inline Tensor tanh(const Tensor& x) { return xgrad::tanh(x); }
inline Tensor sigmoid(const Tensor& x) { return xgrad::sigmoid(x); }
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);  // negative_slope finite
// PyTorch's GELU: approximate "none" (the default) is x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2))), "tanh"
// is 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))); anything else throws xgrad::Error.
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
inline Tensor softmax(const Tensor& x, int64_t dim) { return xgrad::softmax(x, dim); }

// --- Layers: dropout, layer_norm, batch_norm, embedding, one_hot ---
// --- end of layers ---

// Losses: input and target shapes must match exactly (no silent (N,1) vs (N) broadcast); the mean is
// over all elements. As in PyTorch, the Mean of empty tensors is NaN and their Sum 0. huber_loss needs
// delta > 0 (infinity gives half the squared error).
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, double delta = 1.0);

// --- Losses: smooth_l1, binary_cross_entropy(_with_logits), cross_entropy, nll, kl_div, poisson/gaussian nll ---
// --- end of losses ---
}  // namespace functional

}  // namespace nn
}  // namespace xgrad

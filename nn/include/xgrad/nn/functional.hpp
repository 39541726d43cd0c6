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
// LibTorch's forms, e.g. F::dropout(x, F::DropoutFuncOptions().p(0.2).training(is_training())),
// F::layer_norm(x, F::LayerNormFuncOptions({4}).weight(w).bias(b)), F::batch_norm(x, mean, var,
// F::BatchNormFuncOptions().training(true)), F::embedding(indices, weight). The options live in options.hpp
// (which includes this header), so overloads stand in for LibTorch's `options = {}` defaults.
struct DropoutFuncOptions;
struct LayerNormFuncOptions;
struct BatchNormFuncOptions;
struct EmbeddingFuncOptions;
// In training, each element is zeroed with probability p (drawn from manual_seed's per-thread generator)
// and the others scaled by 1 / (1 - p); otherwise (and for p = 0) the input itself is returned.
Tensor dropout(Tensor input);
Tensor dropout(Tensor input, const DropoutFuncOptions& options);
// (x - mean) / sqrt(var + eps) * weight + bias, mean and (biased) var over the trailing normalized_shape.
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);
// input (N, C, *), statistics per channel C over every other dimension.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var);
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options);
// The rows of weight [num_embeddings, dim] that int64 or int32 indices (any shape) name: indices.shape + [dim].
Tensor embedding(const Tensor& input, const Tensor& weight);
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options);
inline Tensor one_hot(const Tensor& tensor, int64_t num_classes = -1) { return xgrad::one_hot(tensor, num_classes); }

namespace detail {
// The same with every option spelled out (what the modules call), as LibTorch's F::detail.
Tensor dropout(Tensor input, double p, bool training, bool inplace);
Tensor layer_norm(const Tensor& input, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps);
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, std::optional<double> momentum, double eps);
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq, bool sparse);
}  // namespace detail
// --- end of layers ---

// Losses: input and target shapes must match exactly (no silent (N,1) vs (N) broadcast); the mean is
// over all elements. As in PyTorch, the Mean of empty tensors is NaN and their Sum 0. huber_loss needs
// delta > 0 (infinity gives half the squared error).
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, double delta = 1.0);

// --- Losses: smooth_l1, binary_cross_entropy(_with_logits), cross_entropy, nll, kl_div, poisson/gaussian nll ---
// LibTorch's forms, e.g. F::cross_entropy(input, target, F::CrossEntropyFuncOptions().ignore_index(0)). The
// options structs live in options.hpp (include it, or xgrad.hpp, to build one). Errors (xgrad::Error) name the
// loss and the shapes: mismatched shapes or dtypes, class targets outside [0, C) other than ignore_index.
}  // namespace functional
struct SmoothL1LossOptions;
struct BCELossOptions;
struct BCEWithLogitsLossOptions;
struct CrossEntropyLossOptions;
struct NLLLossOptions;
struct KLDivLossOptions;
struct PoissonNLLLossOptions;
struct GaussianNLLLossOptions;
namespace functional {
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using KLDivFuncOptions = KLDivLossOptions;
using PoissonNLLLossFuncOptions = PoissonNLLLossOptions;
using GaussianNLLLossFuncOptions = GaussianNLLLossOptions;

// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta == 0 is the L1 loss.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options);
// LibTorch 1.13's signature: this beta is used (that version ignores options.beta() in the functional form).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options, double beta);
// -w (y log x + (1 - y) log(1 - x)) with each log clamped to >= -100; input in [0, 1] (else an error).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target);
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BinaryCrossEntropyFuncOptions& options);
// -w (p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), computed without overflow for any logit.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options);
// input: logits [C], [N, C] or [N, C, d1, ...]; target: int64 classes [], [N] or [N, d1, ...], or class
// probabilities of the input's shape and dtype.
Tensor cross_entropy(const Tensor& input, const Tensor& target);
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options);
// input: log-probabilities shaped as cross_entropy's; target: int64 classes.
Tensor nll_loss(const Tensor& input, const Tensor& target);
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options);
// target (log(target) - input), or exp(target) (target - input) with log_target; 0 where target is 0.
Tensor kl_div(const Tensor& input, const Tensor& target);
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options);
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target);
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossFuncOptions& options);
// 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)) (+ 0.5 log(2 pi) when full). var has the
// input's shape, or lacks its last dimension or has size 1 there (one variance shared along it); var >= 0.
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var);
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossFuncOptions& options);
// --- end of losses ---
}  // namespace functional

}  // namespace nn

// LibTorch's ATen-level forms, which LibTorch programs call as torch::nll_loss(output, target) or
// torch::smooth_l1_loss(x, y): the same losses with ATen's positional arguments and its integer reduction
// (xg::Reduction::Mean, as at::Reduction::Mean).
namespace Reduction {
enum Reduction : int64_t { None = 0, Mean = 1, Sum = 2 };
}  // namespace Reduction
Tensor mse_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean);
Tensor l1_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean);
Tensor huber_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean, double delta = 1.0);
Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean, double beta = 1.0);
Tensor binary_cross_entropy(const Tensor& self, const Tensor& target, const Tensor& weight = {},
                            int64_t reduction = Reduction::Mean);
Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target, const Tensor& weight = {},
                                        const Tensor& pos_weight = {}, int64_t reduction = Reduction::Mean);
Tensor nll_loss(const Tensor& self, const Tensor& target, const Tensor& weight = {}, int64_t reduction = Reduction::Mean,
                int64_t ignore_index = -100);
Tensor cross_entropy_loss(const Tensor& self, const Tensor& target, const Tensor& weight = {},
                          int64_t reduction = Reduction::Mean, int64_t ignore_index = -100, double label_smoothing = 0.0);
Tensor kl_div(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean, bool log_target = false);
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input, bool full, double eps,
                        int64_t reduction);

}  // namespace xgrad

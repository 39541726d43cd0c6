// Options of the built-in modules, spelled as LibTorch's (torch/nn/options/): chainable XGRAD_ARG
// accessors, e.g. Linear(LinearOptions(5, 2).bias(false)), LeakyReLU(LeakyReLUOptions().negative_slope(0.2)),
// MSELoss(MSELossOptions(xg::kSum)) or MSELoss(xg::kSum).
#pragma once

#include <cstdint>
#include <string>

#include "xgrad/arg.hpp"
#include "xgrad/nn/functional.hpp"

namespace xgrad {
namespace nn {

struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
  XGRAD_ARG(int64_t, in_features);
  XGRAD_ARG(int64_t, out_features);
  XGRAD_ARG(bool, bias) = true;
};

// inplace: the result is also written into the input (so no gradient may flow back through the input).
struct ReLUOptions {
  /* implicit */ ReLUOptions(bool inplace = false) : inplace_(inplace) {}
  XGRAD_ARG(bool, inplace);
};

struct LeakyReLUOptions {
  XGRAD_ARG(double, negative_slope) = 1e-2;
  XGRAD_ARG(bool, inplace) = false;
};

// approximate: "none" (the exact x * Phi(x)) or "tanh".
struct GELUOptions {
  XGRAD_ARG(std::string, approximate) = "none";
};

struct SoftmaxOptions {
  SoftmaxOptions(int64_t dim) : dim_(dim) {}
  XGRAD_ARG(int64_t, dim);
};

// --- Layer options: Dropout, LayerNorm, BatchNorm1d, Embedding, Flatten, Unflatten ---
// p: the probability of zeroing an element, in [0, 1]; inplace: the result is written into the input.
struct DropoutOptions {
  /* implicit */ DropoutOptions(double p = 0.5) : p_(p) {}
  XGRAD_ARG(double, p) = 0.5;
  XGRAD_ARG(bool, inplace) = false;
};

// normalized_shape: the trailing dimensions normalized over (their mean and variance).
struct LayerNormOptions {
  /* implicit */ LayerNormOptions(std::vector<int64_t> normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}
  XGRAD_ARG(std::vector<int64_t>, normalized_shape);
  XGRAD_ARG(double, eps) = 1e-5;
  XGRAD_ARG(bool, elementwise_affine) = true;
};

// momentum: the weight of the batch statistics in the running ones; std::nullopt (Python's None) uses the
// cumulative average 1 / num_batches_tracked instead.
struct BatchNormOptions {
  /* implicit */ BatchNormOptions(int64_t num_features) : num_features_(num_features) {}
  XGRAD_ARG(int64_t, num_features);
  XGRAD_ARG(double, eps) = 1e-5;
  XGRAD_ARG(std::optional<double>, momentum) = 0.1;
  XGRAD_ARG(bool, affine) = true;
  XGRAD_ARG(bool, track_running_stats) = true;
};
using BatchNorm1dOptions = BatchNormOptions;

// padding_idx: a row that receives no gradient (negative counts from the end); max_norm: rows looked up are
// first rescaled in place to at most this norm_type-norm; scale_grad_by_freq: gradients divided by each
// index's count in the batch; sparse: accepted, but the gradient is dense (same values); _weight: the
// table to use (shares its storage) instead of a new N(0, 1) one.
struct EmbeddingOptions {
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  XGRAD_ARG(int64_t, num_embeddings);
  XGRAD_ARG(int64_t, embedding_dim);
  XGRAD_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  XGRAD_ARG(std::optional<double>, max_norm) = std::nullopt;
  XGRAD_ARG(double, norm_type) = 2.;
  XGRAD_ARG(bool, scale_grad_by_freq) = false;
  XGRAD_ARG(bool, sparse) = false;
  XGRAD_ARG(Tensor, _weight) = Tensor();
};

// freeze: the table does not require grad.
struct EmbeddingFromPretrainedOptions {
  XGRAD_ARG(bool, freeze) = true;
  XGRAD_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  XGRAD_ARG(std::optional<double>, max_norm) = std::nullopt;
  XGRAD_ARG(double, norm_type) = 2.;
  XGRAD_ARG(bool, scale_grad_by_freq) = false;
  XGRAD_ARG(bool, sparse) = false;
};

struct FlattenOptions {
  XGRAD_ARG(int64_t, start_dim) = 1;
  XGRAD_ARG(int64_t, end_dim) = -1;
};

// dim is split into `sizes` (one of them may be -1, inferred). LibTorch's named-dimension form is absent
// (xgrad has no named tensors).
struct UnflattenOptions {
  UnflattenOptions(int64_t dim, std::vector<int64_t> sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  XGRAD_ARG(int64_t, dim);
  XGRAD_ARG(std::vector<int64_t>, sizes);
};

namespace functional {
// training: dropout is the identity unless true (LibTorch's functional default is true).
struct DropoutFuncOptions {
  XGRAD_ARG(double, p) = 0.5;
  XGRAD_ARG(bool, training) = true;
  XGRAD_ARG(bool, inplace) = false;
};

struct LayerNormFuncOptions {
  /* implicit */ LayerNormFuncOptions(std::vector<int64_t> normalized_shape)
      : normalized_shape_(std::move(normalized_shape)) {}
  XGRAD_ARG(std::vector<int64_t>, normalized_shape);
  XGRAD_ARG(Tensor, weight) = {};
  XGRAD_ARG(Tensor, bias) = {};
  XGRAD_ARG(double, eps) = 1e-5;
};

// training = false (the default) normalizes with the running statistics; true with the batch's, and
// updates the running statistics given (momentum must then be a number, as in LibTorch).
struct BatchNormFuncOptions {
  XGRAD_ARG(Tensor, weight) = Tensor();
  XGRAD_ARG(Tensor, bias) = Tensor();
  XGRAD_ARG(bool, training) = false;
  XGRAD_ARG(std::optional<double>, momentum) = 0.1;
  XGRAD_ARG(double, eps) = 1e-5;
};

struct EmbeddingFuncOptions {
  XGRAD_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  XGRAD_ARG(std::optional<double>, max_norm) = std::nullopt;
  XGRAD_ARG(double, norm_type) = 2.;
  XGRAD_ARG(bool, scale_grad_by_freq) = false;
  XGRAD_ARG(bool, sparse) = false;
};
}  // namespace functional
// --- end of layer options ---

// reduction: xg::kMean (default), xg::kSum or xg::kNone.
struct MSELossOptions {
  using reduction_t = Reduction;
  MSELossOptions() = default;
  /* implicit */ MSELossOptions(Reduction reduction) : reduction_(reduction) {}
  XGRAD_ARG(reduction_t, reduction) = kMean;
};

struct L1LossOptions {
  using reduction_t = Reduction;
  L1LossOptions() = default;
  /* implicit */ L1LossOptions(Reduction reduction) : reduction_(reduction) {}
  XGRAD_ARG(reduction_t, reduction) = kMean;
};

// delta > 0 (infinity gives half the squared error).
struct HuberLossOptions {
  using reduction_t = Reduction;
  HuberLossOptions() = default;
  /* implicit */ HuberLossOptions(Reduction reduction) : reduction_(reduction) {}
  XGRAD_ARG(reduction_t, reduction) = kMean;
  XGRAD_ARG(double, delta) = 1.0;
};

// --- Loss options: SmoothL1, BCE, BCEWithLogits, CrossEntropy, NLL, KLDiv, PoissonNLL, GaussianNLL ---
// As LibTorch's torch/nn/options/loss.h; nn::functional takes the same structs under their FuncOptions
// names (F::CrossEntropyFuncOptions is CrossEntropyLossOptions, declared in functional.hpp).

// beta >= 0 (beta == 0 is the L1 loss, as PyTorch's).
struct SmoothL1LossOptions {
  using reduction_t = Reduction;
  SmoothL1LossOptions() = default;
  /* implicit */ SmoothL1LossOptions(Reduction reduction) : reduction_(reduction) {}
  XGRAD_ARG(reduction_t, reduction) = kMean;
  XGRAD_ARG(double, beta) = 1.0;
};

// weight: broadcast to the input's shape, a constant (it may not require grad, as in PyTorch).
struct BCELossOptions {
  using reduction_t = Reduction;
  XGRAD_ARG(Tensor, weight) = {};
  XGRAD_ARG(reduction_t, reduction) = kMean;
};

// weight and pos_weight broadcast to the input's shape (pos_weight [C] along the last dimension of [N, C]).
struct BCEWithLogitsLossOptions {
  using reduction_t = Reduction;
  XGRAD_ARG(Tensor, weight) = {};
  XGRAD_ARG(reduction_t, reduction) = kMean;
  XGRAD_ARG(Tensor, pos_weight) = {};
};

// weight: [C], one per class; targets equal to ignore_index add nothing (nor to a weighted mean's divisor);
// label_smoothing in [0, 1].
struct CrossEntropyLossOptions {
  using reduction_t = Reduction;
  XGRAD_ARG(Tensor, weight) = {};
  XGRAD_ARG(int64_t, ignore_index) = -100;
  XGRAD_ARG(reduction_t, reduction) = kMean;
  XGRAD_ARG(double, label_smoothing) = 0.0;
};

struct NLLLossOptions {
  using reduction_t = Reduction;
  XGRAD_ARG(Tensor, weight) = {};
  XGRAD_ARG(int64_t, ignore_index) = -100;
  XGRAD_ARG(reduction_t, reduction) = kMean;
};

}  // namespace nn
namespace enumtype {
// LibTorch's torch::enumtype::kBatchMean, the type of xg::kBatchMean.
struct kBatchMean {};
}  // namespace enumtype
// KLDivLoss's reduction that divides the summed loss by the batch size (input.size(0)), as torch::kBatchMean.
constexpr enumtype::kBatchMean kBatchMean{};
namespace nn {

// KLDivLoss's reduction, LibTorch's variant<kNone, kBatchMean, kSum, kMean>: any Reduction or xg::kBatchMean.
class KLDivReduction {
 public:
  constexpr KLDivReduction(Reduction reduction) : reduction_(reduction) {}  // NOLINT: implicit, as the variant
  constexpr KLDivReduction(enumtype::kBatchMean) : reduction_(Reduction::Sum), batch_mean_(true) {}  // NOLINT
  constexpr bool is_batch_mean() const { return batch_mean_; }
  // The Reduction applied first (Sum for kBatchMean, which then divides by the batch size).
  constexpr Reduction reduction() const { return reduction_; }
  friend constexpr bool operator==(KLDivReduction a, KLDivReduction b) {
    return a.batch_mean_ == b.batch_mean_ && a.reduction_ == b.reduction_;
  }
  friend constexpr bool operator!=(KLDivReduction a, KLDivReduction b) { return !(a == b); }

 private:
  Reduction reduction_;
  bool batch_mean_ = false;
};

// input: log-probabilities; target: probabilities, or log-probabilities with log_target. The default kMean
// averages over every element (PyTorch's documented pitfall); kBatchMean is the KL divergence per sample.
struct KLDivLossOptions {
  using reduction_t = KLDivReduction;
  KLDivLossOptions() = default;
  /* implicit */ KLDivLossOptions(reduction_t reduction) : reduction_(reduction) {}
  /* implicit */ KLDivLossOptions(Reduction reduction) : reduction_(reduction) {}
  /* implicit */ KLDivLossOptions(enumtype::kBatchMean reduction) : reduction_(reduction) {}
  XGRAD_ARG(reduction_t, reduction) = kMean;
  XGRAD_ARG(bool, log_target) = false;
};

// log_input: the input is log(rate) (the loss is exp(input) - target input), else the rate (input -
// target log(input + eps)); full adds the Stirling term for targets > 1.
struct PoissonNLLLossOptions {
  using reduction_t = Reduction;
  XGRAD_ARG(bool, log_input) = true;
  XGRAD_ARG(bool, full) = false;
  XGRAD_ARG(double, eps) = 1e-8;
  XGRAD_ARG(reduction_t, reduction) = kMean;
};

// Not in LibTorch 1.13: PyTorch's torch.nn.GaussianNLLLoss(full=False, eps=1e-6, reduction='mean') spelled
// as its neighbours. var values below eps are raised to eps (the gradient passes through unchanged).
struct GaussianNLLLossOptions {
  using reduction_t = Reduction;
  XGRAD_ARG(bool, full) = false;
  XGRAD_ARG(double, eps) = 1e-6;
  XGRAD_ARG(reduction_t, reduction) = kMean;
};

// --- end of loss options ---

}  // namespace nn
}  // namespace xgrad

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
// --- end of loss options ---

}  // namespace nn
}  // namespace xgrad

#include "xgrad/nn/loss.hpp"

#include <ostream>
#include <sstream>
#include <stdexcept>

namespace xgrad {
namespace nn {

MSELossImpl::MSELossImpl(const MSELossOptions& options_) : options(options_) {}

void MSELossImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::MSELoss()"; }

Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::mse_loss(input, target, options.reduction());
}

L1LossImpl::L1LossImpl(const L1LossOptions& options_) : options(options_) {}

void L1LossImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::L1Loss()"; }

Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::l1_loss(input, target, options.reduction());
}

HuberLossImpl::HuberLossImpl(const HuberLossOptions& options_) : options(options_) { reset(); }

void HuberLossImpl::reset() {
  // As nn::functional::huber_loss (torch checks at the call): NaN and non-positive deltas are refused.
  if (!(options.delta() > 0)) {
    std::ostringstream message;
    message << "HuberLoss: delta must be positive, got " << options.delta();
    throw Error(message.str());
  }
}

// LibTorch 1.13 prints HuberLoss without parentheses.
void HuberLossImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::HuberLoss"; }

Tensor HuberLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::huber_loss(input, target, options.reduction(), options.delta());
}

// --- SmoothL1, BCE, BCEWithLogits, CrossEntropy, NLL, KLDiv, PoissonNLL, GaussianNLL ---

namespace {
// The buffer registered for a weight given in the options: a handle of its own on the same storage (so
// in-place changes to the user's tensor show), which clone() can then give fresh storage without
// touching the original's tensor. A weight that requires grad is registered itself (the losses refuse it,
// as PyTorch's, except cross entropy with class probabilities, whose gradient then reaches it).
Tensor buffer_of(const Tensor& weight) {
  if (!weight.defined() || weight.requires_grad()) return weight;
  return weight.detach();
}
}  // namespace

SmoothL1LossImpl::SmoothL1LossImpl(const SmoothL1LossOptions& options_) : options(options_) { reset(); }

void SmoothL1LossImpl::reset() {
  if (!(options.beta() >= 0)) {
    std::ostringstream message;
    message << "SmoothL1Loss: beta must be >= 0, got " << options.beta();
    throw Error(message.str());
  }
}

// LibTorch 1.13 prints SmoothL1Loss without parentheses.
void SmoothL1LossImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::SmoothL1Loss"; }

Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::smooth_l1_loss(input, target, options);
}

BCELossImpl::BCELossImpl(const BCELossOptions& options_) : options(options_) { reset(); }

void BCELossImpl::reset() { weight = register_buffer("weight", buffer_of(options.weight())); }

void BCELossImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::BCELoss()"; }

Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy(input, target, BCELossOptions(options).weight(weight));
}

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& options_) : options(options_) {
  reset();
}

void BCEWithLogitsLossImpl::reset() {
  weight = register_buffer("weight", buffer_of(options.weight()));
  pos_weight = register_buffer("pos_weight", buffer_of(options.pos_weight()));
}

void BCEWithLogitsLossImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::BCEWithLogitsLoss()"; }

Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy_with_logits(input, target,
                                                      BCEWithLogitsLossOptions(options).weight(weight).pos_weight(pos_weight));
}

CrossEntropyLossImpl::CrossEntropyLossImpl(const CrossEntropyLossOptions& options_) : options(options_) { reset(); }

void CrossEntropyLossImpl::reset() { weight = register_buffer("weight", buffer_of(options.weight())); }

void CrossEntropyLossImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::CrossEntropyLoss()"; }

Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::cross_entropy(input, target, CrossEntropyLossOptions(options).weight(weight));
}

NLLLossImpl::NLLLossImpl(const NLLLossOptions& options_) : options(options_) { reset(); }

void NLLLossImpl::reset() { weight = register_buffer("weight", buffer_of(options.weight())); }

void NLLLossImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::NLLLoss()"; }

Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::nll_loss(input, target, NLLLossOptions(options).weight(weight));
}

KLDivLossImpl::KLDivLossImpl(const KLDivLossOptions& options_) : options(options_) {}

void KLDivLossImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::KLDivLoss()"; }

Tensor KLDivLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::kl_div(input, target, options);
}

PoissonNLLLossImpl::PoissonNLLLossImpl(const PoissonNLLLossOptions& options_) : options(options_) {}

void PoissonNLLLossImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::PoissonNLLLoss()"; }

Tensor PoissonNLLLossImpl::forward(const Tensor& log_input, const Tensor& targets) {
  return functional::poisson_nll_loss(log_input, targets, options);
}

GaussianNLLLossImpl::GaussianNLLLossImpl(const GaussianNLLLossOptions& options_) : options(options_) {}

// As PyTorch's repr, GaussianNLLLoss().
void GaussianNLLLossImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::GaussianNLLLoss()"; }

Tensor GaussianNLLLossImpl::forward(const Tensor& input, const Tensor& target, const Tensor& var) {
  return functional::gaussian_nll_loss(input, target, var, options);
}
// --- end of SmoothL1 ... GaussianNLL ---

template class Cloneable<MSELossImpl>;
template class Cloneable<L1LossImpl>;
template class Cloneable<HuberLossImpl>;
template struct AnyModuleHolder<MSELossImpl, const Tensor&, const Tensor&>;
template struct AnyModuleHolder<L1LossImpl, const Tensor&, const Tensor&>;
template struct AnyModuleHolder<HuberLossImpl, const Tensor&, const Tensor&>;
template class Cloneable<SmoothL1LossImpl>;
template class Cloneable<BCELossImpl>;
template class Cloneable<BCEWithLogitsLossImpl>;
template class Cloneable<CrossEntropyLossImpl>;
template class Cloneable<NLLLossImpl>;
template class Cloneable<KLDivLossImpl>;
template class Cloneable<PoissonNLLLossImpl>;
template class Cloneable<GaussianNLLLossImpl>;
template struct AnyModuleHolder<SmoothL1LossImpl, const Tensor&, const Tensor&>;
template struct AnyModuleHolder<BCELossImpl, const Tensor&, const Tensor&>;
template struct AnyModuleHolder<BCEWithLogitsLossImpl, const Tensor&, const Tensor&>;
template struct AnyModuleHolder<CrossEntropyLossImpl, const Tensor&, const Tensor&>;
template struct AnyModuleHolder<NLLLossImpl, const Tensor&, const Tensor&>;
template struct AnyModuleHolder<KLDivLossImpl, const Tensor&, const Tensor&>;
template struct AnyModuleHolder<PoissonNLLLossImpl, const Tensor&, const Tensor&>;
template struct AnyModuleHolder<GaussianNLLLossImpl, const Tensor&, const Tensor&, const Tensor&>;

}  // namespace nn
}  // namespace xgrad

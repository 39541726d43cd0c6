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

template class Cloneable<MSELossImpl>;
template class Cloneable<L1LossImpl>;
template class Cloneable<HuberLossImpl>;
template struct AnyModuleHolder<MSELossImpl, const Tensor&, const Tensor&>;
template struct AnyModuleHolder<L1LossImpl, const Tensor&, const Tensor&>;
template struct AnyModuleHolder<HuberLossImpl, const Tensor&, const Tensor&>;

}  // namespace nn
}  // namespace xgrad

// Loss modules, as LibTorch's: MSELoss, L1Loss, HuberLoss, holders of Impls whose forward(input, target)
// calls nn::functional's losses: MSELoss loss(xg::kSum); loss(input, target) or loss->forward(input, target).
#pragma once

#include <iosfwd>

#include "xgrad/nn/any.hpp"
#include "xgrad/nn/cloneable.hpp"
#include "xgrad/nn/functional.hpp"
#include "xgrad/nn/options.hpp"
#include "xgrad/nn/pimpl.hpp"

namespace xgrad {
namespace nn {

class MSELossImpl : public Cloneable<MSELossImpl> {
 public:
  explicit MSELossImpl(const MSELossOptions& options_ = {});
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);

  MSELossOptions options;
};
XGRAD_MODULE(MSELoss);

class L1LossImpl : public Cloneable<L1LossImpl> {
 public:
  explicit L1LossImpl(const L1LossOptions& options_ = {});
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);

  L1LossOptions options;
};
XGRAD_MODULE(L1Loss);

// delta must be > 0 (xgrad::Error); infinity gives half the squared error.
class HuberLossImpl : public Cloneable<HuberLossImpl> {
 public:
  explicit HuberLossImpl(const HuberLossOptions& options_ = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);

  HuberLossOptions options;
};
XGRAD_MODULE(HuberLoss);

// Compiled once in loss.cpp rather than in every file that uses a loss (compile time).
extern template class Cloneable<MSELossImpl>;
extern template class Cloneable<L1LossImpl>;
extern template class Cloneable<HuberLossImpl>;
extern template struct AnyModuleHolder<MSELossImpl, const Tensor&, const Tensor&>;
extern template struct AnyModuleHolder<L1LossImpl, const Tensor&, const Tensor&>;
extern template struct AnyModuleHolder<HuberLossImpl, const Tensor&, const Tensor&>;

}  // namespace nn
}  // namespace xgrad

// Loss modules, as LibTorch's: MSELoss, L1Loss, HuberLoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss,
// CrossEntropyLoss, NLLLoss, KLDivLoss, PoissonNLLLoss (and PyTorch's GaussianNLLLoss), holders of Impls
// whose forward(input, target) calls nn::functional's losses: MSELoss loss(xg::kSum); loss(input, target)
// or loss->forward(input, target).
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

// --- SmoothL1, BCE, BCEWithLogits, CrossEntropy, NLL, KLDiv, PoissonNLL, GaussianNLL ---
// A weight (or pos_weight) given in the options is registered as the buffer of that name (so it is in
// state_dict() and moves with the module) and read from the member of that name by forward().

// beta must be >= 0 (xgrad::Error); beta == 0 is the L1 loss.
class SmoothL1LossImpl : public Cloneable<SmoothL1LossImpl> {
 public:
  explicit SmoothL1LossImpl(const SmoothL1LossOptions& options_ = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);

  SmoothL1LossOptions options;
};
XGRAD_MODULE(SmoothL1Loss);

class BCELossImpl : public Cloneable<BCELossImpl> {
 public:
  explicit BCELossImpl(const BCELossOptions& options_ = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);

  BCELossOptions options;
  Tensor weight;  // LibTorch keeps it in options only; here as CrossEntropyLoss's, so a clone() uses its own
};
XGRAD_MODULE(BCELoss);

class BCEWithLogitsLossImpl : public Cloneable<BCEWithLogitsLossImpl> {
 public:
  explicit BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& options_ = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);

  BCEWithLogitsLossOptions options;
  Tensor weight;
  Tensor pos_weight;
};
XGRAD_MODULE(BCEWithLogitsLoss);

class CrossEntropyLossImpl : public Cloneable<CrossEntropyLossImpl> {
 public:
  explicit CrossEntropyLossImpl(const CrossEntropyLossOptions& options_ = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);

  CrossEntropyLossOptions options;
  Tensor weight;
};
XGRAD_MODULE(CrossEntropyLoss);

class NLLLossImpl : public Cloneable<NLLLossImpl> {
 public:
  explicit NLLLossImpl(const NLLLossOptions& options_ = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);

  NLLLossOptions options;
  Tensor weight;
};
XGRAD_MODULE(NLLLoss);

class KLDivLossImpl : public Cloneable<KLDivLossImpl> {
 public:
  explicit KLDivLossImpl(const KLDivLossOptions& options_ = {});
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target);

  KLDivLossOptions options;
};
XGRAD_MODULE(KLDivLoss);

class PoissonNLLLossImpl : public Cloneable<PoissonNLLLossImpl> {
 public:
  explicit PoissonNLLLossImpl(const PoissonNLLLossOptions& options_ = {});
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& log_input, const Tensor& targets);

  PoissonNLLLossOptions options;
};
XGRAD_MODULE(PoissonNLLLoss);

// Not in LibTorch 1.13; PyTorch's torch.nn.GaussianNLLLoss: forward(input, target, var).
class GaussianNLLLossImpl : public Cloneable<GaussianNLLLossImpl> {
 public:
  explicit GaussianNLLLossImpl(const GaussianNLLLossOptions& options_ = {});
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input, const Tensor& target, const Tensor& var);

  GaussianNLLLossOptions options;
};
XGRAD_MODULE(GaussianNLLLoss);
// --- end of SmoothL1 ... GaussianNLL ---

// Compiled once in loss.cpp rather than in every file that uses a loss (compile time).
extern template class Cloneable<MSELossImpl>;
extern template class Cloneable<L1LossImpl>;
extern template class Cloneable<HuberLossImpl>;
extern template struct AnyModuleHolder<MSELossImpl, const Tensor&, const Tensor&>;
extern template struct AnyModuleHolder<L1LossImpl, const Tensor&, const Tensor&>;
extern template struct AnyModuleHolder<HuberLossImpl, const Tensor&, const Tensor&>;
// SmoothL1 ... GaussianNLL
extern template class Cloneable<SmoothL1LossImpl>;
extern template class Cloneable<BCELossImpl>;
extern template class Cloneable<BCEWithLogitsLossImpl>;
extern template class Cloneable<CrossEntropyLossImpl>;
extern template class Cloneable<NLLLossImpl>;
extern template class Cloneable<KLDivLossImpl>;
extern template class Cloneable<PoissonNLLLossImpl>;
extern template class Cloneable<GaussianNLLLossImpl>;
extern template struct AnyModuleHolder<SmoothL1LossImpl, const Tensor&, const Tensor&>;
extern template struct AnyModuleHolder<BCELossImpl, const Tensor&, const Tensor&>;
extern template struct AnyModuleHolder<BCEWithLogitsLossImpl, const Tensor&, const Tensor&>;
extern template struct AnyModuleHolder<CrossEntropyLossImpl, const Tensor&, const Tensor&>;
extern template struct AnyModuleHolder<NLLLossImpl, const Tensor&, const Tensor&>;
extern template struct AnyModuleHolder<KLDivLossImpl, const Tensor&, const Tensor&>;
extern template struct AnyModuleHolder<PoissonNLLLossImpl, const Tensor&, const Tensor&>;
extern template struct AnyModuleHolder<GaussianNLLLossImpl, const Tensor&, const Tensor&, const Tensor&>;

}  // namespace nn
}  // namespace xgrad

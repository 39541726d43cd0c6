#pragma once
#include <utility>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

using Betas = std::pair<double, double>;

// torch.optim.Adam: coupled L2 decay (g += wd p), bias-corrected moments, eps added after the
// bias-corrected square root; AMSGrad keeps the running max of the raw second moment.
// validate() refuses (std::invalid_argument naming the option) a learning rate, eps or weight decay that is
// negative or not finite, and betas outside [0, 1).
struct AdamOptions {
  explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}
  static void validate(const AdamOptions& options);
  XGRAD_ARG(double, lr, 1e-3)
  XGRAD_ARG(Betas, betas, Betas{0.9, 0.999})
  XGRAD_ARG(double, eps, 1e-8)
  XGRAD_ARG(double, weight_decay, 0.0)
  XGRAD_ARG(bool, amsgrad, false)
  XGRAD_ARG(bool, maximize, false)
};

// torch.optim.AdamW: decoupled decay p *= 1 - lr wd before the Adam update (default wd 1e-2).
struct AdamWOptions {
  explicit AdamWOptions(double lr = 1e-3) : lr_(lr) {}
  static void validate(const AdamWOptions& options);
  XGRAD_ARG(double, lr, 1e-3)
  XGRAD_ARG(Betas, betas, Betas{0.9, 0.999})
  XGRAD_ARG(double, eps, 1e-8)
  XGRAD_ARG(double, weight_decay, 1e-2)
  XGRAD_ARG(bool, amsgrad, false)
  XGRAD_ARG(bool, maximize, false)
};

struct AdamState {
  int64_t step = 0;
  Tensor exp_avg;
  Tensor exp_avg_sq;
  Tensor max_exp_avg_sq;  // AMSGrad only
};

// The shared implementation of Adam and AdamW (AdamWOptions selects the decoupled weight decay).
template <class Options>
class AdamBase : public OptimizerWith<Options, AdamState> {
 public:
  void step() override;
  StateDict state_dict() const override;
  // Besides names, shapes and dtypes, checks each step count (an integer >= 1) and that exp_avg_sq and
  // max_exp_avg_sq hold no negative value (NaN and infinity, which a diverged run saves, load back).
  void load_state_dict(const StateDict& state) override;

 protected:
  using OptimizerWith<Options, AdamState>::OptimizerWith;
};
extern template class AdamBase<AdamOptions>;
extern template class AdamBase<AdamWOptions>;

// Throws std::invalid_argument for an empty parameter list, a parameter listed twice, or invalid options.
class Adam : public AdamBase<AdamOptions> {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = AdamOptions()) : AdamBase("Adam", std::move(params), options) {}
};

class AdamW : public AdamBase<AdamWOptions> {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions options = AdamWOptions())
      : AdamBase("AdamW", std::move(params), options) {}
};

}  // namespace optim
}  // namespace xgrad

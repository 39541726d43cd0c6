#pragma once
#include <utility>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

using Betas = std::pair<double, double>;

// torch.optim.Adam: coupled L2 decay (g += wd p), bias-corrected moments, eps added after the
// bias-corrected square root; AMSGrad keeps the running max of the raw second moment.
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

class Adam : public OptimizerWith<AdamOptions, AdamState> {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = AdamOptions()) : OptimizerWith(std::move(params), options) {}
  void step() override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;
};

class AdamW : public OptimizerWith<AdamWOptions, AdamState> {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions options = AdamWOptions()) : OptimizerWith(std::move(params), options) {}
  void step() override;
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& state) override;
};

}  // namespace optim
}  // namespace xgrad

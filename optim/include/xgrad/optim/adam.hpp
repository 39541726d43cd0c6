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
struct AdamOptions : public OptimizerCloneableOptions<AdamOptions> {
  AdamOptions(double lr = 1e-3) : lr_(lr) {}
  static void validate(const AdamOptions& options);
  XGRAD_ARG(double, lr) = 1e-3;
  XGRAD_ARG(Betas, betas) = Betas{0.9, 0.999};
  XGRAD_ARG(double, eps) = 1e-8;
  XGRAD_ARG(double, weight_decay) = 0;
  XGRAD_ARG(bool, amsgrad) = false;
  XGRAD_ARG(bool, maximize) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return betas().first; }
  void set_momentum(const double beta1) override { betas().first = beta1; }
  friend bool operator==(const AdamOptions& a, const AdamOptions& b);
};

// torch.optim.AdamW: decoupled decay p *= 1 - lr wd before the Adam update (default wd 1e-2).
struct AdamWOptions : public OptimizerCloneableOptions<AdamWOptions> {
  AdamWOptions(double lr = 1e-3) : lr_(lr) {}
  static void validate(const AdamWOptions& options);
  XGRAD_ARG(double, lr) = 1e-3;
  XGRAD_ARG(Betas, betas) = Betas{0.9, 0.999};
  XGRAD_ARG(double, eps) = 1e-8;
  XGRAD_ARG(double, weight_decay) = 1e-2;
  XGRAD_ARG(bool, amsgrad) = false;
  XGRAD_ARG(bool, maximize) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return betas().first; }
  void set_momentum(const double beta1) override { betas().first = beta1; }
  friend bool operator==(const AdamWOptions& a, const AdamWOptions& b);
};

struct AdamParamState : public OptimizerCloneableParamState<AdamParamState> {
  XGRAD_ARG(int64_t, step) = 0;
  XGRAD_ARG(Tensor, exp_avg);
  XGRAD_ARG(Tensor, exp_avg_sq);
  XGRAD_ARG(Tensor, max_exp_avg_sq) = {};  // AMSGrad only
};
struct AdamWParamState : public OptimizerCloneableParamState<AdamWParamState> {
  XGRAD_ARG(int64_t, step) = 0;
  XGRAD_ARG(Tensor, exp_avg);
  XGRAD_ARG(Tensor, exp_avg_sq);
  XGRAD_ARG(Tensor, max_exp_avg_sq) = {};
};

// Both throw std::invalid_argument for an empty parameter list, a parameter listed twice, or invalid
// options. Their state_dict checks each step count (an integer >= 1) and that exp_avg_sq and max_exp_avg_sq
// hold no negative value (NaN and infinity, which a diverged run saves, load back).
class Adam : public Optimizer {
 public:
  Adam(std::vector<OptimizerParamGroup> param_groups, AdamOptions defaults = {});
  Adam(std::vector<Tensor> params, AdamOptions defaults = {});
  Tensor step(LossClosure closure = nullptr) override;
  const char* name() const override { return "Adam"; }

 protected:
  void validate_options(const OptimizerOptions& options) const override;
  void save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const override;
  std::unique_ptr<OptimizerParamState> load_param_state(const StateDict& state, const std::string& prefix,
                                                        const Tensor& param, std::set<std::string>& known) const override;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<OptimizerParamGroup> param_groups, AdamWOptions defaults = {});
  AdamW(std::vector<Tensor> params, AdamWOptions defaults = {});
  Tensor step(LossClosure closure = nullptr) override;
  const char* name() const override { return "AdamW"; }

 protected:
  void validate_options(const OptimizerOptions& options) const override;
  void save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const override;
  std::unique_ptr<OptimizerParamState> load_param_state(const StateDict& state, const std::string& prefix,
                                                        const Tensor& param, std::set<std::string>& known) const override;
};

}  // namespace optim
}  // namespace xgrad

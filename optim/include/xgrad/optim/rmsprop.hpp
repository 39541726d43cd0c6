#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

// torch.optim.RMSprop: square_avg = alpha square_avg + (1 - alpha) g^2; centered subtracts the squared
// running mean of g; with momentum, buf = momentum buf + g / (sqrt(.) + eps) and p -= lr buf, else
// p -= lr g / (sqrt(.) + eps). validate() refuses a negative or non-finite lr, eps, momentum or
// weight_decay, and an alpha outside [0, 1].
struct RMSpropOptions : public OptimizerCloneableOptions<RMSpropOptions> {
  RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
  static void validate(const RMSpropOptions& options);
  XGRAD_ARG(double, lr) = 1e-2;
  XGRAD_ARG(double, alpha) = 0.99;
  XGRAD_ARG(double, eps) = 1e-8;
  XGRAD_ARG(double, weight_decay) = 0;
  XGRAD_ARG(double, momentum) = 0;
  XGRAD_ARG(bool, centered) = false;
  XGRAD_ARG(bool, maximize) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return momentum(); }
  void set_momentum(const double momentum) override { this->momentum(momentum); }
  friend bool operator==(const RMSpropOptions& a, const RMSpropOptions& b);
};

// momentum_buffer exists once momentum > 0, grad_avg once centered (created when first needed, also
// when the option is switched on later).
struct RMSpropParamState : public OptimizerCloneableParamState<RMSpropParamState> {
  XGRAD_ARG(int64_t, step) = 0;
  XGRAD_ARG(Tensor, square_avg);
  XGRAD_ARG(Tensor, momentum_buffer) = {};
  XGRAD_ARG(Tensor, grad_avg) = {};
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<OptimizerParamGroup> param_groups, RMSpropOptions defaults = {});
  RMSprop(std::vector<Tensor> params, RMSpropOptions defaults = {});
  Tensor step(LossClosure closure = nullptr) override;
  const char* name() const override { return "RMSprop"; }

 protected:
  void validate_options(const OptimizerOptions& options) const override;
  void save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const override;
  std::unique_ptr<OptimizerParamState> load_param_state(const StateDict& state, const std::string& prefix,
                                                        const Tensor& param, std::set<std::string>& known) const override;
};

}  // namespace optim
}  // namespace xgrad

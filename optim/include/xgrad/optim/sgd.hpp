#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

// torch.optim.SGD: maximize, then L2 weight decay, then momentum (the buffer starts as the first
// gradient), Nesterov or heavy ball, then p -= lr * g.
// validate() refuses (std::invalid_argument naming the option) a learning rate, momentum or weight decay
// that is negative or not finite, a dampening outside [0, 1], and Nesterov without momentum or with
// dampening.
struct SGDOptions : public OptimizerCloneableOptions<SGDOptions> {
  SGDOptions(double lr) : lr_(lr) {}
  static void validate(const SGDOptions& options);
  XGRAD_ARG(double, lr);
  XGRAD_ARG(double, momentum) = 0;
  XGRAD_ARG(double, dampening) = 0;
  XGRAD_ARG(double, weight_decay) = 0;
  XGRAD_ARG(bool, nesterov) = false;
  XGRAD_ARG(bool, maximize) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  bool has_momentum() const override { return true; }
  double get_momentum() const override { return momentum(); }
  void set_momentum(const double momentum) override { this->momentum(momentum); }
  friend bool operator==(const SGDOptions& a, const SGDOptions& b);
};

struct SGDParamState : public OptimizerCloneableParamState<SGDParamState> {
  XGRAD_ARG(Tensor, momentum_buffer);
};

// Throws std::invalid_argument for an empty parameter list, a parameter listed twice, or invalid options.
class SGD : public Optimizer {
 public:
  SGD(std::vector<OptimizerParamGroup> param_groups, SGDOptions defaults);
  SGD(std::vector<Tensor> params, SGDOptions defaults);
  Tensor step(LossClosure closure = nullptr) override;
  const char* name() const override { return "SGD"; }

 protected:
  void validate_options(const OptimizerOptions& options) const override;
  void save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const override;
  std::unique_ptr<OptimizerParamState> load_param_state(const StateDict& state, const std::string& prefix,
                                                        const Tensor& param, std::set<std::string>& known) const override;
};

}  // namespace optim
}  // namespace xgrad

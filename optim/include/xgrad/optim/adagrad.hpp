#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

// torch.optim.Adagrad: sum += g^2, p -= clr g / (sqrt(sum) + eps) with clr = lr / (1 + (step - 1) lr_decay).
// validate() refuses a negative or non-finite lr, lr_decay, weight_decay, initial_accumulator_value or eps.
struct AdagradOptions : public OptimizerCloneableOptions<AdagradOptions> {
  AdagradOptions(double lr = 1e-2) : lr_(lr) {}
  static void validate(const AdagradOptions& options);
  XGRAD_ARG(double, lr) = 1e-2;
  XGRAD_ARG(double, lr_decay) = 0;
  XGRAD_ARG(double, weight_decay) = 0;
  XGRAD_ARG(double, initial_accumulator_value) = 0;
  XGRAD_ARG(double, eps) = 1e-10;
  XGRAD_ARG(bool, maximize) = false;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  friend bool operator==(const AdagradOptions& a, const AdagradOptions& b);
};

// Created for every parameter when it is added (step 0, sum = initial_accumulator_value), as PyTorch does.
struct AdagradParamState : public OptimizerCloneableParamState<AdagradParamState> {
  XGRAD_ARG(Tensor, sum);
  XGRAD_ARG(int64_t, step) = 0;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<OptimizerParamGroup> param_groups, AdagradOptions defaults = {});
  Adagrad(std::vector<Tensor> params, AdagradOptions defaults = {});
  Tensor step(LossClosure closure = nullptr) override;
  const char* name() const override { return "Adagrad"; }

 protected:
  void validate_options(const OptimizerOptions& options) const override;
  void init_param_state(const Tensor& param, const OptimizerOptions& options) override;
  void save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const override;
  std::unique_ptr<OptimizerParamState> load_param_state(const StateDict& state, const std::string& prefix,
                                                        const Tensor& param, std::set<std::string>& known) const override;
};

}  // namespace optim
}  // namespace xgrad

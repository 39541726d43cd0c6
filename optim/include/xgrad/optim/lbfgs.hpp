#pragma once
#include <deque>
#include <optional>
#include <string>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad {
namespace optim {

// torch.optim.LBFGS (minFunc's L-BFGS), operation for operation as torch 1.13's lbfgs.py, including the
// strong Wolfe line search. max_eval defaults to max_iter * 5 / 4; line_search_fn is "strong_wolfe" or
// none. validate() refuses a negative or non-finite lr or tolerance, max_iter, max_eval or history_size
// below 1, and any other line search.
struct LBFGSOptions : public OptimizerCloneableOptions<LBFGSOptions> {
  LBFGSOptions(double lr = 1) : lr_(lr) {}
  static void validate(const LBFGSOptions& options);
  XGRAD_ARG(double, lr) = 1;
  XGRAD_ARG(int64_t, max_iter) = 20;
  XGRAD_ARG(std::optional<int64_t>, max_eval) = std::nullopt;
  XGRAD_ARG(double, tolerance_grad) = 1e-7;
  XGRAD_ARG(double, tolerance_change) = 1e-9;
  XGRAD_ARG(int64_t, history_size) = 100;
  XGRAD_ARG(std::optional<std::string>, line_search_fn) = std::nullopt;

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  friend bool operator==(const LBFGSOptions& a, const LBFGSOptions& b);
};

// LBFGS keeps one state for all parameters, under the first one (as PyTorch). The flat vectors (d,
// prev_flat_grad, the history) have every parameter's elements in order. Numbers PyTorch holds as 0-d
// tensors of the parameters' dtype (t after the first iteration's guess, H_diag, ro) are doubles holding
// those values exactly; LibTorch keeps H_diag and ro as tensors.
struct LBFGSParamState : public OptimizerCloneableParamState<LBFGSParamState> {
  XGRAD_ARG(int64_t, func_evals) = 0;
  XGRAD_ARG(int64_t, n_iter) = 0;
  XGRAD_ARG(double, t) = 0;
  XGRAD_ARG(double, prev_loss) = 0;
  XGRAD_ARG(Tensor, d) = {};
  XGRAD_ARG(double, H_diag) = 1;
  XGRAD_ARG(Tensor, prev_flat_grad) = {};
  XGRAD_ARG(std::deque<Tensor>, old_dirs);
  XGRAD_ARG(std::deque<Tensor>, old_stps);
  XGRAD_ARG(std::deque<double>, ro);
};

// One param group only ("LBFGS doesn't support per-parameter options"), parameters of one dtype. step needs
// a closure that zeroes the gradients, computes the loss, calls backward and returns the loss; it returns
// the loss of its first evaluation. A step that throws (a bad closure, a gradient of the wrong shape) puts
// the parameters and the state back as they were.
class LBFGS : public Optimizer {
 public:
  LBFGS(std::vector<OptimizerParamGroup> param_groups, LBFGSOptions defaults = {});
  LBFGS(std::vector<Tensor> params, LBFGSOptions defaults = {});
  Tensor step(LossClosure closure) override;
  const char* name() const override { return "LBFGS"; }

 protected:
  void validate_options(const OptimizerOptions& options) const override;
  size_t max_param_groups() const override { return 1; }
  void save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const override;
  std::unique_ptr<OptimizerParamState> load_param_state(const StateDict& state, const std::string& prefix,
                                                        const Tensor& param, std::set<std::string>& known) const override;

 private:
  template <class T>
  Tensor run(const LossClosure& closure, LBFGSParamState& state);
};

}  // namespace optim
}  // namespace xgrad

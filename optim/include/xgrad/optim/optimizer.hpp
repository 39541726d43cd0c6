// xgrad::optim: the Optimizer base and per-group options, as in PyTorch's C++ frontend.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "xgrad/nn/module.hpp"
#include "xgrad/tensor.hpp"

// Declares a chainable option: `Options& name(T value)` sets, `T name() const` reads (like TORCH_ARG).
#define XGRAD_ARG(T, name, ...)                \
 public:                                       \
  auto& name(T value) {                        \
    name##_ = value;                           \
    return *this;                              \
  }                                            \
  T name() const { return name##_; }           \
                                               \
 private:                                      \
  T name##_ = __VA_ARGS__;                     \
                                               \
 public:

namespace xgrad {
namespace optim {

// The interface every optimizer has, so std::unique_ptr<Optimizer> holds any of them.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Updates every parameter that has a gradient; parameters whose grad is undefined are skipped.
  virtual void step() = 0;
  // set_to_none = true (PyTorch 2.x default) drops the gradients; false zeroes them in place.
  void zero_grad(bool set_to_none = true);
  virtual size_t num_param_groups() const = 0;
  virtual std::vector<Tensor>& group_params(size_t group) = 0;
  virtual double group_lr(size_t group) const = 0;
  virtual void set_group_lr(size_t group, double lr) = 0;
  double lr() const { return group_lr(0); }
  void set_lr(double lr);  // every group
  // Per-parameter state (momentum buffers, moments, step counts) and each group's lr, by name.
  virtual StateDict state_dict() const = 0;
  // Validates the whole state first; on error nothing changes.
  virtual void load_state_dict(const StateDict& state) = 0;
};

// Shared machinery: groups of parameters with their own options, and per-parameter state.
template <class Options, class State>
class OptimizerWith : public Optimizer {
 public:
  struct ParamGroup {
    std::vector<Tensor> params;
    Options options;
  };

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  void add_param_group(std::vector<Tensor> params, Options options) {
    Options::validate(options);
    for (const Tensor& p : params)
      if (!p.defined() || !p.is_leaf())
        throw std::invalid_argument("optimizer: parameters must be defined leaf tensors");
    groups_.push_back({std::move(params), options});
    states_.emplace_back(groups_.back().params.size());
  }
  size_t num_param_groups() const override { return groups_.size(); }
  std::vector<Tensor>& group_params(size_t group) override { return groups_.at(group).params; }
  double group_lr(size_t group) const override { return groups_.at(group).options.lr(); }
  void set_group_lr(size_t group, double lr) override { groups_.at(group).options.lr(lr); }

 protected:
  OptimizerWith(std::vector<Tensor> params, Options options) { add_param_group(std::move(params), options); }
  std::vector<ParamGroup> groups_;
  std::vector<std::vector<State>> states_;  // [group][param]
};

}  // namespace optim
}  // namespace xgrad

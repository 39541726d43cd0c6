// xgrad::optim: the Optimizer base and per-group options, as in PyTorch's C++ frontend.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
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
  // Updates every parameter that has a gradient; parameters whose grad is undefined are skipped. Every
  // group's options, parameters and gradients (shape and dtype) are checked before any parameter changes:
  // a step that throws (std::invalid_argument; std::overflow_error for a step count at INT64_MAX) leaves
  // the parameters and the optimizer state as they were.
  virtual void step() = 0;
  // set_to_none = true (PyTorch 2.x default) drops the gradients; false zeroes them in place.
  void zero_grad(bool set_to_none = true);
  virtual size_t num_param_groups() const = 0;
  virtual std::vector<Tensor>& group_params(size_t group) = 0;
  virtual double group_lr(size_t group) const = 0;
  // Throws std::invalid_argument for an lr the optimizer refuses (negative, NaN, infinite).
  virtual void set_group_lr(size_t group, double lr) = 0;
  double lr() const { return group_lr(0); }
  void set_lr(double lr);  // every group; checked first, so a refused lr changes no group
  // "SGD", "Adam", ...: the name error messages start with.
  virtual const char* name() const { return "Optimizer"; }
  // Per-parameter state (momentum buffers, moments, step counts) and each group's lr, by name.
  virtual StateDict state_dict() const = 0;
  // Validates the whole state first (names, shapes, dtypes, ranges); on error nothing changes.
  virtual void load_state_dict(const StateDict& state) = 0;
};

namespace detail {
// Throws std::invalid_argument "<optimizer>: invalid learning rate <lr>" unless lr is finite and >= 0.
void check_lr(const char* optimizer, double lr);
// Throws std::invalid_argument unless every parameter is a defined leaf and none appears twice, in one
// group or across groups (PyTorch: "some parameters appear in more than one parameter group").
void check_parameters(const char* optimizer, const std::vector<const std::vector<Tensor>*>& groups);
// Throws std::invalid_argument naming `op` when the stored gradient's shape or dtype differs from the
// parameter's (anything can be assigned through mutable_grad()).
void check_gradient(const Tensor& param, const char* op);
}  // namespace detail

// Shared machinery: groups of parameters with their own options, and per-parameter state.
template <class Options, class State>
class OptimizerWith : public Optimizer {
 public:
  struct ParamGroup {
    std::vector<Tensor> params;
    Options options;
  };

  // Mutable as in PyTorch (options may be changed between steps); step() re-checks the groups.
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // Throws std::invalid_argument for invalid options, an undefined or non-leaf tensor, or a parameter that
  // is already in this optimizer or listed twice (an empty list is allowed here, as in PyTorch).
  void add_param_group(std::vector<Tensor> params, Options options) {
    Options::validate(options);
    std::vector<const std::vector<Tensor>*> all = group_lists();
    all.push_back(&params);
    detail::check_parameters(name_, all);
    align_states();
    std::vector<Entry> entries;
    for (const Tensor& p : params) entries.push_back({p, State()});
    groups_.push_back({std::move(params), options});
    states_.push_back(std::move(entries));
  }
  size_t num_param_groups() const override { return groups_.size(); }
  std::vector<Tensor>& group_params(size_t group) override { return groups_.at(group).params; }
  double group_lr(size_t group) const override { return groups_.at(group).options.lr(); }
  void set_group_lr(size_t group, double lr) override {
    detail::check_lr(name_, lr);
    groups_.at(group).options.lr(lr);
  }
  const char* name() const override { return name_; }

 protected:
  OptimizerWith(const char* name, std::vector<Tensor> params, Options options)
      : name_(name), step_op_(std::string(name) + ".step") {
    if (params.empty()) throw std::invalid_argument(std::string(name) + ": optimizer got an empty parameter list");
    add_param_group(std::move(params), options);
  }

  // Per-parameter state, [group][index] beside param_groups(). Each entry holds its parameter: when the
  // groups were edited through param_groups(), the entries are matched to the parameters again by identity
  // (as PyTorch keys optimizer.state by parameter), so no parameter ever gets another one's state.
  struct Entry {
    Tensor param;
    State state;
  };

  // Everything step() must know before it changes anything: the options of every group (they may have been
  // edited through param_groups()), the parameters (when edited) and each gradient's shape and dtype. Then
  // states_[g][i] is the state of groups_[g].params[i].
  void prepare_step() {
    for (const ParamGroup& group : groups_) Options::validate(group.options);
    const bool edited = !states_aligned();  // else the parameters were checked when added
    if (edited) detail::check_parameters(name_, group_lists());
    for (const ParamGroup& group : groups_)
      for (const Tensor& p : group.params) detail::check_gradient(p, step_op_.c_str());
    if (edited) align_states();
  }

  // The state of groups_[g].params[i], or nullptr when it has none yet.
  const State* find_state(size_t g, size_t i) const {
    const Tensor& p = groups_[g].params[i];
    if (g < states_.size() && i < states_[g].size() && states_[g][i].param.impl() == p.impl()) return &states_[g][i].state;
    for (const std::vector<Entry>& entries : states_)
      for (const Entry& entry : entries)
        if (entry.param.impl() == p.impl()) return &entry.state;
    return nullptr;
  }

  std::vector<const std::vector<Tensor>*> group_lists() const {
    std::vector<const std::vector<Tensor>*> all;
    for (const ParamGroup& group : groups_) all.push_back(&group.params);
    return all;
  }

  bool states_aligned() const {
    if (states_.size() != groups_.size()) return false;
    for (size_t g = 0; g < groups_.size(); ++g) {
      if (states_[g].size() != groups_[g].params.size()) return false;
      for (size_t i = 0; i < states_[g].size(); ++i)
        if (states_[g][i].param.impl() != groups_[g].params[i].impl()) return false;
    }
    return true;
  }
  void align_states() {
    if (states_aligned()) return;
    std::vector<std::vector<Entry>> aligned(groups_.size());
    for (size_t g = 0; g < groups_.size(); ++g)
      for (size_t i = 0; i < groups_[g].params.size(); ++i) {
        const State* state = find_state(g, i);
        aligned[g].push_back({groups_[g].params[i], state ? *state : State()});
      }
    states_ = std::move(aligned);
  }

  const char* name_;
  std::string step_op_;  // "SGD.step", for error messages
  std::vector<ParamGroup> groups_;
  std::vector<std::vector<Entry>> states_;
};

}  // namespace optim
}  // namespace xgrad

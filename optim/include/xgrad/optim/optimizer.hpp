// xgrad::optim: the Optimizer base, param groups, options and per-parameter state, as LibTorch spells them
// (torch/csrc/api/include/torch/optim/optimizer.h), plus xgrad's conveniences (lr(), set_lr(), state_dict()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "xgrad/nn/module.hpp"
#include "xgrad/tensor.hpp"

// A chainable option or state field, as LibTorch's TORCH_ARG: `name(value)` sets and returns *this,
// `name()` reads (a reference); a default value may follow: `XGRAD_ARG(double, lr) = 1e-3;`.
#define XGRAD_ARG(T, name)                                    \
 public:                                                      \
  inline auto name(const T& new_##name)->decltype(*this) {    \
    this->name##_ = new_##name;                               \
    return *this;                                             \
  }                                                           \
  inline auto name(T&& new_##name)->decltype(*this) {         \
    this->name##_ = std::move(new_##name);                    \
    return *this;                                             \
  }                                                           \
  inline const T& name() const noexcept { return this->name##_; } \
  inline T& name() noexcept { return this->name##_; }         \
                                                              \
 private:                                                     \
  T name##_

namespace xgrad {
namespace optim {

// The options of one param group (SGDOptions, AdamOptions, ...). Every optimizer's options implement
// get_lr/set_lr; the ones with a momentum (SGD and RMSprop: `momentum`; Adam, AdamW, Adamax, NAdam, RAdam: the
// first beta) also implement the momentum accessors, which CyclicLR and OneCycleLR use to cycle it.
class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const;  // throws std::logic_error unless overridden
  virtual double get_lr() const;                            // ditto
  virtual void set_lr(const double lr);                     // ditto
  virtual bool has_momentum() const { return false; }
  virtual double get_momentum() const;  // throws std::logic_error when !has_momentum()
  virtual void set_momentum(const double momentum);
};

// Derive options from this to get clone() (LibTorch's OptimizerCloneableOptions).
template <typename Derived>
class OptimizerCloneableOptions : public OptimizerOptions {
 public:
  std::unique_ptr<OptimizerOptions> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

// The state one parameter carries between steps (momentum buffers, moments, step counts).
class OptimizerParamState {
 public:
  virtual ~OptimizerParamState() = default;
  virtual std::unique_ptr<OptimizerParamState> clone() const;  // throws std::logic_error unless overridden
};

template <typename Derived>
class OptimizerCloneableParamState : public OptimizerParamState {
 public:
  std::unique_ptr<OptimizerParamState> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

// Parameters with their own options. A group without options gets the optimizer's defaults when added
// through add_param_group.
class OptimizerParamGroup {
 public:
  OptimizerParamGroup(const OptimizerParamGroup& other);
  OptimizerParamGroup& operator=(const OptimizerParamGroup& other);
  OptimizerParamGroup(OptimizerParamGroup&&) = default;
  OptimizerParamGroup& operator=(OptimizerParamGroup&&) = default;
  OptimizerParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}
  OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
      : params_(std::move(params)), options_(std::move(options)) {}

  bool has_options() const { return options_ != nullptr; }
  OptimizerOptions& options();  // throws std::logic_error when the group has none
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }
  std::vector<Tensor>& params() { return params_; }
  const std::vector<Tensor>& params() const { return params_; }

  // PyTorch's group['initial_lr']: set by the first scheduler built on (or adopting) the group, and the base
  // lr of every scheduler built after it, so schedulers chained on one optimizer agree on it.
  std::optional<double> initial_lr() const { return initial_lr_; }
  void set_initial_lr(double lr) { initial_lr_ = lr; }

 protected:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
  std::optional<double> initial_lr_;
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
// The key of a parameter in Optimizer::state(): its TensorImpl's address, as LibTorch's
// c10::guts::to_string(p.unsafeGetTensorImpl()).
std::string state_key(const Tensor& param);
}  // namespace detail

// The interface every optimizer has, so std::unique_ptr<Optimizer> holds any of them.
//
// Errors: every step checks each group's options (they may have been edited through param_groups()), the
// parameters and each gradient's shape and dtype before any parameter changes: a step that throws
// (std::invalid_argument; std::overflow_error for a step count at INT64_MAX) leaves the parameters and the
// optimizer state as they were.
class Optimizer {
 public:
  using LossClosure = std::function<Tensor()>;
  using StateMap = std::unordered_map<std::string, std::unique_ptr<OptimizerParamState>>;

  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  Optimizer(Optimizer&&) = default;
  Optimizer& operator=(Optimizer&&) = default;
  // For optimizers written outside xgrad (LibTorch's constructors): adds each group, giving the ones
  // without options a copy of `defaults`.
  explicit Optimizer(std::vector<OptimizerParamGroup> param_groups, std::unique_ptr<OptimizerOptions> defaults);
  explicit Optimizer(std::vector<Tensor> parameters, std::unique_ptr<OptimizerOptions> defaults);
  virtual ~Optimizer() = default;

  // Updates every parameter that has a gradient; parameters whose grad is undefined are skipped. With a
  // closure, first evaluates it with grad mode on (it zeroes the grads, computes the loss and calls
  // backward) and returns its loss; LBFGS needs one, as it re-evaluates the loss several times per step.
  virtual Tensor step(LossClosure closure = nullptr) = 0;

  // Throws std::invalid_argument for invalid options, an undefined or non-leaf tensor, or a parameter that
  // is already in this optimizer or listed twice (an empty list is allowed here, as in PyTorch).
  void add_param_group(const OptimizerParamGroup& param_group);
  void add_param_group(std::vector<Tensor> params, const OptimizerOptions& options);
  // Adds to the first group (LibTorch's older interface).
  void add_parameters(const std::vector<Tensor>& parameters);
  // set_to_none = true (PyTorch 2.x and LibTorch 2.x default) drops the gradients; false zeroes them.
  void zero_grad(bool set_to_none = true);
  // The parameters of the first group (std::out_of_range without groups), and the number of parameters in
  // all groups (LibTorch).
  const std::vector<Tensor>& parameters() const;
  std::vector<Tensor>& parameters();
  size_t size() const noexcept;

  OptimizerOptions& defaults() noexcept { return *defaults_; }
  const OptimizerOptions& defaults() const noexcept { return *defaults_; }
  // Mutable as in PyTorch: options may be changed between steps; each step checks them again.
  std::vector<OptimizerParamGroup>& param_groups() noexcept { return param_groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const noexcept { return param_groups_; }
  // Per-parameter state by detail::state_key(param), as LibTorch's. An entry of another optimizer's state
  // type makes step throw std::invalid_argument.
  StateMap& state() noexcept { return state_; }
  const StateMap& state() const noexcept { return state_; }

  // xgrad's conveniences over param_groups().
  size_t num_param_groups() const { return param_groups_.size(); }
  std::vector<Tensor>& group_params(size_t group) { return param_groups_.at(group).params(); }
  double group_lr(size_t group) const { return param_groups_.at(group).options().get_lr(); }
  // Throws std::invalid_argument for an lr the optimizer refuses (negative, NaN, infinite).
  void set_group_lr(size_t group, double lr);
  double lr() const { return group_lr(0); }
  void set_lr(double lr);  // every group; checked first, so a refused lr changes no group
  // The momentum of SGD and RMSprop, the first beta of the Adam family (what CyclicLR and OneCycleLR cycle).
  // has_momentum() says whether this optimizer has one; the others throw std::logic_error without one and
  // std::invalid_argument for a value the options refuse (a beta of 1, a negative momentum).
  bool has_momentum() const { return defaults_->has_momentum(); }
  double group_momentum(size_t group) const;
  void set_group_momentum(size_t group, double momentum);
  // Throws exactly what set_group_momentum would, changing nothing.
  void check_group_momentum(size_t group, double momentum) const;

  // "SGD", "Adam", ...: the name error messages start with.
  virtual const char* name() const { return "Optimizer"; }
  // Each group's lr ("group.<g>.lr") and momentum ("group.<g>.momentum", beta1 for the Adam family: what a
  // scheduler changes), and the per-parameter state by flat parameter index ("state.<i>.<field>").
  virtual StateDict state_dict() const;
  // Validates the whole state first (names, shapes, dtypes, ranges); on error nothing changes. A
  // parameter without entries gets no state (as if it never had a gradient).
  virtual void load_state_dict(const StateDict& state);

 protected:
  // Built-in optimizers pass no groups here and call initialize() from their own constructor, where the
  // virtual checks below are theirs.
  void initialize(std::vector<OptimizerParamGroup> param_groups);
  // Throws std::invalid_argument unless `options` are this optimizer's kind and valid.
  virtual void validate_options(const OptimizerOptions& options) const;
  // add_param_group refuses more groups than this (LBFGS: one).
  virtual size_t max_param_groups() const { return SIZE_MAX; }
  // Called for each parameter added (Adagrad creates its state here, as PyTorch's constructor does).
  virtual void init_param_state(const Tensor& param, const OptimizerOptions& options);
  // The entries of one parameter's state under `prefix` ("state.3."), and their inverse: validated, with
  // every name read added to `known`; nullptr when the state has none for this parameter.
  virtual void save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const;
  virtual std::unique_ptr<OptimizerParamState> load_param_state(const StateDict& state, const std::string& prefix,
                                                                const Tensor& param, std::set<std::string>& known) const;

  // For step(): evaluates the closure (if any) with grad mode on.
  Tensor evaluate(const LossClosure& closure);
  // Everything a step must know before it changes anything: every group's options, the parameters (when
  // the groups were edited), each gradient, and that every existing state has type State. Afterwards
  // param_state(g, i) finds the state of param_groups_[g].params()[i].
  // (LBFGS checks each gradient its closure leaves instead: check_gradients false.)
  template <class State>
  void prepare_step(bool check_gradients = true) {
    prepare_groups(check_gradients);
    for (auto& slots : slots_)
      for (Slot& slot : slots) {
        auto found = state_.find(slot.key);
        slot.state = found == state_.end() ? nullptr : found->second.get();
        if (slot.state && !dynamic_cast<State*>(slot.state)) throw_wrong_state_type();
      }
  }
  // The state prepare_step found for a parameter, or a new one it inserts.
  template <class State>
  State& param_state(size_t group, size_t index) {
    Slot& slot = slots_[group][index];
    if (!slot.state) {
      auto created = std::make_unique<State>();
      slot.state = created.get();
      state_[slot.key] = std::move(created);
    }
    return static_cast<State&>(*slot.state);
  }
  // The state prepare_step found for a parameter, or nullptr.
  template <class State>
  State* existing_state(size_t group, size_t index) {
    return static_cast<State*>(slots_[group][index].state);
  }
  // After prepare_step: throws std::overflow_error when a parameter with a gradient has a step count at
  // INT64_MAX (the last check before anything changes).
  template <class State>
  void check_step_counts() const {
    for (size_t g = 0; g < slots_.size(); ++g)
      for (const Slot& slot : slots_[g])
        if (slot.state && static_cast<const State*>(slot.state)->step() == INT64_MAX && slot.param.grad().defined())
          throw std::overflow_error(step_op_ + ": the step count would pass INT64_MAX");
  }
  // After prepare_step, under NoGradGuard: update(options, param, grad, g, i) for every parameter i of
  // group g that has a gradient. A gradient sharing its parameter's storage (p.grad = p.detach()) comes as a
  // copy, so it reads as it was before the step; each updated parameter's version is bumped.
  template <class Update>
  void update_params(Update&& update) {
    NoGradGuard no_grad;
    for (size_t g = 0; g < param_groups_.size(); ++g) {
      const OptimizerOptions& options = param_groups_[g].options();
      const std::vector<Tensor>& params = param_groups_[g].params();
      for (size_t i = 0; i < params.size(); ++i) {
        Tensor grad = readable_grad(params[i]);
        if (!grad.defined()) continue;
        update(options, params[i], grad, g, i);
        bump_version(params[i]);
      }
    }
  }
  static Tensor readable_grad(const Tensor& param);
  static void bump_version(const Tensor& param);
  // The existing state of a parameter, or nullptr (outside step()).
  const OptimizerParamState* find_param_state(const Tensor& param) const;

  std::vector<OptimizerParamGroup> param_groups_;
  StateMap state_;
  std::unique_ptr<OptimizerOptions> defaults_;
  std::string step_op_;  // "SGD.step", for error messages

 private:
  struct Slot {
    Tensor param;  // held, so its address cannot be reused while its state is keyed by it
    std::string key;
    OptimizerParamState* state = nullptr;
  };
  void prepare_groups(bool check_gradients);
  bool slots_aligned() const;
  [[noreturn]] void throw_wrong_state_type() const;
  std::vector<const std::vector<Tensor>*> group_lists() const;

  std::vector<std::vector<Slot>> slots_;  // beside param_groups_, rebuilt when the groups were edited
};

}  // namespace optim
}  // namespace xgrad

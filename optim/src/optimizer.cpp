#include "xgrad/optim/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include "ops_internal.hpp"
#include "tensor_impl.hpp"
#include "state.hpp"

namespace xgrad {
namespace optim {

std::unique_ptr<OptimizerOptions> OptimizerOptions::clone() const {
  throw std::logic_error("OptimizerOptions::clone() is not implemented: derive your options from OptimizerCloneableOptions");
}
double OptimizerOptions::get_lr() const {
  throw std::logic_error("OptimizerOptions::get_lr() is not implemented by these options");
}
void OptimizerOptions::set_lr(const double) {
  throw std::logic_error("OptimizerOptions::set_lr() is not implemented by these options");
}
double OptimizerOptions::get_momentum() const {
  throw std::logic_error("these optimizer options have no momentum (nor betas)");
}
void OptimizerOptions::set_momentum(const double) {
  throw std::logic_error("these optimizer options have no momentum (nor betas)");
}
std::unique_ptr<OptimizerParamState> OptimizerParamState::clone() const {
  throw std::logic_error("OptimizerParamState::clone() is not implemented: derive from OptimizerCloneableParamState");
}

OptimizerParamGroup::OptimizerParamGroup(const OptimizerParamGroup& other)
    : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr), initial_lr_(other.initial_lr_) {}

OptimizerParamGroup& OptimizerParamGroup::operator=(const OptimizerParamGroup& other) {
  if (this != &other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
    initial_lr_ = other.initial_lr_;
  }
  return *this;
}

OptimizerOptions& OptimizerParamGroup::options() {
  if (!options_) throw std::logic_error("this param group has no options (add it through add_param_group)");
  return *options_;
}
const OptimizerOptions& OptimizerParamGroup::options() const {
  if (!options_) throw std::logic_error("this param group has no options (add it through add_param_group)");
  return *options_;
}

Optimizer::Optimizer(std::vector<OptimizerParamGroup> param_groups, std::unique_ptr<OptimizerOptions> defaults)
    : defaults_(std::move(defaults)) {
  if (!defaults_) throw Error("Optimizer: the default options are missing");
  for (const OptimizerParamGroup& group : param_groups) add_param_group(group);
}

Optimizer::Optimizer(std::vector<Tensor> parameters, std::unique_ptr<OptimizerOptions> defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(parameters))}, std::move(defaults)) {}

void Optimizer::initialize(std::vector<OptimizerParamGroup> param_groups) {
  validate_options(*defaults_);
  // PyTorch refuses an empty list of parameters (a list of empty groups is allowed).
  if (param_groups.empty())
    throw Error(std::string(name()) + ": optimizer got an empty parameter list");
  for (const OptimizerParamGroup& group : param_groups) add_param_group(group);
}

void Optimizer::add_param_group(const OptimizerParamGroup& param_group) {
  if (param_groups_.size() >= max_param_groups())
    throw Error(std::string(name()) + " doesn't support per-parameter options (parameter groups)");
  OptimizerParamGroup group(param_group.params(),
                            param_group.has_options() ? param_group.options().clone() : defaults_->clone());
  if (param_group.initial_lr()) group.set_initial_lr(*param_group.initial_lr());
  validate_options(group.options());
  std::vector<const std::vector<Tensor>*> all = group_lists();
  all.push_back(&group.params());
  detail::check_parameters(name(), all);
  for (const Tensor& p : group.params()) init_param_state(p, group.options());
  param_groups_.push_back(std::move(group));
}

void Optimizer::add_param_group(std::vector<Tensor> params, const OptimizerOptions& options) {
  add_param_group(OptimizerParamGroup(std::move(params), options.clone()));
}

void Optimizer::add_parameters(const std::vector<Tensor>& parameters) {
  if (param_groups_.empty()) {
    add_param_group(OptimizerParamGroup(parameters));
    return;
  }
  std::vector<Tensor> params = param_groups_[0].params();
  params.insert(params.end(), parameters.begin(), parameters.end());
  std::vector<const std::vector<Tensor>*> all = group_lists();
  all[0] = &params;
  detail::check_parameters(name(), all);
  for (const Tensor& p : parameters) init_param_state(p, param_groups_[0].options());
  param_groups_[0].params() = std::move(params);
}

void Optimizer::zero_grad(bool set_to_none) {
  for (OptimizerParamGroup& group : param_groups_)
    for (Tensor& p : group.params()) clear_grad(p, set_to_none);
}

const std::vector<Tensor>& Optimizer::parameters() const { return param_groups_.at(0).params(); }
std::vector<Tensor>& Optimizer::parameters() { return param_groups_.at(0).params(); }

size_t Optimizer::size() const noexcept {
  size_t count = 0;
  for (const OptimizerParamGroup& group : param_groups_) count += group.params().size();
  return count;
}

void Optimizer::set_group_lr(size_t group, double lr) {
  OptimizerOptions& options = param_groups_.at(group).options();
  detail::check_lr(name(), lr);
  options.set_lr(lr);
}

void Optimizer::set_lr(double lr) {
  detail::check_lr(name(), lr);  // before any group changes
  for (size_t g = 0; g < param_groups_.size(); ++g) set_group_lr(g, lr);
}

double Optimizer::group_momentum(size_t group) const { return param_groups_.at(group).options().get_momentum(); }

void Optimizer::check_group_momentum(size_t group, double momentum) const {
  // Checked on a copy of the group's options.
  std::unique_ptr<OptimizerOptions> trial = param_groups_.at(group).options().clone();
  trial->set_momentum(momentum);
  validate_options(*trial);
}

void Optimizer::set_group_momentum(size_t group, double momentum) {
  check_group_momentum(group, momentum);
  param_groups_[group].options().set_momentum(momentum);  // in place: references to the options stay valid
}

void Optimizer::validate_options(const OptimizerOptions&) const {}
void Optimizer::init_param_state(const Tensor&, const OptimizerOptions&) {}
void Optimizer::save_param_state(const OptimizerParamState&, const std::string&, StateDict&) const {}
std::unique_ptr<OptimizerParamState> Optimizer::load_param_state(const StateDict&, const std::string&, const Tensor&,
                                                                 std::set<std::string>&) const {
  return nullptr;
}

Tensor Optimizer::readable_grad(const Tensor& param) {
  Tensor grad = param.grad();
  if (grad.defined() && grad.impl()->storage.get() == param.impl()->storage.get()) grad = grad.detach().clone();
  return grad;
}

void Optimizer::bump_version(const Tensor& param) { param.impl()->storage->version.fetch_add(1); }

Tensor Optimizer::evaluate(const LossClosure& closure) {
  if (!closure) return Tensor();
  EnableGradGuard grad_mode(true);
  return closure();
}

std::vector<const std::vector<Tensor>*> Optimizer::group_lists() const {
  std::vector<const std::vector<Tensor>*> all;
  for (const OptimizerParamGroup& group : param_groups_) all.push_back(&group.params());
  return all;
}

bool Optimizer::slots_aligned() const {
  if (slots_.size() != param_groups_.size()) return false;
  for (size_t g = 0; g < slots_.size(); ++g) {
    const std::vector<Tensor>& params = param_groups_[g].params();
    if (slots_[g].size() != params.size()) return false;
    for (size_t i = 0; i < params.size(); ++i)
      if (slots_[g][i].param.impl() != params[i].impl()) return false;
  }
  return true;
}

void Optimizer::prepare_groups(bool check_gradients) {
  if (step_op_.empty()) step_op_ = std::string(name()) + ".step";
  for (const OptimizerParamGroup& group : param_groups_) {
    if (!group.has_options())
      throw Error(std::string(name()) + ": a param group has no options (add groups through add_param_group)");
    validate_options(group.options());
  }
  const bool edited = !slots_aligned();  // else the parameters were checked when added
  if (edited) detail::check_parameters(name(), group_lists());
  if (check_gradients)
    for (const OptimizerParamGroup& group : param_groups_)
      for (const Tensor& p : group.params()) detail::check_gradient(p, step_op_.c_str());
  if (!edited) return;
  // The groups were edited through param_groups(): line the slots up again, and drop the state of
  // parameters that left (the old slots still hold them, so no new tensor can have taken their address).
  std::vector<std::vector<Slot>> slots(param_groups_.size());
  std::set<std::string> keys;
  for (size_t g = 0; g < param_groups_.size(); ++g)
    for (const Tensor& p : param_groups_[g].params()) {
      slots[g].push_back({p, detail::state_key(p), nullptr});
      keys.insert(slots[g].back().key);
    }
  for (auto it = state_.begin(); it != state_.end();) it = keys.count(it->first) ? std::next(it) : state_.erase(it);
  slots_ = std::move(slots);
}

void Optimizer::throw_wrong_state_type() const {
  throw Error(std::string(name()) + ": state() holds an entry of another optimizer's state type");
}

const OptimizerParamState* Optimizer::find_param_state(const Tensor& param) const {
  auto found = state_.find(detail::state_key(param));
  return found == state_.end() ? nullptr : found->second.get();
}

StateDict Optimizer::state_dict() const {
  StateDict state;
  size_t index = 0;
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const OptimizerOptions& options = param_groups_[g].options();
    state.emplace_back(group_key(g), scalar_tensor(options.get_lr(), dtype(kFloat64)));
    if (options.has_momentum())
      state.emplace_back(group_key(g, "momentum"), scalar_tensor(options.get_momentum(), dtype(kFloat64)));
    for (const Tensor& p : param_groups_[g].params()) {
      if (const OptimizerParamState* s = find_param_state(p)) save_param_state(*s, state_prefix(index), state);
      ++index;
    }
  }
  return state;
}

void Optimizer::load_state_dict(const StateDict& state) {
  const std::string owner = std::string(name()) + " state";
  std::set<std::string> known;
  std::vector<double> lrs, momentums;
  StateMap loaded;
  size_t index = 0;
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    const OptimizerOptions& options = param_groups_[g].options();
    known.insert(group_key(g));
    lrs.push_back(expect_number(state, group_key(g), owner.c_str()));
    detail::check_lr(owner.c_str(), lrs.back());
    if (options.has_momentum()) {
      // Optional: checkpoints written before momenta were saved lack it.
      const std::string key = group_key(g, "momentum");
      known.insert(key);
      momentums.push_back(find_entry(state, key) ? expect_number(state, key, owner.c_str()) : options.get_momentum());
      std::unique_ptr<OptimizerOptions> trial = options.clone();
      trial->set_momentum(momentums.back());
      try {
        validate_options(*trial);
      } catch (const std::invalid_argument& error) {
        throw Error(owner + ": '" + key + "': " + error.what());
      }
    } else {
      momentums.push_back(0);
    }
    for (const Tensor& p : param_groups_[g].params()) {
      std::unique_ptr<OptimizerParamState> s = load_param_state(state, state_prefix(index++), p, known);
      if (s) loaded[detail::state_key(p)] = std::move(s);
    }
  }
  reject_unknown(state, [&](const std::string& name) { return known.count(name) > 0; }, owner.c_str());
  for (size_t g = 0; g < param_groups_.size(); ++g) {
    OptimizerOptions& options = param_groups_[g].options();
    options.set_lr(lrs[g]);
    if (options.has_momentum()) options.set_momentum(momentums[g]);
  }
  state_ = std::move(loaded);
  for (auto& slots : slots_)
    for (Slot& slot : slots) slot.state = nullptr;
}

namespace detail {

void check_lr(const char* optimizer, double lr) {
  if (!(std::isfinite(lr) && lr >= 0))
    throw Error(std::string(optimizer) + ": invalid learning rate " + number_string(lr) +
                                " (must be a finite number >= 0)");
}

void check_parameters(const char* optimizer, const std::vector<const std::vector<Tensor>*>& groups) {
  auto where = [](size_t g, size_t i) { return "parameter " + std::to_string(i) + " of group " + std::to_string(g); };
  // (identity, group, index), sorted by identity so a repeat sits next to its first occurrence.
  struct Seen {
    const TensorImpl* impl;
    size_t group, index;
  };
  std::vector<Seen> seen;
  for (size_t g = 0; g < groups.size(); ++g)
    for (size_t i = 0; i < groups[g]->size(); ++i) {
      const Tensor& p = (*groups[g])[i];
      if (!p.defined()) throw Error(std::string(optimizer) + ": " + where(g, i) + " is undefined");
      if (!p.is_leaf())
        throw Error(std::string(optimizer) + ": can't optimize a non-leaf Tensor (" + where(g, i) + ")");
      seen.push_back({p.impl(), g, i});
    }
  std::stable_sort(seen.begin(), seen.end(), [](const Seen& a, const Seen& b) { return std::less<const TensorImpl*>()(a.impl, b.impl); });
  for (size_t k = 1; k < seen.size(); ++k) {
    if (seen[k].impl != seen[k - 1].impl) continue;
    const Seen &first = seen[k - 1], &again = seen[k];
    if (first.group == again.group)
      throw Error(std::string(optimizer) + ": a parameter group lists the same parameter twice (" +
                                  where(first.group, first.index) + " and " + where(again.group, again.index) + ")");
    throw Error(std::string(optimizer) + ": some parameters appear in more than one parameter group (" +
                                where(first.group, first.index) + " is also " + where(again.group, again.index) + ")");
  }
}

void check_gradient(const Tensor& param, const char* op) { checked_grad(param, op); }

std::string state_key(const Tensor& param) {
  std::ostringstream out;
  out << static_cast<const void*>(param.impl());
  return out.str();
}

}  // namespace detail
}  // namespace optim
}  // namespace xgrad

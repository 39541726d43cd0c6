#include "xgrad/nn/module.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "ops_internal.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace nn {

namespace {
void check_name(const std::string& name, const std::string& op) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw std::invalid_argument(op + ": name '" + name + "' must be non-empty and contain no '.'");
}
}  // namespace

Tensor Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_name(name, "register_parameter");
  for (auto& entry : parameters_)
    if (entry.first == name) throw std::invalid_argument("register_parameter: '" + name + "' is already registered");
  for (auto& entry : children_)
    if (entry.first == name)
      throw std::invalid_argument("register_parameter: '" + name + "' is already registered as a submodule");
  // PyTorch: "Cannot assign non-leaf Tensor to parameter": an optimizer could never update it.
  if (tensor.defined() && !tensor.is_leaf())
    throw std::invalid_argument("register_parameter: cannot register the non-leaf tensor '" + name +
                                "' (made by " + tensor.grad_fn_name() + ") as a parameter; pass a leaf, e.g. .detach()");
  if (tensor.defined()) tensor.requires_grad_(requires_grad);
  parameters_.emplace_back(std::move(name), tensor);
  return tensor;
}

bool Module::contains(const Module* module) const {
  if (module == this) return true;
  for (auto& entry : children_)
    if (entry.second->contains(module)) return true;
  return false;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module, const char* op) {
  check_name(name, op);
  if (!module) throw std::invalid_argument(std::string(op) + ": module '" + name + "' is null");
  for (auto& entry : children_)
    if (entry.first == name) throw std::invalid_argument(std::string(op) + ": '" + name + "' is already registered");
  for (auto& entry : parameters_)
    if (entry.first == name)
      throw std::invalid_argument(std::string(op) + ": '" + name + "' is already registered as a parameter");
  if (module->contains(this))
    throw std::invalid_argument(std::string(op) + ": module '" + name + "' (" + module->name() +
                                ") contains this module; registering it would make a cycle");
  children_.emplace_back(std::move(name), std::move(module));
}

// Depth first, own parameters before children's (PyTorch's order).
void Module::collect(const std::string& prefix, bool recurse, StateDict& out) const {
  for (auto& [name, tensor] : parameters_)
    if (tensor.defined()) out.emplace_back(prefix + name, tensor);
  if (recurse)
    for (auto& [child_name, child] : children_) child->collect(prefix + child_name + ".", true, out);
}

StateDict Module::named_parameters(bool recurse) const {
  StateDict all;
  collect("", recurse, all);
  // A tensor met before is left out, so a shared parameter is listed once under its first name. Sorting
  // the identities finds repeats in O(n log n) (clip_grad_norm_(model.parameters()) runs every step).
  std::vector<std::pair<const TensorImpl*, size_t>> order;
  for (size_t i = 0; i < all.size(); ++i) order.emplace_back(all[i].second.impl(), i);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::less<const TensorImpl*>()(a.first, b.first) || (a.first == b.first && a.second < b.second);
  });
  std::vector<bool> repeat(all.size(), false);
  bool any = false;
  for (size_t k = 1; k < order.size(); ++k)
    if (order[k].first == order[k - 1].first) {
      repeat[order[k].second] = true;  // the sort puts the first occurrence before its repeats
      any = true;
    }
  if (!any) return all;
  StateDict out;
  for (size_t i = 0; i < all.size(); ++i)
    if (!repeat[i]) out.push_back(std::move(all[i]));
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& entry : named_parameters(recurse)) out.push_back(entry.second);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& entry : children_) out.push_back(entry.second);
  return out;
}

void Module::zero_grad(bool set_to_none) {
  StateDict all;  // a shared parameter twice does no harm here
  collect("", true, all);
  for (auto& entry : all) clear_grad(entry.second, set_to_none);
}

void Module::train(bool on) {
  training_ = on;
  for (auto& entry : children_) entry.second->train(on);
}

StateDict Module::state_dict() const {
  StateDict out;
  collect("", true, out);
  return out;
}

void Module::load_state_dict(const StateDict& state) {
  StateDict own = state_dict();
  // Validate everything first, so a bad state leaves the model untouched.
  for (size_t i = 0; i < state.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (state[i].first == state[j].first)
        throw std::invalid_argument("load_state_dict: parameter '" + state[i].first + "' appears twice");
  for (auto& entry : state) {
    bool known = false;
    for (auto& own_entry : own) known = known || own_entry.first == entry.first;
    if (!known) throw std::invalid_argument("load_state_dict: unexpected parameter '" + entry.first + "'");
  }
  std::vector<Tensor> sources;
  for (auto& [name, tensor] : own) {
    const Tensor* found = nullptr;
    for (auto& entry : state)
      if (entry.first == name) found = &entry.second;
    if (!found) throw std::invalid_argument("load_state_dict: missing parameter '" + name + "'");
    if (!found->defined() || found->shape() != tensor.shape())
      throw std::invalid_argument("load_state_dict: parameter '" + name + "' has shape " +
                                  (found->defined() ? shape_string(found->shape()) : std::string("undefined")) +
                                  " but the model expects " + shape_string(tensor.shape()));
    if (found->dtype() != tensor.dtype())
      throw std::invalid_argument("load_state_dict: parameter '" + name + "' is " + dtype_name(found->dtype()) +
                                  " but the model expects " + dtype_name(tensor.dtype()));
    sources.push_back(*found);
  }
  // A source may share storage with another of the model's parameters (loading a state whose entries
  // are swapped): copy those first, so no copy reads a parameter already overwritten.
  for (size_t i = 0; i < sources.size(); ++i)
    for (size_t j = 0; j < own.size(); ++j)
      if (j != i && sources[i].impl()->storage.get() == own[j].second.impl()->storage.get()) {
        sources[i] = sources[i].detach().clone();
        break;
      }
  NoGradGuard no_grad;
  for (size_t i = 0; i < own.size(); ++i)
    if (own[i].second.impl() != sources[i].impl()) own[i].second.copy_(sources[i]);
}

Tensor Module::forward(const Tensor&) {
  throw std::logic_error(name() + " does not define forward(const Tensor&)");
}

}  // namespace nn
}  // namespace xgrad

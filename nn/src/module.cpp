#include "xgrad/nn/module.hpp"

#include <stdexcept>

#include "ops_internal.hpp"

namespace xgrad {
namespace nn {

namespace {
void check_name(const std::string& name, const char* what) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw std::invalid_argument(std::string(what) + " name '" + name + "' must be non-empty and contain no '.'");
}

}  // namespace

Tensor Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_name(name, "register_parameter:");
  for (auto& entry : parameters_)
    if (entry.first == name) throw std::invalid_argument("register_parameter: '" + name + "' is already registered");
  if (tensor.defined()) tensor.requires_grad_(requires_grad);
  parameters_.emplace_back(std::move(name), tensor);
  return tensor;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
  check_name(name, "register_module:");
  if (!module) throw std::invalid_argument("register_module: '" + name + "' is null");
  for (auto& entry : children_)
    if (entry.first == name) throw std::invalid_argument("register_module: '" + name + "' is already registered");
  children_.emplace_back(std::move(name), std::move(module));
}

StateDict Module::named_parameters(bool recurse) const {
  StateDict out;
  for (auto& [name, tensor] : parameters_)
    if (tensor.defined()) out.emplace_back(name, tensor);
  if (recurse)
    for (auto& [child_name, child] : children_)
      for (auto& [name, tensor] : child->named_parameters(true)) out.emplace_back(child_name + "." + name, tensor);
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
  for (Tensor& parameter : parameters()) clear_grad(parameter, set_to_none);
}

void Module::train(bool on) {
  training_ = on;
  for (auto& entry : children_) entry.second->train(on);
}

StateDict Module::state_dict() const { return named_parameters(true); }

void Module::load_state_dict(const StateDict& state) {
  StateDict own = state_dict();
  // Validate everything first, so a bad state leaves the model untouched.
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
  }
  for (auto& entry : state) {
    bool known = false;
    for (auto& own_entry : own) known = known || own_entry.first == entry.first;
    if (!known) throw std::invalid_argument("load_state_dict: unexpected parameter '" + entry.first + "'");
  }
  NoGradGuard no_grad;
  for (auto& [name, tensor] : own)
    for (auto& entry : state)
      if (entry.first == name) tensor.copy_(entry.second);
}

Tensor Module::forward(const Tensor&) {
  throw std::logic_error(name() + " does not define forward(const Tensor&)");
}

}  // namespace nn
}  // namespace xgrad

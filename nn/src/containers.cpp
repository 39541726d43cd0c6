#include "xgrad/nn/containers.hpp"

#include <ostream>
#include <stdexcept>

namespace xgrad {
namespace nn {

namespace detail {
void wrong_argument_count(const std::string& module, size_t expected_min, size_t expected_max, size_t received,
                          bool has_default_args) {
  std::string message = module + "'s forward() method expects ";
  if (has_default_args)
    message += "at least " + std::to_string(expected_min) + " argument(s) and at most " + std::to_string(expected_max) +
               " argument(s), but received " + std::to_string(received) + ".";
  else
    message += std::to_string(expected_min) + " argument(s), but received " + std::to_string(received) + ".";
  if (!has_default_args && received < expected_min)
    message += " If " + module + "'s forward() method has default arguments, please make sure the forward() method is "
               "declared with a corresponding `FORWARD_HAS_DEFAULT_ARGS` macro.";
  throw Error(message);
}

void wrong_argument_type(size_t index, const std::type_info& expected, const std::type_info& received) {
  throw Error("Expected argument #" + std::to_string(index) + " to be of type " + demangle(expected.name()) +
                              ", but received value of type " + demangle(received.name()));
}

void index_out_of_range(size_t index, size_t size) {
  throw IndexError("Index out of range: " + std::to_string(index) + " for " + std::to_string(size) + " modules");
}

void wrong_return_type(const std::type_info& actual, const std::type_info& requested) {
  throw Error("The type of the return value is " + demangle(actual.name()) + ", but you asked for type " +
                              demangle(requested.name()));
}

void wrong_module_type(const char* container, const std::string& where, const Module& module,
                       const std::type_info& requested) {
  throw Error(std::string(container) + "::at: module " + where + " is a " + module.name() + ", not a " +
                              demangle(requested.name()));
}
}  // namespace detail

// ---------------------------------------------------------------- Sequential

SequentialImpl::SequentialImpl(OrderedDict<std::string, AnyModule>&& ordered_dict) {
  modules_.reserve(ordered_dict.size());
  for (auto& item : ordered_dict) push_back(item.key(), std::move(item.value()));
}

SequentialImpl::SequentialImpl(std::initializer_list<NamedAnyModule> named_modules) {
  modules_.reserve(named_modules.size());
  for (const auto& named_module : named_modules) push_back(named_module.name(), named_module.module());
}

std::shared_ptr<Module> SequentialImpl::clone() const {
  auto clone = std::make_shared<SequentialImpl>();
  std::vector<std::string> names = named_children().keys();
  const bool named = names.size() == modules_.size();  // unless something else was registered on it
  for (size_t i = 0; i < modules_.size(); ++i)
    clone->push_back(named ? names[i] : std::to_string(i), modules_[i].clone());
  return clone;
}

void SequentialImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::Sequential"; }

void SequentialImpl::push_back(std::string name, AnyModule any_module) {
  add_child(name, any_module.ptr(), "Sequential::push_back");  // validates before anything changes
  modules_.push_back(std::move(any_module));
}

AnyValue SequentialImpl::any_forward(std::vector<AnyValue> inputs) {
  if (is_empty()) throw Error("Cannot call forward() on an empty Sequential");
  auto module = modules_.begin();
  AnyValue value = module->forward_values(std::move(inputs));
  for (++module; module != modules_.end(); ++module) {
    std::vector<AnyValue> input;
    input.push_back(std::move(value));
    value = module->forward_values(std::move(input));
  }
  return value;
}

// ---------------------------------------------------------------- ModuleList

std::shared_ptr<Module> ModuleListImpl::clone() const {
  auto clone = std::make_shared<ModuleListImpl>();
  for (const auto& module : modules_) clone->push_back(module->clone());
  return clone;
}

void ModuleListImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::ModuleList"; }

void ModuleListImpl::push_back(std::shared_ptr<Module> module) {
  add_child(std::to_string(modules_.size()), module, "ModuleList::push_back");
  modules_.push_back(std::move(module));
}

void ModuleListImpl::insert(size_t index, std::shared_ptr<Module> module) {
  if (index > size()) detail::index_out_of_range(index, size());
  if (index == size()) return push_back(std::move(module));
  // Validated by registering it under the new last name first; then every name from `index` on is
  // pointed at its shifted module.
  add_child(std::to_string(size()), module, "ModuleList::insert");
  modules_.insert(modules_.begin() + static_cast<std::ptrdiff_t>(index), std::move(module));
  for (size_t i = index; i < modules_.size(); ++i) replace_module(std::to_string(i), modules_[i]);
}

// ---------------------------------------------------------------- ModuleDict

std::shared_ptr<Module> ModuleDictImpl::clone() const {
  auto clone = std::make_shared<ModuleDictImpl>();
  for (const auto& module : modules_) clone->insert(module.key(), module.value()->clone());
  return clone;
}

void ModuleDictImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::ModuleDict"; }

std::shared_ptr<Module> ModuleDictImpl::pop(const std::string& key) {
  std::shared_ptr<Module> module = modules_[key];
  modules_.erase(key);
  return module;
}

void ModuleDictImpl::insert(const std::string& key, std::shared_ptr<Module> module) {
  if (contains(key)) {
    replace_module(key, module);  // validates first
    modules_[key] = std::move(module);
  } else {
    // pop() and clear() leave the name registered: then it is replaced.
    if (named_children().contains(key)) replace_module(key, module);
    else add_child(key, module, "ModuleDict::update");
    modules_.insert(key, std::move(module));
  }
}

// ---------------------------------------------------------------- Functional

FunctionalImpl::FunctionalImpl(Function function) : function_(std::move(function)) {
  if (!function_) throw Error("Functional: the function is empty");
}

void FunctionalImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::Functional()"; }

Tensor FunctionalImpl::forward(Tensor input) { return function_(std::move(input)); }

Tensor FunctionalImpl::operator()(Tensor input) { return forward(std::move(input)); }

bool FunctionalImpl::is_serializable() const { return false; }

template class Cloneable<SequentialImpl>;
template class Cloneable<ModuleListImpl>;
template class Cloneable<ModuleDictImpl>;
template class Cloneable<FunctionalImpl>;
template struct AnyChainHolder<SequentialImpl>;
template struct AnyModuleHolder<FunctionalImpl, Tensor>;

}  // namespace nn
}  // namespace xgrad

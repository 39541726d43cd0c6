#include "xgrad/nn/module.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <typeinfo>

#include "node.hpp"
#include "ops_internal.hpp"
#include "tensor_impl.hpp"

namespace xgrad {

std::string demangle(const char* name) {
  int status = -1;
  char* readable = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && readable ? readable : name;
  std::free(readable);
  return out;
}

namespace nn {

namespace {
std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// Gives `target` the data, shape and dtype of `source` (a fresh tensor) without changing its identity, as
// LibTorch's set_data: handles such as a module's `weight` member see the change. Graphs that saved the old
// data refuse to use it (they saved its storage), and graphs recorded before no longer accumulate into it:
// its gradient accumulator, which knows the old shape and dtype, is let go as when a leaf dies.
void set_data(const Tensor& target, Tensor source) {
  if (!source.is_contiguous()) source = source.contiguous();
  TensorImpl& into = *target.impl();
  const TensorImpl& from = *source.impl();
  into.set_storage(from.storage);
  into.shape = from.shape;
  into.numel = from.numel;
  into.offset = from.offset;
  into.dtype = from.dtype;
  into.layout.reset();
  if (Node* accumulator = into.grad_accumulator.exchange(nullptr, std::memory_order_acq_rel)) {
    static_cast<AccumulateGrad*>(accumulator)->detach_leaf();
    release(accumulator);
  }
}

// A tensor's storage identity, to list a shared parameter once.
const TensorImpl* identity(const Tensor& tensor) { return tensor.impl(); }

// Keeps the first entry of every tensor: a shared parameter is listed once, under its first name. Sorting
// the identities finds repeats in O(n log n) (clip_grad_norm_(model->parameters()) runs every step).
OrderedDict<std::string, Tensor> first_of_each(StateDict all, const char* description) {
  std::vector<std::pair<const TensorImpl*, size_t>> order;
  order.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) order.emplace_back(identity(all[i].second), i);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::less<const TensorImpl*>()(a.first, b.first) || (a.first == b.first && a.second < b.second);
  });
  std::vector<bool> repeat(all.size(), false);
  for (size_t k = 1; k < order.size(); ++k)
    if (order[k].first == order[k - 1].first) repeat[order[k].second] = true;  // the first occurrence sorts first
  OrderedDict<std::string, Tensor> out(description);
  out.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i)
    if (!repeat[i]) out.insert(std::move(all[i].first), std::move(all[i].second));
  return out;
}
}  // namespace

Module::Module(std::string name) : name_(std::make_shared<const std::string>(std::move(name))) {}
Module::Module() = default;
Module::Module(const Module& other) = default;
Module::Module(Module&& other) noexcept = default;
Module::~Module() = default;

Module& Module::operator=(const Module& other) {
  parameters_ = other.parameters_;
  buffers_ = other.buffers_;
  children_ = other.children_;
  is_training_ = other.is_training_;
  return *this;
}

Module& Module::operator=(Module&& other) noexcept {
  parameters_ = std::move(other.parameters_);
  buffers_ = std::move(other.buffers_);
  children_ = std::move(other.children_);
  is_training_ = other.is_training_;
  return *this;
}

const std::string& Module::name() const noexcept {
  // Computed on first use: in a constructor typeid(*this) would name the base being constructed.
  std::shared_ptr<const std::string> current = std::atomic_load(&name_);
  if (!current) {
    auto computed = std::make_shared<const std::string>(demangle(typeid(*this).name()));
    // The first writer wins, so a reference handed out stays valid for the module's lifetime.
    if (std::atomic_compare_exchange_strong(&name_, &current, computed)) current = computed;
  }
  return *current;
}

std::shared_ptr<Module> Module::clone() const {
  throw Error("clone() has not been implemented for " + name() + ". Subclass xgrad::nn::Cloneable<" +
                         name() + "> instead of xgrad::nn::Module to inherit the ability to clone.");
}

void Module::clone_(Module& other) {
  // A child that is not Cloneable: reset() of its Cloneable parent made it anew; take other's values.
  auto mismatch = [&](const std::string& what) {
    throw Error("clone(): the submodule " + name() + " made by reset() differs from the original: " + what +
                           " (subclass xgrad::nn::Cloneable<" + other.name() + "> to clone it exactly)");
  };
  if (parameters_.size() != other.parameters_.size() || buffers_.size() != other.buffers_.size() ||
      children_.size() != other.children_.size())
    mismatch("different numbers of parameters, buffers or submodules");
  for (auto kind : {&Module::parameters_, &Module::buffers_})
    for (const auto& item : other.*kind) {
      Tensor* mine = (this->*kind).find(item.key());
      if (!mine) mismatch("no entry '" + item.key() + "'");
      if (item.value().defined() != mine->defined()) mismatch("entry '" + item.key() + "' is defined in only one");
      if (!item.value().defined()) continue;
      set_data(*mine, item.value().detach().clone());
      if (item.value().requires_grad() != mine->requires_grad()) mine->requires_grad_(item.value().requires_grad());
    }
  for (const auto& child : other.children_) {
    std::shared_ptr<Module>* mine = children_.find(child.key());
    if (!mine) mismatch("no submodule '" + child.key() + "'");
    (*mine)->clone_(*child.value());
  }
  is_training_ = other.is_training_;
}

void Module::clear_registrations() {
  parameters_.clear();
  buffers_.clear();
  children_.clear();
}

void Module::finish_clone(Module& copy) const {
  auto check = [](bool same, const char* what, const char* call) {
    if (!same)
      throw Error(std::string("The cloned module does not have the same number of ") + what +
                             " as the original module after calling reset(). Are you sure you called " + call +
                             " inside reset() and not the constructor?");
  };
  check(copy.parameters_.size() == parameters_.size(), "parameters", "register_parameter()");
  check(copy.buffers_.size() == buffers_.size(), "buffers", "register_buffer()");
  check(copy.children_.size() == children_.size(), "child modules", "register_module()");
  for (auto kind : {&Module::parameters_, &Module::buffers_})
    for (const auto& item : this->*kind) {
      if (!item.value().defined()) continue;
      Tensor& target = (copy.*kind)[item.key()];
      if (!target.defined())
        throw Error("clone(): reset() left '" + item.key() + "' of the copy of " + name() + " undefined");
      set_data(target, item.value().detach().clone());
      if (target.requires_grad() != item.value().requires_grad()) target.requires_grad_(item.value().requires_grad());
    }
  for (const auto& child : children_) copy.children_[child.key()]->clone_(*child.value());
  copy.is_training_ = is_training_;
}

// ---------------------------------------------------------------- registration

void Module::check_new_name(const std::string& name, const char* kind, const char* op) const {
  const std::string where = std::string(op) + ": ";
  if (name.empty()) throw Error(where + kind + " name must not be empty");
  if (name.find('.') != std::string::npos)
    throw Error(where + kind + " name must not contain a dot (got '" + name + "')");
  const std::string registered = where + kind + " '" + name + "' already defined";
  if (parameters_.contains(name))
    throw Error(std::string(kind) == "Parameter" ? registered : where + "'" + name + "' is already registered as a parameter");
  if (buffers_.contains(name))
    throw Error(std::string(kind) == "Buffer" ? registered : where + "'" + name + "' is already registered as a buffer");
  if (children_.contains(name))
    throw Error(std::string(kind) == "Submodule" ? registered : where + "'" + name + "' is already registered as a submodule");
}

Tensor& Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_new_name(name, "Parameter", "register_parameter");
  // PyTorch: "Cannot assign non-leaf Tensor to parameter": an optimizer could never update it.
  if (tensor.defined() && !tensor.is_leaf())
    throw Error("register_parameter: cannot register the non-leaf tensor '" + name + "' (made by " +
                                tensor.grad_fn_name() + ") as a parameter; pass a leaf, e.g. .detach()");
  if (tensor.defined()) tensor.requires_grad_(requires_grad);
  else if (requires_grad)
    XGRAD_WARN("An undefined tensor cannot require grad. ", "Ignoring the `requires_grad=true` function parameter.");
  return parameters_.insert(std::move(name), std::move(tensor));
}

Tensor& Module::register_buffer(std::string name, Tensor tensor) {
  check_new_name(name, "Buffer", "register_buffer");
  return buffers_.insert(std::move(name), std::move(tensor));
}

bool Module::contains(const Module* module) const {
  if (module == this) return true;
  for (const auto& child : children_)
    if (child.value()->contains(module)) return true;
  return false;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module, const char* op) {
  check_new_name(name, "Submodule", op);
  if (!module) throw Error(std::string(op) + ": module '" + name + "' is null");
  if (module->contains(this))
    throw Error(std::string(op) + ": module '" + name + "' (" + module->name() +
                                ") contains this module; registering it would make a cycle");
  children_.insert(std::move(name), std::move(module));
}

void Module::replace_child(const std::string& name, std::shared_ptr<Module> module) {
  std::shared_ptr<Module>* slot = children_.find(name);
  if (!slot) throw Error("replace_module: Submodule '" + name + "' is not defined");
  if (!module) throw Error("replace_module: module '" + name + "' is null");
  if (module->contains(this))
    throw Error("replace_module: module '" + name + "' (" + module->name() +
                                ") contains this module; registering it would make a cycle");
  *slot = std::move(module);
}

void Module::unregister_module(const std::string& name) {
  if (!children_.contains(name)) throw Error("No Module with name `" + name + "` is registered");
  children_.erase(name);
}

// ---------------------------------------------------------------- traversal

void Module::apply(const ModuleApplyFunction& function) {
  function(*this);
  apply_to_submodules([&function](const std::string&, const std::shared_ptr<Module>& module) { function(*module); }, "");
}

void Module::apply(const ConstModuleApplyFunction& function) const {
  function(*this);
  apply_to_submodules([&function](const std::string&, const std::shared_ptr<Module>& module) { function(*module); }, "");
}

void Module::apply(const NamedModuleApplyFunction& function, const std::string& name_prefix) {
  function(name_prefix, *this);
  apply_to_submodules(
      [&function](const std::string& name, const std::shared_ptr<Module>& module) { function(name, *module); },
      name_prefix);
}

void Module::apply(const ConstNamedModuleApplyFunction& function, const std::string& name_prefix) const {
  function(name_prefix, *this);
  apply_to_submodules(
      [&function](const std::string& name, const std::shared_ptr<Module>& module) { function(name, *module); },
      name_prefix);
}

void Module::apply(const ModulePointerApplyFunction& function) const {
  function(shared_from_this_checked());
  apply_to_submodules([&function](const std::string&, const std::shared_ptr<Module>& module) { function(module); }, "");
}

void Module::apply(const NamedModulePointerApplyFunction& function, const std::string& name_prefix) const {
  function(name_prefix, shared_from_this_checked());
  apply_to_submodules(function, name_prefix);
}

void Module::apply_to_submodules(const NamedModulePointerApplyFunction& function, const std::string& name_prefix) const {
  for (const auto& child : children_) {
    std::string qualified_name = join_name(name_prefix, child.key());
    function(qualified_name, child.value());
    child.value()->apply_to_submodules(function, qualified_name);
  }
}

std::shared_ptr<Module> Module::shared_from_this_checked() const {
  std::shared_ptr<const Module> pointer;
  try {
    pointer = shared_from_this();
  } catch (const std::bad_weak_ptr&) {
    throw Error(
        "It looks like you attempted to retrieve your top-level module as a shared_ptr, but it is not stored in a "
        "shared_ptr. Use std::make_shared<" + name() + "> instead of creating your module on the stack, or "
        "alternatively do not try to access your top-level module at all by passing /*include_self=*/false to "
        "modules() or named_modules()");
  }
  return std::const_pointer_cast<Module>(pointer);
}

// Depth first, own entries before the children's (PyTorch's order); undefined tensors are left out.
void Module::collect(const std::string& prefix, bool parameters, bool buffers, StateDict& out) const {
  if (parameters)
    for (const auto& item : parameters_)
      if (item.value().defined()) out.emplace_back(prefix + item.key(), item.value());
  if (buffers)
    for (const auto& item : buffers_)
      if (item.value().defined()) out.emplace_back(prefix + item.key(), item.value());
  for (const auto& child : children_) child.value()->collect(prefix + child.key() + ".", parameters, buffers, out);
}

void Module::collect_entries(const std::string& prefix, StateDict& out, std::vector<bool>* is_buffer) const {
  for (const auto& item : parameters_)
    if (item.value().defined()) {
      out.emplace_back(prefix + item.key(), item.value());
      if (is_buffer) is_buffer->push_back(false);
    }
  for (const auto& item : buffers_)
    if (item.value().defined()) {
      out.emplace_back(prefix + item.key(), item.value());
      if (is_buffer) is_buffer->push_back(true);
    }
  for (const auto& child : children_) child.value()->collect_entries(prefix + child.key() + ".", out, is_buffer);
}

OrderedDict<std::string, Tensor> Module::named_parameters(bool recurse) const {
  StateDict all;
  if (recurse) collect("", true, false, all);
  else
    for (const auto& item : parameters_)
      if (item.value().defined()) all.emplace_back(item.key(), item.value());
  return first_of_each(std::move(all), "Parameter");
}

std::vector<Tensor> Module::parameters(bool recurse) const { return named_parameters(recurse).values(); }

OrderedDict<std::string, Tensor> Module::named_buffers(bool recurse) const {
  StateDict all;
  if (recurse) collect("", false, true, all);
  else
    for (const auto& item : buffers_)
      if (item.value().defined()) all.emplace_back(item.key(), item.value());
  return first_of_each(std::move(all), "Buffer");
}

std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) const {
  std::vector<std::shared_ptr<Module>> result;
  if (include_self) result.push_back(shared_from_this_checked());
  apply_to_submodules([&result](const std::string&, const std::shared_ptr<Module>& module) { result.push_back(module); }, "");
  return result;
}

OrderedDict<std::string, std::shared_ptr<Module>> Module::named_modules(const std::string& name_prefix,
                                                                        bool include_self) const {
  OrderedDict<std::string, std::shared_ptr<Module>> result("Module");
  if (include_self) result.insert(name_prefix, shared_from_this_checked());
  apply_to_submodules(
      [&result](const std::string& key, const std::shared_ptr<Module>& module) { result.insert(key, module); },
      name_prefix);
  return result;
}

std::vector<std::shared_ptr<Module>> Module::children() const { return children_.values(); }

OrderedDict<std::string, std::shared_ptr<Module>> Module::named_children() const { return children_; }

// ---------------------------------------------------------------- modes, gradients, dtype

void Module::train(bool on) {
  for (auto& child : children_) child.value()->train(on);
  is_training_ = on;
}

void Module::eval() { train(false); }

bool Module::is_training() const noexcept { return is_training_; }

void Module::zero_grad(bool set_to_none) {
  for (auto& child : children_) child.value()->zero_grad(set_to_none);
  for (auto& item : parameters_)
    if (item.value().defined()) clear_grad(item.value(), set_to_none);
}

void Module::to(Dtype dtype, bool /*non_blocking*/) {
  StateDict all;
  std::vector<bool> is_buffer;
  collect_entries("", all, &is_buffer);
  // Checked first, so a refused conversion changes nothing.
  if (!is_floating_point(dtype))
    for (size_t i = 0; i < all.size(); ++i)
      if (all[i].second.requires_grad())
        throw Error(std::string("Module::to: cannot convert ") + (is_buffer[i] ? "buffer '" : "parameter '") +
                                    all[i].first + "' to " + dtype_name(dtype) +
                                    ": it requires grad, and only floating point tensors can (call requires_grad_(false) first)");
  NoGradGuard no_grad;
  for (auto& [name, tensor] : all) {
    if (tensor.dtype() == dtype) continue;  // done already when shared
    Tensor& grad = tensor.mutable_grad();
    if (grad.defined()) grad = is_floating_point(dtype) ? grad.detach().to(dtype) : Tensor();
    set_data(tensor, tensor.detach().to(dtype));
  }
}

unsigned int Module::_forward_num_required_args() {
  throw Error("xgrad::nn::Module subclass that has default arguments in `forward` method must override "
                         "`_forward_num_required_args` method. Please use `FORWARD_HAS_DEFAULT_ARGS` macro to do so.");
}

std::vector<AnyValue> Module::_forward_populate_default_args(std::vector<AnyValue>&&) {
  throw Error("xgrad::nn::Module subclass that has default arguments in `forward` method must override "
                         "`_forward_populate_default_args` method. Please use `FORWARD_HAS_DEFAULT_ARGS` macro to do so.");
}

// ---------------------------------------------------------------- printing

void Module::pretty_print(std::ostream& stream) const { stream << name(); }

bool Module::is_serializable() const { return true; }

void Module::pretty_print_recursive(std::ostream& stream, const std::string& indentation) const {
  pretty_print(stream);
  if (children_.is_empty()) return;
  stream << "(\n";
  const std::string next_indentation = indentation + "  ";
  for (const auto& child : children_) {
    stream << next_indentation << "(" << child.key() << "): ";
    child.value()->pretty_print_recursive(stream, next_indentation);
    stream << '\n';
  }
  stream << indentation << ")";
}

std::ostream& operator<<(std::ostream& stream, const Module& module) {
  module.pretty_print_recursive(stream, "");
  return stream;
}

// ---------------------------------------------------------------- state dicts

StateDict Module::state_dict() const {
  StateDict out;
  collect_entries("", out, nullptr);
  return out;
}

std::vector<std::string> Module::buffer_names() const {
  StateDict buffers;
  collect("", false, true, buffers);
  std::vector<std::string> names;
  for (auto& entry : buffers) names.push_back(entry.first);
  return names;
}

void Module::load_state_dict(const StateDict& state) {
  StateDict own;
  std::vector<bool> is_buffer;
  collect_entries("", own, &is_buffer);
  // Validate everything first, so a bad state leaves the model untouched.
  for (size_t i = 0; i < state.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (state[i].first == state[j].first)
        throw Error("load_state_dict: parameter '" + state[i].first + "' appears twice");
  for (auto& entry : state) {
    bool known = false;
    for (auto& own_entry : own) known = known || own_entry.first == entry.first;
    if (!known) throw Error("load_state_dict: unexpected parameter '" + entry.first + "'");
  }
  std::vector<Tensor> sources;
  for (size_t k = 0; k < own.size(); ++k) {
    const std::string& name = own[k].first;
    const Tensor& tensor = own[k].second;
    const std::string noun = is_buffer[k] ? "buffer '" : "parameter '";
    const Tensor* found = nullptr;
    for (auto& entry : state)
      if (entry.first == name) found = &entry.second;
    if (!found) throw Error("load_state_dict: missing " + noun + name + "'");
    if (!found->defined() || found->shape() != tensor.shape())
      throw Error("load_state_dict: " + noun + name + "' has shape " +
                                  (found->defined() ? shape_string(found->shape()) : std::string("undefined")) +
                                  " but the model expects " + shape_string(tensor.shape()));
    if (found->dtype() != tensor.dtype())
      throw Error("load_state_dict: " + noun + name + "' is " + dtype_name(found->dtype()) +
                                  " but the model expects " + dtype_name(tensor.dtype()));
    sources.push_back(*found);
  }
  // A source may share storage with another of the model's tensors (loading a state whose entries are
  // swapped): copy those first, so no copy reads a tensor already overwritten.
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

}  // namespace nn
}  // namespace xgrad

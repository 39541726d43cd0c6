// xgrad::nn::Module: the base of every model, as LibTorch's torch::nn::Module (torch/nn/module.h).
// A module registers its parameters, buffers and submodules by name, usually in its constructor (or, for a
// Cloneable, in reset()); the named_* accessors walk them depth first with dotted names ("0.weight"),
// a module's own entries before its children's. Modules are used through holders (nn::Linear holds a
// LinearImpl, see pimpl.hpp) or std::shared_ptr, so copies share one module.
//
// Differences from LibTorch, all on the safe side:
// - A module or parameter may be shared (Sequential(layer, layer)): parameters(), named_parameters(),
//   buffers() and named_buffers() list each tensor once, under the first name met, as PyTorch's Python
//   API does, so an optimizer steps it once; state_dict() keeps every name.
// - Registering a name twice across parameters, buffers and submodules, a non-leaf parameter, a null
//   module or a module that contains this one (a cycle) throws xgrad::Error, as every misuse of nn does.
// - zero_grad() defaults to set_to_none = true (LibTorch 2.x's default, as xgrad's optimizers).
// - to(dtype) also converts existing gradients (as PyTorch's Python API), and refuses (before changing
//   anything) to make a parameter that requires grad a non-floating-point tensor.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/nn/any_value.hpp"
#include "xgrad/nn/pimpl.hpp"
#include "xgrad/ordered_dict.hpp"
#include "xgrad/tensor.hpp"

namespace xgrad {

// Named tensors in a stable order: what state_dict() returns and checkpoints hold.
using StateDict = std::vector<std::pair<std::string, Tensor>>;

namespace nn {

template <typename Derived>
class Cloneable;
template <typename ModuleType, typename... ArgumentTypes>
struct AnyModuleHolder;

class Module : public std::enable_shared_from_this<Module> {
 public:
  using ModuleApplyFunction = std::function<void(Module&)>;
  using ConstModuleApplyFunction = std::function<void(const Module&)>;
  using NamedModuleApplyFunction = std::function<void(const std::string&, Module&)>;
  using ConstNamedModuleApplyFunction = std::function<void(const std::string&, const Module&)>;
  using ModulePointerApplyFunction = std::function<void(const std::shared_ptr<Module>&)>;
  using NamedModulePointerApplyFunction = std::function<void(const std::string&, const std::shared_ptr<Module>&)>;

  // `name` replaces the type name name() reports.
  explicit Module(std::string name);
  Module();
  // Copies share the parameters, buffers and submodules (a deep copy is clone()). Out of line, like the
  // destructor, so that a model's file does not compile them.
  Module(const Module& other);
  Module(Module&& other) noexcept;
  Module& operator=(const Module& other);  // keeps this module's name()
  Module& operator=(Module&& other) noexcept;
  virtual ~Module();

  // The module's type name from RTTI ("xgrad::nn::LinearImpl", "Net"), or the one given to the constructor.
  const std::string& name() const noexcept;

  // A deep copy: new parameters, buffers and submodules with the same values (distinct storage). Modules
  // inherit it from Cloneable<Derived>; the base throws xgrad::Error.
  virtual std::shared_ptr<Module> clone() const;

  // Calls `function` on this module and then on every submodule, depth first. The named forms get the
  // dotted key ("" for this module, or name_prefix); the pointer forms need this module in a shared_ptr.
  void apply(const ModuleApplyFunction& function);
  void apply(const ConstModuleApplyFunction& function) const;
  void apply(const NamedModuleApplyFunction& function, const std::string& name_prefix = std::string());
  void apply(const ConstNamedModuleApplyFunction& function, const std::string& name_prefix = std::string()) const;
  void apply(const ModulePointerApplyFunction& function) const;
  void apply(const NamedModulePointerApplyFunction& function, const std::string& name_prefix = std::string()) const;

  // Each parameter tensor once (first name wins); undefined (optional) parameters are left out.
  std::vector<Tensor> parameters(bool recurse = true) const;
  OrderedDict<std::string, Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<std::string, Tensor> named_buffers(bool recurse = true) const;
  // This module (with include_self, which needs it in a shared_ptr) and every submodule, depth first.
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true) const;
  OrderedDict<std::string, std::shared_ptr<Module>> named_modules(const std::string& name_prefix = std::string(),
                                                                  bool include_self = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  OrderedDict<std::string, std::shared_ptr<Module>> named_children() const;

  virtual void train(bool on = true);
  void eval();
  virtual bool is_training() const noexcept;

  // Converts every parameter and buffer (and gradient) to `dtype` in place: the tensors keep their identity,
  // so handles such as model->weight see the new dtype. non_blocking has no effect on the CPU.
  virtual void to(Dtype dtype, bool non_blocking = false);
  // Devices as LibTorch's: the CPU is where everything already is; a CUDA device throws (CPU only).
  virtual void to(Device device, bool /*non_blocking*/ = false) {
    if (device.is_cuda())
      throw Error("Module::to: xgrad computes on the CPU only and has no CUDA device (" + device.str() + ")");
  }
  virtual void to(Device device, Dtype dtype, bool non_blocking = false) {
    to(device, non_blocking);
    to(dtype, non_blocking);
  }

  // set_to_none = true drops the gradients; false zeroes them in place.
  virtual void zero_grad(bool set_to_none = true);

  // This module as a ModuleType (a holder such as nn::Linear means its Impl), or nullptr.
  template <typename ModuleType>
  typename ModuleType::ContainedType* as() noexcept {
    return as<typename ModuleType::ContainedType>();
  }
  template <typename ModuleType>
  const typename ModuleType::ContainedType* as() const noexcept {
    return as<typename ModuleType::ContainedType>();
  }
  template <typename ModuleType, typename = detail::disable_if_module_holder_t<ModuleType>>
  ModuleType* as() noexcept {
    return dynamic_cast<ModuleType*>(this);
  }
  template <typename ModuleType, typename = detail::disable_if_module_holder_t<ModuleType>>
  const ModuleType* as() const noexcept {
    return dynamic_cast<const ModuleType*>(this);
  }

  // How `stream << module` prints this module (the submodules follow, indented). Defaults to name().
  virtual void pretty_print(std::ostream& stream) const;
  // False for modules that hold no state worth saving (Functional).
  virtual bool is_serializable() const;

  // Registers a parameter (a leaf tensor; undefined for an optional one, e.g. Linear's bias = false) and
  // returns it: weight = register_parameter("weight", xg::randn({3, 2})). For an undefined tensor,
  // requires_grad = true is ignored with a warning (XGRAD_WARN), as in LibTorch.
  Tensor& register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  // Registers a tensor that is state but not a parameter (running statistics); saved in state_dict().
  Tensor& register_buffer(std::string name, Tensor tensor);
  // Registers a submodule and returns it; holders are unwrapped: fc = register_module("fc", nn::Linear(3, 4)).
  template <typename ModuleType>
  std::shared_ptr<ModuleType> register_module(std::string name, std::shared_ptr<ModuleType> module) {
    add_child(std::move(name), module, "register_module");
    return module;
  }
  template <typename ModuleType>
  std::shared_ptr<ModuleType> register_module(std::string name, ModuleHolder<ModuleType> module_holder) {
    return register_module(std::move(name), module_holder.ptr());
  }
  // Replaces the submodule registered as `name` (which must exist) and returns the new one.
  template <typename ModuleType>
  std::shared_ptr<ModuleType> replace_module(const std::string& name, std::shared_ptr<ModuleType> module) {
    replace_child(name, module);
    return module;
  }
  template <typename ModuleType>
  std::shared_ptr<ModuleType> replace_module(const std::string& name, ModuleHolder<ModuleType> module_holder) {
    return replace_module(name, module_holder.ptr());
  }
  void unregister_module(const std::string& name);

  // xgrad's in-memory state: every parameter and buffer by dotted name, a shared one under each of its
  // names (the tensors share data with the model).
  StateDict state_dict() const;
  // Validates every name (none missing, unexpected or repeated), shape and dtype before copying anything:
  // on error (xgrad::Error) the model is unchanged.
  void load_state_dict(const StateDict& state);
  // The dotted names of every buffer (for messages that tell buffers from parameters).
  std::vector<std::string> buffer_names() const;

 protected:
  // A module whose forward() has default arguments declares FORWARD_HAS_DEFAULT_ARGS (see any.hpp), which
  // overrides these so Sequential and AnyModule may omit those arguments.
  virtual bool _forward_has_default_args() { return false; }
  virtual unsigned int _forward_num_required_args();
  virtual std::vector<AnyValue> _forward_populate_default_args(std::vector<AnyValue>&& arguments);

  // register_module with `op` naming the caller in error messages ("Sequential::push_back").
  void add_child(std::string name, std::shared_ptr<Module> module, const char* op);

  OrderedDict<std::string, Tensor> parameters_{"Parameter"};

 private:
  template <typename Derived>
  friend class Cloneable;
  template <typename ModuleType, typename... ArgumentTypes>
  friend struct AnyModuleHolder;
  friend std::ostream& operator<<(std::ostream& stream, const Module& module);

  void replace_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name, const char* kind, const char* op) const;
  bool contains(const Module* module) const;  // this module or one below it
  // Every parameter (and buffer) with its dotted name, shared ones under each name.
  void collect(const std::string& prefix, bool parameters, bool buffers, StateDict& out) const;
  void collect_entries(const std::string& prefix, StateDict& out, std::vector<bool>* is_buffer) const;
  std::shared_ptr<Module> shared_from_this_checked() const;
  void apply_to_submodules(const NamedModulePointerApplyFunction& function, const std::string& name_prefix) const;
  void pretty_print_recursive(std::ostream& stream, const std::string& indentation) const;
  // Cloneable: empties the registrations of a fresh copy, and after its reset() fills them with clones.
  void clear_registrations();
  void finish_clone(Module& copy) const;
  // Copies `other`'s values into this module of the same structure (used for a child that is not
  // Cloneable); Cloneable overrides it to take a full clone of `other`.
  virtual void clone_(Module& other);

  OrderedDict<std::string, Tensor> buffers_{"Buffer"};
  OrderedDict<std::string, std::shared_ptr<Module>> children_{"Submodule"};
  mutable std::shared_ptr<const std::string> name_;  // set once (atomically) by name()
  bool is_training_ = true;
};

// Prints the module and its submodules:
//   xgrad::nn::Sequential(
//     (0): xgrad::nn::Linear(in_features=3, out_features=4, bias=true)
//   )
std::ostream& operator<<(std::ostream& stream, const Module& module);

template <typename ModuleType>
std::ostream& operator<<(std::ostream& stream, const ModuleHolder<ModuleType>& module) {
  return stream << *module;
}

}  // namespace nn
}  // namespace xgrad

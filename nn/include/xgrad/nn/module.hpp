// xgrad::nn::Module: the base of every model. Parameters and children are registered by name in their
// constructor; named_parameters() walks them in registration order with dotted names ("0.weight").
// A module or parameter may be shared (Sequential s(layer, layer)): parameters() and named_parameters()
// list each tensor once, under the first name met, as PyTorch does, so an optimizer steps it once;
// state_dict() keeps every name.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {

// Named tensors in a stable order, like PyTorch's OrderedDict state dicts.
using StateDict = std::vector<std::pair<std::string, Tensor>>;

namespace nn {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;

  // Each parameter tensor once (first name wins); undefined (optional) parameters are left out.
  std::vector<Tensor> parameters(bool recurse = true) const;
  StateDict named_parameters(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }

  // set_to_none = true (PyTorch 2.x default) drops the gradients; false zeroes them in place.
  void zero_grad(bool set_to_none = true);
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // In-memory state: every parameter by dotted name, a shared one under each of its names (copies share
  // data with the model).
  StateDict state_dict() const;
  // Validates every name (none missing, unexpected or repeated), shape and dtype before copying anything:
  // on error (std::invalid_argument) the model is unchanged.
  void load_state_dict(const StateDict& state);

  // Single-input modules override this; Sequential calls it.
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }
  virtual std::string name() const { return "Module"; }

 protected:
  // Names are non-empty, without '.', and unique among this module's parameters and children (else
  // std::invalid_argument). A parameter must be a leaf tensor (or undefined, for an optional one).
  Tensor register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  // The module must be non-null and must not contain this module (a cycle would recurse forever).
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    add_child(std::move(name), module, "register_module");
    return module;
  }
  void add_child(std::string name, std::shared_ptr<Module> module, const char* op);

 private:
  bool contains(const Module* module) const;  // this module or one below it
  void collect(const std::string& prefix, bool recurse, StateDict& out) const;  // every name, shared or not
  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace nn
}  // namespace xgrad

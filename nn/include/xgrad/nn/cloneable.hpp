// xgrad::nn::Cloneable<Derived>: LibTorch's torch::nn::Cloneable (torch/nn/cloneable.h). A module that
// derives from Cloneable<Itself> registers its parameters, buffers and submodules in reset(), and gets a
// deep clone(): a copy of the module whose reset() made fresh tensors and submodules, then given clones of
// the original's values (distinct storage; requires_grad and training mode kept).
#pragma once

#include <memory>
#include <stdexcept>
#include <utility>

#include "xgrad/nn/module.hpp"

namespace xgrad {
namespace nn {

template <typename Derived>
class Cloneable : public virtual Module {
 public:
  using Module::Module;
  Cloneable() = default;
  Cloneable(const Cloneable&) = default;
  Cloneable(Cloneable&&) = default;
  // Written out: Module is a virtual base, which a defaulted assignment might assign twice.
  Cloneable& operator=(const Cloneable& other) {
    Module::operator=(other);
    return *this;
  }
  Cloneable& operator=(Cloneable&& other) {
    Module::operator=(std::move(other));
    return *this;
  }

  // (Re)creates every parameter, buffer and submodule; the constructor calls it.
  virtual void reset() = 0;

  std::shared_ptr<Module> clone() const override {
    NoGradGuard no_grad;
    const auto& self = static_cast<const Derived&>(*this);
    auto copy = std::make_shared<Derived>(self);
    Module& fresh = *copy;
    fresh.clear_registrations();
    copy->reset();
    finish_clone(fresh);
    return copy;
  }

 private:
  // `this` is the copy's submodule made by its parent's reset(); it becomes a clone of `other`.
  void clone_(Module& other) final {
    auto clone = std::dynamic_pointer_cast<Derived>(other.clone());
    if (!clone)
      throw Error(
          "Attempted to clone submodule, but it is of a different type than the submodule it was to be cloned into");
    static_cast<Derived&>(*this) = std::move(*clone);
  }
};

}  // namespace nn
}  // namespace xgrad

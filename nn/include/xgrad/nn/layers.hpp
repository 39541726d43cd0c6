// Layers: Linear, Sequential and activation modules.
#pragma once

#include <memory>
#include <stdexcept>
#include <type_traits>

#include "xgrad/nn/functional.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad {
namespace nn {

// y = x W^T + b. weight [out, in] and bias [out] ~ U(-1/sqrt(in), 1/sqrt(in)), as PyTorch initializes them.
// Either size may be 0 (an empty weight; with in = 0 the output is the bias, initialized to 0); a negative
// size throws std::invalid_argument.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Linear"; }
  void reset_parameters();

  int64_t in_features, out_features;
  Tensor weight;
  Tensor bias;  // undefined when built with bias = false
};

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& input) override { return relu(input); }
  std::string name() const override { return "ReLU"; }
};
class Tanh : public Module {
 public:
  Tensor forward(const Tensor& input) override { return tanh(input); }
  std::string name() const override { return "Tanh"; }
};
class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& input) override { return sigmoid(input); }
  std::string name() const override { return "Sigmoid"; }
};
// negative_slope must be finite (std::invalid_argument).
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01);
  Tensor forward(const Tensor& input) override { return functional::leaky_relu(input, negative_slope); }
  std::string name() const override { return "LeakyReLU"; }
  double negative_slope;
};
class GELU : public Module {
 public:
  Tensor forward(const Tensor& input) override { return functional::gelu(input); }
  std::string name() const override { return "GELU"; }
};
class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input) override { return softmax(input, dim); }
  std::string name() const override { return "Softmax"; }
  int64_t dim;
};

// Runs its children in order; they are named "0", "1", ... Accepts modules by value (a copy, which shares the
// original's parameter tensors) or as shared_ptr (not null). The same layer twice is shared: its parameters
// are listed once by parameters().
class Sequential : public Module {
  template <class... Modules>
  struct is_copy : std::false_type {};
  template <class M>
  struct is_copy<M> : std::is_same<std::decay_t<M>, Sequential> {};

 public:
  Sequential() = default;
  // A single Sequential argument is a copy (sharing its children), not a child: without the constraint a
  // non-const lvalue chose this constructor, whose push_back copied it through this constructor again,
  // recursing until the stack overflowed.
  template <class... Modules, class = std::enable_if_t<!is_copy<Modules...>::value>>
  explicit Sequential(Modules&&... modules) {
    (push_back(std::forward<Modules>(modules)), ...);
  }

  template <class M>
  void push_back(std::shared_ptr<M> module) {
    static_assert(std::is_base_of<Module, M>::value, "Sequential holds nn::Module subclasses");
    append(std::move(module));
  }
  template <class M, class = std::enable_if_t<std::is_base_of<Module, std::decay_t<M>>::value>>
  void push_back(M&& module) {
    append(std::make_shared<std::decay_t<M>>(std::forward<M>(module)));
  }

  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Sequential"; }
  size_t size() const { return layers_.size(); }
  std::shared_ptr<Module> operator[](size_t index) const;
  template <class M>
  std::shared_ptr<M> at(size_t index) const {
    auto typed = std::dynamic_pointer_cast<M>((*this)[index]);
    if (!typed) throw std::invalid_argument("Sequential::at: layer " + std::to_string(index) + " is a " + (*this)[index]->name());
    return typed;
  }

 private:
  void append(std::shared_ptr<Module> module);
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace nn
}  // namespace xgrad

#include "xgrad/nn/layers.hpp"

#include <cmath>

#include "xgrad/nn/init.hpp"

namespace xgrad {
namespace nn {

Linear::Linear(int64_t in_features_in, int64_t out_features_in, bool with_bias)
    : in_features(in_features_in), out_features(out_features_in) {
  if (in_features <= 0 || out_features <= 0)
    throw std::invalid_argument("Linear: features must be positive, got in " + std::to_string(in_features) +
                                " and out " + std::to_string(out_features));
  weight = register_parameter("weight", empty({out_features, in_features}));
  if (with_bias) bias = register_parameter("bias", empty({out_features}));
  reset_parameters();
}

void Linear::reset_parameters() {
  // PyTorch: kaiming_uniform_(weight, a = sqrt(5)) gives bound 1/sqrt(in); the bias uses the same bound.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& input) { return functional::linear(input, weight, bias); }

void Sequential::append(std::shared_ptr<Module> module) {
  std::shared_ptr<Module> added = register_module(std::to_string(layers_.size()), std::move(module));
  layers_.push_back(std::move(added));
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (auto& layer : layers_) x = layer->forward(x);
  return x;
}

std::shared_ptr<Module> Sequential::operator[](size_t index) const {
  if (index >= layers_.size())
    throw std::out_of_range("Sequential: index " + std::to_string(index) + " out of range for " +
                            std::to_string(layers_.size()) + " layers");
  return layers_[index];
}

}  // namespace nn
}  // namespace xgrad

#include "xgrad/nn/layers.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "xgrad/nn/init.hpp"

namespace xgrad {
namespace nn {

Linear::Linear(int64_t in_features_in, int64_t out_features_in, bool with_bias)
    : in_features(in_features_in), out_features(out_features_in) {
  // Zero features are allowed, as in PyTorch: the weight is empty and the output is the bias.
  if (in_features < 0 || out_features < 0)
    throw std::invalid_argument("Linear: in_features and out_features must be >= 0, got in_features=" +
                                std::to_string(in_features) + ", out_features=" + std::to_string(out_features));
  try {
    weight = register_parameter("weight", empty({out_features, in_features}));
    if (with_bias) bias = register_parameter("bias", empty({out_features}));
  } catch (const std::length_error& error) {  // too many elements to address
    throw std::invalid_argument("Linear(" + std::to_string(in_features) + ", " + std::to_string(out_features) +
                                "): " + error.what());
  }
  reset_parameters();
}

void Linear::reset_parameters() {
  // PyTorch: kaiming_uniform_(weight, a = sqrt(5)) gives bound 1/sqrt(in); the bias uses the same bound, or
  // 0 when in_features is 0 (kaiming_uniform_ leaves an empty weight alone).
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& input) { return functional::linear(input, weight, bias); }

LeakyReLU::LeakyReLU(double negative_slope_in) : negative_slope(negative_slope_in) {
  if (!std::isfinite(negative_slope))
    throw std::invalid_argument("LeakyReLU: negative_slope must be finite, got " + std::to_string(negative_slope));
}

void Sequential::append(std::shared_ptr<Module> module) {
  std::string index = std::to_string(layers_.size());
  add_child(index, module, "Sequential::push_back");
  layers_.push_back(std::move(module));
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

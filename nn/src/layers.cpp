#include "xgrad/nn/layers.hpp"

#include <cmath>
#include <ostream>
#include <stdexcept>
#include <string>

#include "xgrad/nn/init.hpp"

namespace xgrad {
namespace nn {

namespace {
// LibTorch's ReLU(inplace=true) writes the result into the input and returns the input. The functional
// ops save their outputs, not the input, so the gradient through the overwritten input stays right.
Tensor write_into_input(Tensor& input, const Tensor& result) {
  input.copy_(result);
  return input;
}
}  // namespace

// ---------------------------------------------------------------- Linear

LinearImpl::LinearImpl(const LinearOptions& options_) : options(options_) { reset(); }

void LinearImpl::reset() {
  const int64_t in_features = options.in_features(), out_features = options.out_features();
  // Zero features are allowed, as in PyTorch: the weight is empty and the output is the bias.
  if (in_features < 0 || out_features < 0)
    throw Error("Linear: in_features and out_features must be >= 0, got in_features=" +
                                std::to_string(in_features) + ", out_features=" + std::to_string(out_features));
  try {
    weight = register_parameter("weight", empty({out_features, in_features}));
    if (options.bias()) bias = register_parameter("bias", empty({out_features}));
    else bias = register_parameter("bias", Tensor(), /*requires_grad=*/false);
  } catch (const std::length_error& error) {  // too many elements to address
    throw Error("Linear(" + std::to_string(in_features) + ", " + std::to_string(out_features) +
                                "): " + error.what());
  }
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  // PyTorch: kaiming_uniform_(weight, a = sqrt(5)) gives bound 1/sqrt(in); the bias uses the same bound, or
  // 0 when in_features is 0 (kaiming_uniform_ leaves an empty weight alone).
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t in_features = options.in_features();
    double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

void LinearImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "xgrad::nn::Linear(in_features=" << options.in_features()
         << ", out_features=" << options.out_features() << ", bias=" << options.bias() << ")";
}

Tensor LinearImpl::forward(const Tensor& input) { return functional::linear(input, weight, bias); }

// ---------------------------------------------------------------- activations

ReLUImpl::ReLUImpl(const ReLUOptions& options_) : options(options_) {}

void ReLUImpl::pretty_print(std::ostream& stream) const {
  stream << "xgrad::nn::ReLU(";
  if (options.inplace()) stream << std::boolalpha << "inplace=" << options.inplace();
  stream << ")";
}

Tensor ReLUImpl::forward(Tensor input) {
  Tensor result = functional::relu(input);
  return options.inplace() ? write_into_input(input, result) : result;
}

LeakyReLUImpl::LeakyReLUImpl(const LeakyReLUOptions& options_) : options(options_) { reset(); }

void LeakyReLUImpl::reset() {
  if (!std::isfinite(options.negative_slope()))
    throw Error("LeakyReLU: negative_slope must be finite, got " + std::to_string(options.negative_slope()));
}

void LeakyReLUImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "xgrad::nn::LeakyReLU(negative_slope=" << options.negative_slope();
  if (options.inplace()) stream << std::boolalpha << ", inplace=" << options.inplace();
  stream << ")";
}

Tensor LeakyReLUImpl::forward(Tensor input) {
  Tensor result = functional::leaky_relu(input, options.negative_slope());
  return options.inplace() ? write_into_input(input, result) : result;
}

GELUImpl::GELUImpl(GELUOptions options_) : options(std::move(options_)) { reset(); }

void GELUImpl::reset() {
  if (options.approximate() != "none" && options.approximate() != "tanh")
    throw Error("GELU: approximate argument must be either none or tanh, got '" + options.approximate() + "'");
}

void GELUImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::GELU()"; }

Tensor GELUImpl::forward(const Tensor& input) { return functional::gelu(input, options.approximate()); }

void TanhImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::Tanh()"; }

Tensor TanhImpl::forward(const Tensor& input) { return xgrad::tanh(input); }

void SigmoidImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::Sigmoid()"; }

Tensor SigmoidImpl::forward(const Tensor& input) { return xgrad::sigmoid(input); }

SoftmaxImpl::SoftmaxImpl(const SoftmaxOptions& options_) : options(options_) {}

void SoftmaxImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::Softmax(dim=" << options.dim() << ")"; }

Tensor SoftmaxImpl::forward(const Tensor& input) { return xgrad::softmax(input, options.dim()); }

template class Cloneable<LinearImpl>;
template class Cloneable<ReLUImpl>;
template class Cloneable<LeakyReLUImpl>;
template class Cloneable<GELUImpl>;
template class Cloneable<TanhImpl>;
template class Cloneable<SigmoidImpl>;
template class Cloneable<SoftmaxImpl>;
template struct AnyModuleHolder<LinearImpl, const Tensor&>;
template struct AnyModuleHolder<ReLUImpl, Tensor>;
template struct AnyModuleHolder<LeakyReLUImpl, Tensor>;
template struct AnyModuleHolder<GELUImpl, const Tensor&>;
template struct AnyModuleHolder<TanhImpl, const Tensor&>;
template struct AnyModuleHolder<SigmoidImpl, const Tensor&>;
template struct AnyModuleHolder<SoftmaxImpl, const Tensor&>;

}  // namespace nn
}  // namespace xgrad

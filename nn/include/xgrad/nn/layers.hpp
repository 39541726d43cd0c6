// Layers, as LibTorch's: Linear and the activations ReLU, LeakyReLU, GELU, Tanh, Sigmoid, Softmax. Each
// is a holder (nn::Linear) of an Impl (nn::LinearImpl) with LibTorch's options, members and printing.
//
// Adding a layer (the recipe every built-in follows; LibTorch's own layers look the same):
//  1. Options in options.hpp, spelled as LibTorch's torch/nn/options/<file>.h, with XGRAD_ARG members and
//     LibTorch's defaults and (implicit) constructors: `struct DropoutOptions { DropoutOptions(double p =
//     0.5) ...; XGRAD_ARG(double, p); XGRAD_ARG(bool, inplace) = false; };`
//  2. The Impl here, deriving from Cloneable<XImpl> (which gives clone()):
//       class DropoutImpl : public Cloneable<DropoutImpl> {
//        public:
//         explicit DropoutImpl(const DropoutOptions& options_ = {});  // sets options, calls reset()
//         void reset() override;           // validates options (xgrad::Error naming the layer),
//                                          // registers parameters/buffers/submodules (register_parameter,
//                                          // register_buffer, register_module), then initializes them
//         void pretty_print(std::ostream& stream) const override;  // exactly LibTorch's text, with
//                                                                  // "xgrad::nn::" for "torch::nn::"
//         Tensor forward(const Tensor& input);  // LibTorch's signature; not virtual
//         DropoutOptions options;               // and public tensors: Tensor weight; ...
//       };
//       XGRAD_MODULE(Dropout);
//     Everything registered must be registered in reset(), never in the constructor, or clone() breaks.
//     Use is_training() for train/eval differences; buffers (running statistics) go to state_dict() and
//     checkpoints automatically.
//  3. The math in functional.hpp/.cpp (nn::functional::dropout), written with differentiable ops; the
//     module's forward() calls it.
//  4. Tests in tests/nn: values from torch (script committed beside the test), gradcheck in float64,
//     printing, clone(), options, bad arguments, empty tensors.
#pragma once

#include <cstdint>
#include <iosfwd>

#include "xgrad/nn/any.hpp"
#include "xgrad/nn/cloneable.hpp"
#include "xgrad/nn/functional.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/nn/options.hpp"
#include "xgrad/nn/pimpl.hpp"

namespace xgrad {
namespace nn {

// y = x W^T + b. weight [out, in] and bias [out] ~ U(-1/sqrt(in), 1/sqrt(in)), as PyTorch initializes them.
// Either size may be 0 (an empty weight; with in = 0 the output is the bias, initialized to 0); a negative
// size throws xgrad::Error. Without bias, `bias` is undefined (registered, never listed).
class LinearImpl : public Cloneable<LinearImpl> {
 public:
  LinearImpl(int64_t in_features, int64_t out_features) : LinearImpl(LinearOptions(in_features, out_features)) {}
  explicit LinearImpl(const LinearOptions& options_);
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  LinearOptions options;
  Tensor weight;
  Tensor bias;
};
XGRAD_MODULE(Linear);

class ReLUImpl : public Cloneable<ReLUImpl> {
 public:
  explicit ReLUImpl(const ReLUOptions& options_ = {});
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(Tensor input);

  ReLUOptions options;
};
XGRAD_MODULE(ReLU);

// negative_slope must be finite (xgrad::Error).
class LeakyReLUImpl : public Cloneable<LeakyReLUImpl> {
 public:
  explicit LeakyReLUImpl(const LeakyReLUOptions& options_ = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(Tensor input);

  LeakyReLUOptions options;
};
XGRAD_MODULE(LeakyReLU);

class GELUImpl : public Cloneable<GELUImpl> {
 public:
  explicit GELUImpl(GELUOptions options_ = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  GELUOptions options;
};
XGRAD_MODULE(GELU);

class TanhImpl : public Cloneable<TanhImpl> {
 public:
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);
};
XGRAD_MODULE(Tanh);

class SigmoidImpl : public Cloneable<SigmoidImpl> {
 public:
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);
};
XGRAD_MODULE(Sigmoid);

class SoftmaxImpl : public Cloneable<SoftmaxImpl> {
 public:
  explicit SoftmaxImpl(int64_t dim) : SoftmaxImpl(SoftmaxOptions(dim)) {}
  explicit SoftmaxImpl(const SoftmaxOptions& options_);
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  SoftmaxOptions options;
};
XGRAD_MODULE(Softmax);

// Compiled once in layers.cpp rather than in every file that uses a layer (compile time).
extern template class Cloneable<LinearImpl>;
extern template class Cloneable<ReLUImpl>;
extern template class Cloneable<LeakyReLUImpl>;
extern template class Cloneable<GELUImpl>;
extern template class Cloneable<TanhImpl>;
extern template class Cloneable<SigmoidImpl>;
extern template class Cloneable<SoftmaxImpl>;
extern template struct AnyModuleHolder<LinearImpl, const Tensor&>;
extern template struct AnyModuleHolder<ReLUImpl, Tensor>;
extern template struct AnyModuleHolder<LeakyReLUImpl, Tensor>;
extern template struct AnyModuleHolder<GELUImpl, const Tensor&>;
extern template struct AnyModuleHolder<TanhImpl, const Tensor&>;
extern template struct AnyModuleHolder<SigmoidImpl, const Tensor&>;
extern template struct AnyModuleHolder<SoftmaxImpl, const Tensor&>;

}  // namespace nn
}  // namespace xgrad

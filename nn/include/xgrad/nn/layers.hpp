// Layers, as LibTorch's: Linear, the activations ReLU, LeakyReLU, GELU, Tanh, Sigmoid, Softmax, and Dropout,
// LayerNorm, BatchNorm1d, Embedding, Identity, Flatten, Unflatten. Each
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
#include <vector>

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

// Zeroes each element with probability p in training mode (scaling the others by 1 / (1 - p)); the
// identity in eval mode. The mask comes from manual_seed's per-thread generator.
class DropoutImpl : public Cloneable<DropoutImpl> {
 public:
  DropoutImpl(double p) : DropoutImpl(DropoutOptions().p(p)) {}
  explicit DropoutImpl(const DropoutOptions& options_ = {});
  void reset() override;  // p must be in [0, 1]
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(Tensor input);

  DropoutOptions options;
};
XGRAD_MODULE(Dropout);

// Normalizes over the trailing normalized_shape dimensions: (x - mean) / sqrt(var + eps) * weight + bias,
// with weight (ones) and bias (zeros) of normalized_shape when elementwise_affine, else undefined.
class LayerNormImpl : public Cloneable<LayerNormImpl> {
 public:
  LayerNormImpl(std::vector<int64_t> normalized_shape) : LayerNormImpl(LayerNormOptions(normalized_shape)) {}
  explicit LayerNormImpl(const LayerNormOptions& options_);
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  LayerNormOptions options;
  Tensor weight;
  Tensor bias;
};
XGRAD_MODULE(LayerNorm);

// Batch normalization over (N, C) or (N, C, L) input, per channel C. Training mode normalizes with the
// batch's mean and biased variance and, with track_running_stats, updates the buffers running_mean
// (zeros), running_var (ones, from the unbiased variance) and num_batches_tracked (an int64 count); eval
// mode normalizes with the running statistics. Without track_running_stats the buffers are undefined and
// the batch statistics are used in both modes. weight (ones) and bias (zeros) exist when affine.
// LibTorch derives BatchNorm1dImpl from a BatchNormImplBase template; the public interface is the same.
class BatchNorm1dImpl : public Cloneable<BatchNorm1dImpl> {
 public:
  explicit BatchNorm1dImpl(int64_t num_features) : BatchNorm1dImpl(BatchNormOptions(num_features)) {}
  explicit BatchNorm1dImpl(const BatchNormOptions& options_);
  void reset() override;
  void reset_running_stats();
  void reset_parameters();  // the running statistics too
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  BatchNormOptions options;
  Tensor weight;
  Tensor bias;
  Tensor running_mean;
  Tensor running_var;
  Tensor num_batches_tracked;
};
XGRAD_MODULE(BatchNorm1d);

// A lookup table: forward(indices) gives the rows of weight [num_embeddings, embedding_dim] (~ N(0, 1),
// the padding_idx row zeroed) that int64 or int32 indices of any shape name, shape indices.shape + [dim].
// An index out of range throws std::out_of_range naming Embedding and the index.
class EmbeddingImpl : public Cloneable<EmbeddingImpl> {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim)
      : EmbeddingImpl(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  explicit EmbeddingImpl(const EmbeddingOptions& options_);
  void reset() override;
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& indices);

  EmbeddingOptions options;
  Tensor weight;
};

// LibTorch's holder for EmbeddingImpl, with from_pretrained.
class Embedding : public ModuleHolder<EmbeddingImpl> {
 public:
  using ModuleHolder<EmbeddingImpl>::ModuleHolder;
  using Impl = EmbeddingImpl;
  // A table holding `embeddings` (2-D; its storage is shared), frozen (no gradient) unless freeze(false).
  static Embedding from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options = {});
};

class IdentityImpl : public Cloneable<IdentityImpl> {
 public:
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);
};
XGRAD_MODULE(Identity);

// input.flatten(start_dim, end_dim): by default every dimension but the batch's.
class FlattenImpl : public Cloneable<FlattenImpl> {
 public:
  explicit FlattenImpl(const FlattenOptions& options_ = {});
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  FlattenOptions options;
};
XGRAD_MODULE(Flatten);

// Splits dimension dim into sizes (a view); the product of sizes must be that dimension's size.
class UnflattenImpl : public Cloneable<UnflattenImpl> {
 public:
  UnflattenImpl(int64_t dim, std::vector<int64_t> sizes) : UnflattenImpl(UnflattenOptions(dim, std::move(sizes))) {}
  explicit UnflattenImpl(UnflattenOptions options_);
  void reset() override;  // sizes must be non-empty, with at most one -1
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(const Tensor& input);

  UnflattenOptions options;
};
XGRAD_MODULE(Unflatten);

// Compiled once in layers.cpp rather than in every file that uses a layer (compile time).
extern template class Cloneable<LinearImpl>;
extern template class Cloneable<ReLUImpl>;
extern template class Cloneable<LeakyReLUImpl>;
extern template class Cloneable<GELUImpl>;
extern template class Cloneable<TanhImpl>;
extern template class Cloneable<SigmoidImpl>;
extern template class Cloneable<SoftmaxImpl>;
extern template class Cloneable<DropoutImpl>;
extern template class Cloneable<LayerNormImpl>;
extern template class Cloneable<BatchNorm1dImpl>;
extern template class Cloneable<EmbeddingImpl>;
extern template class Cloneable<IdentityImpl>;
extern template class Cloneable<FlattenImpl>;
extern template class Cloneable<UnflattenImpl>;
extern template struct AnyModuleHolder<LinearImpl, const Tensor&>;
extern template struct AnyModuleHolder<ReLUImpl, Tensor>;
extern template struct AnyModuleHolder<LeakyReLUImpl, Tensor>;
extern template struct AnyModuleHolder<GELUImpl, const Tensor&>;
extern template struct AnyModuleHolder<TanhImpl, const Tensor&>;
extern template struct AnyModuleHolder<SigmoidImpl, const Tensor&>;
extern template struct AnyModuleHolder<SoftmaxImpl, const Tensor&>;
extern template struct AnyModuleHolder<DropoutImpl, Tensor>;
extern template struct AnyModuleHolder<LayerNormImpl, const Tensor&>;
extern template struct AnyModuleHolder<BatchNorm1dImpl, const Tensor&>;
extern template struct AnyModuleHolder<EmbeddingImpl, const Tensor&>;
extern template struct AnyModuleHolder<IdentityImpl, const Tensor&>;
extern template struct AnyModuleHolder<FlattenImpl, const Tensor&>;
extern template struct AnyModuleHolder<UnflattenImpl, const Tensor&>;

}  // namespace nn
}  // namespace xgrad

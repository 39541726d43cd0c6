#include "xgrad/nn/layers.hpp"

#include <algorithm>
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

// ---------------------------------------------------------------- Dropout

DropoutImpl::DropoutImpl(const DropoutOptions& options_) : options(options_) { reset(); }

void DropoutImpl::reset() {
  if (!(options.p() >= 0. && options.p() <= 1.))
    throw Error(str("Dropout: dropout probability has to be between 0 and 1, but got ", options.p()));
}

void DropoutImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "xgrad::nn::Dropout(p=" << options.p() << ", inplace=" << options.inplace() << ")";
}

Tensor DropoutImpl::forward(Tensor input) {
  return functional::detail::dropout(std::move(input), options.p(), is_training(), options.inplace());
}

// ---------------------------------------------------------------- LayerNorm

LayerNormImpl::LayerNormImpl(const LayerNormOptions& options_) : options(options_) { reset(); }

void LayerNormImpl::reset() {
  const std::vector<int64_t>& shape = options.normalized_shape();
  for (int64_t size : shape)
    if (size < 0)
      throw Error("LayerNorm: normalized_shape must not contain negative sizes, got " + shape_string(shape));
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", xgrad::empty(shape));
    bias = register_parameter("bias", xgrad::empty(shape));
  } else {
    weight = register_parameter("weight", Tensor(), /*requires_grad=*/false);
    bias = register_parameter("bias", Tensor(), /*requires_grad=*/false);
  }
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  if (options.elementwise_affine()) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

void LayerNormImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "xgrad::nn::LayerNorm(" << shape_string(options.normalized_shape())
         << ", eps=" << options.eps() << ", elementwise_affine=" << options.elementwise_affine() << ")";
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return functional::detail::layer_norm(input, options.normalized_shape(), weight, bias, options.eps());
}

// ---------------------------------------------------------------- BatchNorm1d

BatchNorm1dImpl::BatchNorm1dImpl(const BatchNormOptions& options_) : options(options_) { reset(); }

void BatchNorm1dImpl::reset() {
  const int64_t features = options.num_features();
  if (features < 0) throw Error("BatchNorm1d: num_features must be >= 0, got " + std::to_string(features));
  if (options.affine()) {
    weight = register_parameter("weight", empty({features}));
    bias = register_parameter("bias", empty({features}));
  } else {
    weight = register_parameter("weight", Tensor(), /*requires_grad=*/false);
    bias = register_parameter("bias", Tensor(), /*requires_grad=*/false);
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", zeros({features}));
    running_var = register_buffer("running_var", ones({features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  } else {
    running_mean = register_buffer("running_mean", Tensor());
    running_var = register_buffer("running_var", Tensor());
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor());
  }
  reset_parameters();
}

void BatchNorm1dImpl::reset_running_stats() {
  if (options.track_running_stats()) {
    NoGradGuard no_grad;
    running_mean.zero_();
    running_var.fill_(1);
    num_batches_tracked.zero_();
  }
}

void BatchNorm1dImpl::reset_parameters() {
  reset_running_stats();
  if (options.affine()) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

void BatchNorm1dImpl::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "xgrad::nn::BatchNorm1d(" << options.num_features() << ", eps=" << options.eps()
         << ", momentum=";
  if (options.momentum()) stream << *options.momentum();
  else stream << "None";
  stream << ", affine=" << options.affine() << ", track_running_stats=" << options.track_running_stats() << ")";
}

Tensor BatchNorm1dImpl::forward(const Tensor& input) {
  if (!input.defined()) throw Error("BatchNorm1d: the input is an undefined tensor");
  if (input.dim() != 2 && input.dim() != 3)
    throw Error("BatchNorm1d: expected 2D or 3D input (got " + std::to_string(input.dim()) + "D input of shape " +
                shape_string(input.shape()) + ")");
  // LibTorch's factor: the momentum, or with momentum = None the cumulative average 1 / batches seen.
  const bool update = is_training() && options.track_running_stats() && num_batches_tracked.defined();
  double factor = options.momentum().value_or(0.0);
  if (update && !options.momentum()) factor = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>() + 1);
  Tensor out = functional::detail::batch_norm(input, running_mean, running_var, weight, bias,
                                              is_training() || !options.track_running_stats(), factor, options.eps());
  // Counted after the call (LibTorch counts before), so an input the call refuses changes nothing.
  if (update) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(1);
  }
  return out;
}

// ---------------------------------------------------------------- Embedding

EmbeddingImpl::EmbeddingImpl(const EmbeddingOptions& options_) : options(options_) { reset(); }

void EmbeddingImpl::reset() {
  const int64_t rows = options.num_embeddings(), dim = options.embedding_dim();
  if (rows < 0 || dim < 0)
    throw Error("Embedding: num_embeddings and embedding_dim must be >= 0, got num_embeddings=" + std::to_string(rows) +
                ", embedding_dim=" + std::to_string(dim));
  if (options.padding_idx()) {
    const int64_t padding = *options.padding_idx();
    if (padding >= rows || padding < -rows)
      throw Error("Embedding: Padding_idx must be within num_embeddings, got padding_idx=" + std::to_string(padding) +
                  " for num_embeddings=" + std::to_string(rows));
    if (padding < 0) options.padding_idx(rows + padding);  // as LibTorch, printed and used from now on
  }
  if (!options._weight().defined()) {
    weight = register_parameter("weight", empty({rows, dim}));
    reset_parameters();
  } else {
    const Tensor& given = options._weight();
    if (given.shape() != Shape{rows, dim})
      throw Error("Embedding: Shape of _weight " + shape_string(given.shape()) +
                  " does not match num_embeddings and embedding_dim " + shape_string({rows, dim}));
    if (!given.is_floating_point())
      throw Error(std::string("Embedding: _weight must be floating point, got ") + dtype_name(given.dtype()));
    // A new handle on the same storage, not the tensor itself: clone() replaces the data of what reset()
    // registered, which must not be the original module's parameter.
    weight = register_parameter("weight", given.detach());
  }
}

void EmbeddingImpl::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx()) {
    NoGradGuard no_grad;
    weight.select(0, *options.padding_idx()).fill_(0);
  }
}

void EmbeddingImpl::pretty_print(std::ostream& stream) const {
  stream << "xgrad::nn::Embedding(num_embeddings=" << options.num_embeddings()
         << ", embedding_dim=" << options.embedding_dim();
  if (options.padding_idx()) stream << ", padding_idx=" << *options.padding_idx();
  if (options.max_norm()) stream << ", max_norm=" << *options.max_norm();
  if (options.norm_type() != 2) stream << ", norm_type=" << options.norm_type();
  if (options.scale_grad_by_freq()) stream << ", scale_grad_by_freq=" << std::boolalpha << options.scale_grad_by_freq();
  if (options.sparse()) stream << ", sparse=" << std::boolalpha << options.sparse();
  stream << ")";
}

Tensor EmbeddingImpl::forward(const Tensor& indices) {
  return functional::detail::embedding(indices, weight, options.padding_idx(), options.max_norm(), options.norm_type(),
                                       options.scale_grad_by_freq(), options.sparse());
}

Embedding Embedding::from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options) {
  if (!embeddings.defined() || embeddings.dim() != 2)
    throw Error("Embedding::from_pretrained: Embeddings parameter is expected to be 2-dimensional, got shape " +
                (embeddings.defined() ? shape_string(embeddings.shape()) : std::string("(undefined)")));
  Embedding embedding(EmbeddingOptions(embeddings.size(0), embeddings.size(1))
                          ._weight(embeddings)
                          .padding_idx(options.padding_idx())
                          .max_norm(options.max_norm())
                          .norm_type(options.norm_type())
                          .scale_grad_by_freq(options.scale_grad_by_freq())
                          .sparse(options.sparse()));
  embedding->weight.set_requires_grad(!options.freeze());
  return embedding;
}

// ---------------------------------------------------------------- Identity, Flatten, Unflatten

void IdentityImpl::pretty_print(std::ostream& stream) const { stream << "xgrad::nn::Identity()"; }

Tensor IdentityImpl::forward(const Tensor& input) { return input; }

FlattenImpl::FlattenImpl(const FlattenOptions& options_) : options(options_) {}

void FlattenImpl::pretty_print(std::ostream& stream) const {
  stream << "xgrad::nn::Flatten(start_dim=" << options.start_dim() << ", end_dim=" << options.end_dim() << ")";
}

Tensor FlattenImpl::forward(const Tensor& input) { return input.flatten(options.start_dim(), options.end_dim()); }

UnflattenImpl::UnflattenImpl(UnflattenOptions options_) : options(std::move(options_)) { reset(); }

void UnflattenImpl::reset() {
  const std::vector<int64_t>& sizes = options.sizes();
  if (sizes.empty()) throw Error("Unflatten: sizes must be non-empty");
  int64_t inferred = 0;
  for (int64_t size : sizes) {
    if (size < -1) throw Error("Unflatten: invalid size " + std::to_string(size) + " in sizes " + shape_string(sizes));
    inferred += size == -1;
  }
  if (inferred > 1) throw Error("Unflatten: only one size can be inferred (-1), got sizes " + shape_string(sizes));
}

void UnflattenImpl::pretty_print(std::ostream& stream) const {
  stream << "xgrad::nn::Unflatten(dim=" << options.dim() << ", unflattened_size={";
  const std::vector<int64_t>& sizes = options.sizes();
  for (size_t i = 0; i < sizes.size(); ++i) stream << (i ? ", " : "") << sizes[i];
  stream << "})";
}

Tensor UnflattenImpl::forward(const Tensor& input) {
  if (!input.defined()) throw Error("Unflatten: the input is an undefined tensor");
  const int64_t rank = input.dim();
  const int64_t dim_in = options.dim();
  // A 0-d tensor's only dimension is 0 or -1, as everywhere in PyTorch.
  const int64_t bound = std::max<int64_t>(rank, 1);
  if (dim_in < -bound || dim_in >= bound)
    throw Error("Unflatten: Dimension out of range (expected to be in range of [" + std::to_string(-bound) + ", " +
                std::to_string(bound - 1) + "], but got " + std::to_string(dim_in) + ")");
  const int64_t dim = dim_in < 0 ? dim_in + bound : dim_in;
  const int64_t extent = rank == 0 ? 1 : input.size(dim);
  std::vector<int64_t> sizes = options.sizes();
  int64_t known = 1;
  int64_t inferred = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) inferred = static_cast<int64_t>(i);
    else known *= sizes[i];
  }
  const bool fits = inferred >= 0 ? known != 0 && extent % known == 0 : known == extent;
  if (!fits)
    throw Error("Unflatten: Provided sizes " + shape_string(options.sizes()) + " don't multiply up to the size of dim " +
                std::to_string(dim) + " (" + std::to_string(extent) + ") in the input tensor of shape " +
                shape_string(input.shape()));
  if (inferred >= 0) sizes[inferred] = extent / known;
  Shape shape = input.shape();
  if (rank == 0) return input.reshape(sizes);
  shape.erase(shape.begin() + dim);
  shape.insert(shape.begin() + dim, sizes.begin(), sizes.end());
  return input.view(shape);
}

template class Cloneable<LinearImpl>;
template class Cloneable<ReLUImpl>;
template class Cloneable<LeakyReLUImpl>;
template class Cloneable<GELUImpl>;
template class Cloneable<TanhImpl>;
template class Cloneable<SigmoidImpl>;
template class Cloneable<SoftmaxImpl>;
template class Cloneable<DropoutImpl>;
template class Cloneable<LayerNormImpl>;
template class Cloneable<BatchNorm1dImpl>;
template class Cloneable<EmbeddingImpl>;
template class Cloneable<IdentityImpl>;
template class Cloneable<FlattenImpl>;
template class Cloneable<UnflattenImpl>;
template struct AnyModuleHolder<LinearImpl, const Tensor&>;
template struct AnyModuleHolder<ReLUImpl, Tensor>;
template struct AnyModuleHolder<LeakyReLUImpl, Tensor>;
template struct AnyModuleHolder<GELUImpl, const Tensor&>;
template struct AnyModuleHolder<TanhImpl, const Tensor&>;
template struct AnyModuleHolder<SigmoidImpl, const Tensor&>;
template struct AnyModuleHolder<SoftmaxImpl, const Tensor&>;
template struct AnyModuleHolder<DropoutImpl, Tensor>;
template struct AnyModuleHolder<LayerNormImpl, const Tensor&>;
template struct AnyModuleHolder<BatchNorm1dImpl, const Tensor&>;
template struct AnyModuleHolder<EmbeddingImpl, const Tensor&>;
template struct AnyModuleHolder<IdentityImpl, const Tensor&>;
template struct AnyModuleHolder<FlattenImpl, const Tensor&>;
template struct AnyModuleHolder<UnflattenImpl, const Tensor&>;

}  // namespace nn
}  // namespace xgrad

#include "xgrad/nn/functional.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "node.hpp"
#include "ops_internal.hpp"
#include "tensor_impl.hpp"
#include "xgrad/nn/options.hpp"

namespace xgrad {
namespace nn {
namespace functional {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  check_defined("linear", input);
  check_defined("linear", weight);
  if (weight.dim() != 2 || input.dim() == 0 || input.size(-1) != weight.size(1))
    throw Error("linear: input of shape " + shape_string(input.shape()) +
                                " does not match weight of shape " + shape_string(weight.shape()) +
                                " (expected [..., " + (weight.dim() == 2 ? std::to_string(weight.size(1)) : "?") + "])");
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0)))
    throw Error("linear: bias of shape " + shape_string(bias.shape()) + " does not match weight of shape " +
                                shape_string(weight.shape()));
  // x W^T with the transpose as a BLAS flag; batch dims folded into rows.
  Tensor rows = input.dim() == 2 ? input : input.reshape({-1, weight.size(1)});
  Tensor out = bmm(rows, weight, false, true);
  if (bias.defined()) out = add(out, bias);
  if (input.dim() == 2) return out;
  Shape out_shape = input.shape();
  out_shape.back() = weight.size(0);
  return out.reshape(out_shape);
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  // relu(x) - slope relu(-x) equals PyTorch's x > 0 ? x : slope x only for a finite slope (0 * inf is NaN).
  if (!std::isfinite(negative_slope))
    throw Error("leaky_relu: negative_slope must be finite, got " + std::to_string(negative_slope));
  return sub(xgrad::relu(x), mul(xgrad::relu(neg(x)), negative_slope));
}

Tensor gelu(const Tensor& x, const std::string& approximate) {
  if (approximate == "none") return mul(mul(x, 0.5), add(erf(mul(x, 0.7071067811865476)), 1.0));
  if (approximate == "tanh") {
    // sqrt(2 / pi) = 0.7978845608028654
    Tensor inner = mul(add(x, mul(pow(x, 3.0), 0.044715)), 0.7978845608028654);
    return mul(mul(x, 0.5), add(xgrad::tanh(inner), 1.0));
  }
  throw Error("gelu: approximate argument must be either none or tanh, got '" + approximate + "'");
}

}  // namespace functional
}  // namespace nn
}  // namespace xgrad

// ---------------------------------------------------------------- layers: dropout, layer_norm, batch_norm, embedding

namespace xgrad {
namespace nn {
namespace functional {

namespace {
void check_floating_input(const char* op, const Tensor& input) {
  if (!input.is_floating_point())
    throw Error(std::string(op) + ": expected a floating-point input, got " + dtype_name(input.dtype()) +
                " (convert it with .to(xg::kFloat32))");
}

// A per-channel or per-element parameter must have exactly `shape` and the input's dtype (PyTorch refuses
// mixed dtypes here rather than promoting).
void check_parameter(const char* op, const char* what, const Tensor& parameter, const Shape& shape, const Tensor& input) {
  if (!parameter.defined()) return;
  if (parameter.shape() != shape)
    throw Error(std::string(op) + ": expected " + what + " of shape " + shape_string(shape) + ", got " +
                shape_string(parameter.shape()) + " (input of shape " + shape_string(input.shape()) + ")");
  if (parameter.dtype() != input.dtype())
    throw Error(std::string(op) + ": " + what + " has dtype " + dtype_name(parameter.dtype()) + " but the input " +
                dtype_name(input.dtype()) + " (convert one with .to())");
}
}  // namespace

Tensor detail::dropout(Tensor input, double p, bool training, bool inplace) {
  if (!(p >= 0. && p <= 1.)) throw Error(str("dropout probability has to be between 0 and 1, but got ", p));
  check_defined("dropout", input);
  // PyTorch returns the input itself here (no copy, no history).
  if (p == 0 || !training || input.numel() == 0) return input;
  if (p == 1) {
    // A product with zero, as PyTorch's, so NaN and infinity give NaN and the gradient is zero.
    Tensor zero = scalar_tensor(0, input.dtype());
    return inplace ? input.mul_(zero) : mul(input, zero);
  }
  check_floating_input("dropout", input);
  // The mask scaled once, then one product: the gradient is grad * mask / (1 - p).
  Tensor noise = xgrad::empty(input.shape(), input.dtype());
  noise.bernoulli_(1 - p);
  noise.div_(1 - p);
  return inplace ? input.mul_(noise) : mul(input, noise);
}

Tensor dropout(Tensor input) { return detail::dropout(std::move(input), 0.5, true, false); }
Tensor dropout(Tensor input, const DropoutFuncOptions& options) {
  return detail::dropout(std::move(input), options.p(), options.training(), options.inplace());
}

Tensor detail::layer_norm(const Tensor& input, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                          const Tensor& bias, double eps) {
  const char* op = "layer_norm";
  check_defined(op, input);
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  if (k == 0)
    throw Error(
        "layer_norm: Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
        "element, but got normalized_shape = []");
  check_floating_input(op, input);
  check_parameter(op, "weight", weight, normalized_shape, input);
  check_parameter(op, "bias", bias, normalized_shape, input);
  const Shape& shape = input.shape();
  const int64_t rank = input.dim();
  if (rank < k || !std::equal(normalized_shape.begin(), normalized_shape.end(), shape.end() - k))
    throw Error("layer_norm: Given normalized_shape=" + shape_string(normalized_shape) +
                ", expected input with shape [*, " + shape_string(normalized_shape).substr(1) +
                ", but got input of size" + shape_string(shape));
  std::vector<int64_t> dims;
  for (int64_t d = rank - k; d < rank; ++d) dims.push_back(d);
  // PyTorch's CPU kernel, rounding for rounding: y = x * rstd + (-mean * rstd) with per-row scale and
  // shift, then y * weight + bias; the variance is the biased one.
  Tensor mean = input.mean(dims, true);
  Tensor rstd = rsqrt(add(input.var(dims, false, true), eps));
  Tensor out = add(mul(input, rstd), neg(mul(mean, rstd)));
  if (weight.defined()) out = mul(out, weight);
  if (bias.defined()) out = add(out, bias);
  return out;
}

Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options) {
  return detail::layer_norm(input, options.normalized_shape(), options.weight(), options.bias(), options.eps());
}

Tensor detail::batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                          const Tensor& weight, const Tensor& bias, bool training, std::optional<double> momentum,
                          double eps) {
  const char* op = "batch_norm";
  check_defined(op, input);
  if (input.dim() < 2)
    throw Error("batch_norm: expected an input of shape (N, C, *) with at least 2 dimensions, got shape " +
                shape_string(input.shape()));
  check_floating_input(op, input);
  const Shape& shape = input.shape();
  const int64_t channels = shape[1];
  check_parameter(op, "running_mean", running_mean, {channels}, input);
  check_parameter(op, "running_var", running_var, {channels}, input);
  check_parameter(op, "weight", weight, {channels}, input);
  check_parameter(op, "bias", bias, {channels}, input);
  // Every check before any running statistic changes.
  if (!momentum)
    throw Error(
        "batch_norm: momentum must be a number (BatchNorm's momentum = None, the cumulative average, is "
        "resolved by the module)");
  int64_t values_per_channel = shape[0];
  for (size_t d = 2; d < shape.size(); ++d) values_per_channel *= shape[d];
  if (training && values_per_channel == 1)
    throw Error("batch_norm: Expected more than 1 value per channel when training, got input size " +
                shape_string(shape));
  if (!training && !running_mean.defined()) throw Error("batch_norm: running_mean must be defined in evaluation mode");
  if (!training && !running_var.defined()) throw Error("batch_norm: running_var must be defined in evaluation mode");

  // Per-channel tensors broadcast against (N, C, *) as [C, 1, ...].
  Shape channel_shape(shape.size() - 1, 1);
  channel_shape[0] = channels;
  auto per_channel = [&](const Tensor& t) { return shape.size() == 2 ? t : t.view(channel_shape); };
  if (input.numel() == 0) {
    // PyTorch: nothing to normalize and no statistics to update; the output keeps the graph to the affine
    // parameters (their gradient is 0).
    Tensor out = input.clone();
    if (weight.defined()) out = mul(out, per_channel(weight));
    if (bias.defined()) out = add(out, per_channel(bias));
    return out;
  }

  Tensor mean, invstd;
  if (training) {
    std::vector<int64_t> dims = {0};
    for (int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
    mean = input.mean(dims, false);
    Tensor var = input.var(dims, false, false);
    if (running_mean.defined() || running_var.defined()) {
      // PyTorch's update: momentum * batch + (1 - momentum) * running, with the unbiased batch variance.
      NoGradGuard no_grad;
      const double m = *momentum;
      const double n = static_cast<double>(values_per_channel);
      Tensor running_mean_handle = running_mean, running_var_handle = running_var;
      if (running_mean.defined())
        running_mean_handle.copy_(add(mul(mean.detach(), m), mul(running_mean, 1 - m)));
      if (running_var.defined())
        running_var_handle.copy_(add(mul(var.detach(), m * n / (n - 1)), mul(running_var, 1 - m)));
    }
    invstd = rsqrt(add(var, eps));
  } else {
    mean = running_mean;
    invstd = rsqrt(add(running_var, eps));
  }
  // PyTorch's CPU kernel: out = x * alpha + beta with alpha = invstd * weight, beta = bias - mean * alpha
  // per channel: two passes over the big tensor, the rest is per channel.
  Tensor alpha = weight.defined() ? mul(invstd, weight) : invstd;
  Tensor beta = bias.defined() ? sub(bias, mul(mean, alpha)) : neg(mul(mean, alpha));
  return add(mul(input, per_channel(alpha)), per_channel(beta));
}

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var) {
  return batch_norm(input, running_mean, running_var, BatchNormFuncOptions());
}
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options) {
  return detail::batch_norm(input, running_mean, running_var, options.weight(), options.bias(), options.training(),
                            options.momentum(), options.eps());
}

namespace {
// The indices as int64 values, each checked against the table's rows.
std::vector<int64_t> embedding_indices(const Tensor& input, int64_t rows) {
  std::vector<int64_t> indices = input.to_vector<int64_t>();
  for (int64_t index : indices)
    if (index < 0 || index >= rows)
      throw std::out_of_range("Embedding: index " + std::to_string(index) + " is out of range for a table of " +
                              std::to_string(rows) + " rows (num_embeddings)");
  return indices;
}

// PyTorch's embedding_renorm_: each distinct row looked up whose norm exceeds max_norm is scaled in place
// by max_norm / (norm + 1e-7).
void renorm_rows(const Tensor& weight, std::vector<int64_t> indices, double max_norm, double norm_type) {
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  if (indices.empty()) return;
  NoGradGuard no_grad;
  const std::vector<double> norms =
      weight.detach().index_select(0, indices).norm(norm_type, {1}, false).to_vector<double>();
  for (size_t i = 0; i < indices.size(); ++i)
    if (norms[i] > max_norm) {
      Tensor row = weight.select(0, indices[i]);
      row.mul_(max_norm / (norms[i] + 1e-7));
    }
}
}  // namespace

Tensor detail::embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx,
                         std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq, bool /*sparse*/) {
  const char* op = "embedding";
  check_defined(op, input);
  check_defined(op, weight);
  if (weight.dim() != 2)
    throw Error("embedding: 'weight' must be 2-D (num_embeddings, embedding_dim), got shape " +
                shape_string(weight.shape()));
  if (input.dtype() != kInt64 && input.dtype() != kInt32)
    throw Error(std::string("embedding: indices must be int64 or int32 (Long, Int), got ") +
                dtype_name(input.dtype()));
  const int64_t rows = weight.size(0), dim = weight.size(1);
  if (padding_idx) {
    if (*padding_idx >= rows || *padding_idx < -rows)
      throw Error("embedding: padding_idx " + std::to_string(*padding_idx) + " must be within num_embeddings (" +
                  std::to_string(rows) + ")");
    if (*padding_idx < 0) *padding_idx += rows;
  }
  std::vector<int64_t> indices = embedding_indices(input, rows);
  if (max_norm) renorm_rows(weight, indices, *max_norm, norm_type);

  Shape out_shape = input.shape();
  out_shape.push_back(dim);
  Tensor looked_up;
  {
    NoGradGuard no_grad;  // the history is EmbeddingBackward below, not index_select's
    // A fresh [count, dim] tensor given the output's shape (an alias, not a view: one op, as PyTorch's).
    looked_up = make_alias(weight.index_select(0, indices), out_shape);
  }
  if (weight.requires_grad() && GradMode::is_enabled()) {
    const int64_t count = static_cast<int64_t>(indices.size());
    // Per looked-up row: `keep` is 0 where the index is padding_idx (that gradient is dropped, even when
    // it is NaN), `scale` is 1 / (the index's count in the batch) with scale_grad_by_freq.
    Tensor keep, scale;
    if (padding_idx) {
      std::vector<double> values(static_cast<size_t>(count));
      for (int64_t i = 0; i < count; ++i) values[i] = indices[i] == *padding_idx ? 0.0 : 1.0;
      keep = tensor(std::move(values), {count, 1}, weight.dtype());
    }
    if (scale_grad_by_freq) {
      std::vector<int64_t> frequency(static_cast<size_t>(rows), 0);
      for (int64_t index : indices) ++frequency[index];
      std::vector<double> values(static_cast<size_t>(count));
      for (int64_t i = 0; i < count; ++i) values[i] = 1.0 / static_cast<double>(frequency[indices[i]]);
      scale = tensor(std::move(values), {count, 1}, weight.dtype());
    }
    const Shape table_shape = weight.shape();
    record(looked_up, "EmbeddingBackward", {&weight},
           [indices = std::move(indices), keep, scale, table_shape](const Tensor& grad, Grads& grads) {
             Tensor g = grad.reshape({-1, table_shape[1]});
             if (scale.defined()) g = mul(g, scale);
             if (keep.defined()) g = masked_zero(g, keep);
             grads.set(0, index_add_zeros(g, table_shape, 0, indices));
           });
  }
  return looked_up;
}

Tensor embedding(const Tensor& input, const Tensor& weight) {
  return detail::embedding(input, weight, std::nullopt, std::nullopt, 2., false, false);
}
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options) {
  return detail::embedding(input, weight, options.padding_idx(), options.max_norm(), options.norm_type(),
                           options.scale_grad_by_freq(), options.sparse());
}

}  // namespace functional
}  // namespace nn
}  // namespace xgrad

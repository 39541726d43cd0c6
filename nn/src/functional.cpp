#include "xgrad/nn/functional.hpp"

#include <stdexcept>
#include <string>

#include "ops_internal.hpp"

namespace xgrad {
namespace nn {
namespace functional {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  check_defined("linear", input);
  check_defined("linear", weight);
  if (weight.dim() != 2 || input.dim() == 0 || input.size(-1) != weight.size(1))
    throw std::invalid_argument("linear: input of shape " + shape_string(input.shape()) +
                                " does not match weight of shape " + shape_string(weight.shape()) +
                                " (expected [..., " + (weight.dim() == 2 ? std::to_string(weight.size(1)) : "?") + "])");
  if (bias.defined() && bias.shape() != Shape{weight.size(0)})
    throw std::invalid_argument("linear: bias of shape " + shape_string(bias.shape()) + " does not match weight of shape " +
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
  return sub(xgrad::relu(x), mul(xgrad::relu(neg(x)), negative_slope));
}

namespace {
void check_loss_shapes(const char* loss, const Tensor& input, const Tensor& target) {
  check_same_dtype(loss, input, target);
  if (input.shape() != target.shape())
    throw std::invalid_argument(std::string(loss) + ": input shape " + shape_string(input.shape()) +
                                " and target shape " + shape_string(target.shape()) +
                                " differ; reshape one so they match exactly (xgrad never broadcasts a loss)");
}

Tensor reduce(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Sum: return sum(loss);
    case Reduction::Mean: break;
  }
  return mean(loss);
}
}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_loss_shapes("mse_loss", input, target);
  return reduce(pow(sub(input, target), 2.0), reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_loss_shapes("l1_loss", input, target);
  return reduce(abs(sub(input, target)), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check_loss_shapes("huber_loss", input, target);
  if (!(delta > 0)) throw std::invalid_argument("huber_loss: delta must be positive");
  // 0.5 q^2 + delta (|d| - q) with q = min(|d|, delta) equals PyTorch's piecewise definition.
  Tensor distance = abs(sub(input, target));
  Tensor quadratic = clamp(distance, 0.0, delta);
  return reduce(add(mul(pow(quadratic, 2.0), 0.5), mul(sub(distance, quadratic), delta)), reduction);
}

}  // namespace functional
}  // namespace nn
}  // namespace xgrad

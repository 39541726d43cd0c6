#include "xgrad/nn/functional.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "node.hpp"
#include "ops_internal.hpp"
#include "tensor_impl.hpp"

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

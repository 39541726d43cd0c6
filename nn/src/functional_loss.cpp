// nn::functional's losses (declared in functional.hpp); the loss modules in loss.cpp call them.
#include <cmath>
#include <string>

#include "node.hpp"
#include "ops_internal.hpp"
#include "tensor_impl.hpp"
#include "xgrad/nn/functional.hpp"

namespace xgrad {
namespace nn {
namespace functional {

namespace {
void check_loss_arguments(const char* loss, const Tensor& input, const Tensor& target, Reduction reduction) {
  if (reduction != Reduction::None && reduction != Reduction::Mean && reduction != Reduction::Sum)
    throw Error(std::string(loss) + ": invalid reduction " + std::to_string(static_cast<int>(reduction)) +
                                " (expected Reduction::None, Mean or Sum)");
  check_same_dtype(loss, input, target);
  if (input.shape() != target.shape())
    throw Error(std::string(loss) + ": input shape " + shape_string(input.shape()) +
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

// Mean and Sum are one fused op (a single pass forward, one expression backward): the loss of almost
// every regression step, where three recorded ops cost more than the arithmetic.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_loss_arguments("mse_loss", input, target, reduction);
  if (reduction == Reduction::None) return pow(sub(input, target), 2.0);
  const double scale = reduction == Reduction::Mean ? 1.0 / static_cast<double>(input.numel()) : 1.0;
  Tensor out = make_tensor({}, input.dtype());
  Tensor hold_a, hold_b;
  const Tensor& dense_input = dense(input, hold_a);
  const Tensor& dense_target = dense(target, hold_b);
  XG_DISPATCH(input.dtype(), {
    const T* a = dense_input.impl()->data<T>();
    const T* b = dense_target.impl()->data<T>();
    const int64_t n = input.numel();
    T total = sum_lanes<T>(n, [a, b](int64_t i) { return (a[i] - b[i]) * (a[i] - b[i]); });
    *out.impl()->data<T>() = reduction == Reduction::Mean ? total / static_cast<T>(n) : total;
  });
  if (any_requires_grad({&input, &target})) {
    SavedTensor saved_input(input, false), saved_target(target, false);
    record(out, "MseLossBackward", {&input, &target},
           [saved_input, saved_target, scale](const Tensor& grad, Grads& grads) {
             // d/da sum((a - b)^2) * scale = 2 scale (a - b) grad
             Tensor difference = sub(saved_input.unpack(grads.node), saved_target.unpack(grads.node));
             Tensor local = mul(difference, mul(grad, 2.0 * scale));
             if (grads.needs(1)) grads.set(1, neg(local));
             grads.set(0, std::move(local));
           });
  }
  return out;
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_loss_arguments("l1_loss", input, target, reduction);
  return reduce(abs(sub(input, target)), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check_loss_arguments("huber_loss", input, target, reduction);
  if (!(delta > 0))
    throw Error("huber_loss: delta must be positive, got " + std::to_string(delta));
  Tensor distance = abs(sub(input, target));
  // An infinite delta never leaves the quadratic branch (below, delta (|d| - q) would be inf * 0 = NaN).
  if (std::isinf(delta)) return reduce(mul(pow(distance, 2.0), 0.5), reduction);
  // 0.5 q^2 + delta (|d| - q) with q = min(|d|, delta) equals PyTorch's piecewise definition.
  Tensor quadratic = clamp(distance, 0.0, delta);
  return reduce(add(mul(pow(quadratic, 2.0), 0.5), mul(sub(distance, quadratic), delta)), reduction);
}

}  // namespace functional
}  // namespace nn
}  // namespace xgrad

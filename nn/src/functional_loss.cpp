// nn::functional's losses (declared in functional.hpp); the loss modules in loss.cpp call them.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "node.hpp"
#include "ops_internal.hpp"
#include "tensor_impl.hpp"
#include "xgrad/nn/functional.hpp"
#include "xgrad/nn/options.hpp"

namespace xgrad {
namespace nn {
namespace functional {

namespace {
void check_reduction(const char* loss, Reduction reduction) {
  if (reduction != Reduction::None && reduction != Reduction::Mean && reduction != Reduction::Sum)
    throw Error(std::string(loss) + ": invalid reduction " + std::to_string(static_cast<int>(reduction)) +
                                " (expected Reduction::None, Mean or Sum)");
}

void check_loss_arguments(const char* loss, const Tensor& input, const Tensor& target, Reduction reduction) {
  check_reduction(loss, reduction);
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

// ----------------------------------------------------------------------------------------------------
// The losses of LibTorch's torch/nn/functional/loss.h, with torch 1.13's formulas (ATen Loss.cpp,
// LossNLL.cpp and torch/nn/functional.py). Everything is written with differentiable ops except two fused
// ops recorded here, binary cross entropy and NLL, whose backward formulas are differentiable ops too.

namespace {
std::string describe(const Tensor& t) {
  std::ostringstream text;
  text << dtype_name(t.dtype()) << " " << shape_string(t.shape());
  return text.str();
}

void check_argument_defined(const char* loss, const char* name, const Tensor& t) {
  if (!t.defined()) throw Error(std::string(loss) + ": " + name + " is an undefined tensor");
}

void check_floating_input(const char* loss, const Tensor& input) {
  check_argument_defined(loss, "input", input);
  if (!input.is_floating_point())
    throw Error(std::string(loss) + ": input must be floating point (float32 or float64), got " + describe(input));
}

// `other` (target, var, a weight) must have the input's floating dtype; with same_shape, its shape too
// (xgrad's losses never broadcast input against target).
void check_like_input(const char* loss, const char* name, const Tensor& input, const Tensor& other, bool same_shape) {
  check_argument_defined(loss, name, other);
  if (other.dtype() != input.dtype()) {
    std::ostringstream message;
    message << loss << ": " << name << " must have the input's dtype " << dtype_name(input.dtype()) << ", got " << name << " "
            << describe(other) << " for input " << describe(input);
    throw Error(message.str());
  }
  if (same_shape && other.shape() != input.shape())
    throw Error(std::string(loss) + ": input shape " + shape_string(input.shape()) + " and " + name + " shape " +
                shape_string(other.shape()) + " differ; reshape one so they match exactly (xgrad never broadcasts a loss)");
}

// Weights are constants in PyTorch (its nll_loss and binary_cross_entropy refuse one that requires grad).
void check_constant(const char* loss, const char* name, const Tensor& t) {
  if (t.requires_grad() && GradMode::is_enabled())
    throw Error(std::string(loss) + ": " + name +
                " must not require grad (the loss is not differentiable with respect to it, as in PyTorch)");
}

bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  for (size_t i = 1; i <= from.size(); ++i) {
    const int64_t size = from[from.size() - i];
    if (size != 1 && size != to[to.size() - i]) return false;
  }
  return true;
}

// An optional element weight of binary_cross_entropy(_with_logits): the input's dtype, broadcast to its shape.
void check_elementwise_weight(const char* loss, const char* name, const Tensor& input, const Tensor& weight) {
  if (!weight.defined()) return;
  check_like_input(loss, name, input, weight, false);
  check_constant(loss, name, weight);
  if (!broadcasts_to(weight.shape(), input.shape()))
    throw Error(std::string(loss) + ": " + name + " shape " + shape_string(weight.shape()) +
                " does not broadcast to the input shape " + shape_string(input.shape()));
}

// PyTorch's binary_cross_entropy_backward divides by max(x (1 - x), EPSILON), a float constant.
constexpr double kBinaryCrossEntropyEpsilon = static_cast<double>(1e-12f);

// The element-wise binary cross entropy as one op: torch's clamped logs forward (an input outside [0, 1]
// throws, as in PyTorch) and torch's gradients backward, w (x - y) / max(x (1 - x), 1e-12) for the input
// (finite at 0 and 1) and w (log(1 - x) - log(x)) for the target, written with differentiable ops.
Tensor binary_cross_entropy_elementwise(const Tensor& input, const Tensor& target, const Tensor& weight) {
  Tensor out = make_tensor(input.shape(), input.dtype());
  Tensor hold_x, hold_y, hold_w;
  const Tensor& x = dense(input, hold_x);
  const Tensor& y = dense(target, hold_y);
  Tensor expanded_weight = weight.defined() ? broadcast_to(weight.detach(), input.shape()) : Tensor();
  const Tensor* w = weight.defined() ? &dense(expanded_weight, hold_w) : nullptr;
  double bad = 0;
  bool in_range = true;
  XG_DISPATCH(input.dtype(), {
    const T* px = x.impl()->data<T>();
    const T* py = y.impl()->data<T>();
    const T* pw = w ? w->impl()->data<T>() : nullptr;
    T* po = out.impl()->data<T>();
    const int64_t n = input.numel();
    for (int64_t i = 0; i < n; ++i) {
      const T xi = px[i];
      if (!(xi >= 0 && xi <= 1)) {
        in_range = false;
        bad = static_cast<double>(xi);
        break;
      }
      const T loss = (py[i] - 1) * std::max(std::log(1 - xi), T(-100)) - py[i] * std::max(std::log(xi), T(-100));
      po[i] = pw ? loss * pw[i] : loss;
    }
  });
  if (!in_range) {
    std::ostringstream message;
    message << "binary_cross_entropy: all elements of input should be between 0 and 1, got " << bad
            << " (input shape " << shape_string(input.shape()) << "; for logits use binary_cross_entropy_with_logits)";
    throw Error(message.str());
  }
  if (any_requires_grad({&input, &target})) {
    SavedTensor saved_input(input, false), saved_target(target, false);
    record(out, "BinaryCrossEntropyBackward", {&input, &target},
           [saved_input, saved_target, expanded_weight](const Tensor& grad, Grads& grads) {
             Tensor x = saved_input.unpack(grads.node);
             Tensor scaled = expanded_weight.defined() ? mul(grad, expanded_weight) : grad;
             if (grads.needs(1)) grads.set(1, mul(scaled, sub(log(rsub(x, 1.0)), log(x))));
             if (grads.needs(0)) {
               Tensor y = saved_target.unpack(grads.node);
               grads.set(0, div(mul(scaled, sub(x, y)), clamp_min(mul(x, rsub(x, 1.0)), kBinaryCrossEntropyEpsilon)));
             }
           });
  }
  return out;
}

// smooth_l1_loss with beta == 0: torch computes |input - target| but differentiates it with its
// smooth_l1_backward, whose slope where input == target is -1 for the input and the target alike.
Tensor l1_with_smooth_l1_gradient(const Tensor& input, const Tensor& target) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = abs(sub(input, target));
  }
  if (any_requires_grad({&input, &target})) {
    SavedTensor saved_input(input, false), saved_target(target, false);
    record(out, "SmoothL1LossBackward", {&input, &target}, [saved_input, saved_target](const Tensor& grad, Grads& grads) {
      Tensor x = saved_input.unpack(grads.node), y = saved_target.unpack(grads.node);
      auto slope = [&x](const Tensor& difference) { return where(le(difference, 0.0), -1.0, 1.0).to(x.dtype()); };
      if (grads.needs(0)) grads.set(0, mul(grad, slope(sub(x, y))));
      if (grads.needs(1)) grads.set(1, mul(grad, slope(sub(y, x))));
    });
  }
  return out;
}

// How a class-index loss sees its input: classes along dim 1 ([N, C, d1, ...]) or dim 0 (unbatched [C]).
struct ClassLayout {
  int64_t class_dim = 1;
  int64_t classes = 0;
  int64_t batch = 1;  // N
  int64_t inner = 1;  // d1 * d2 * ...
};

// Checks input, int64 class target and per-class weight of nll_loss / cross_entropy.
ClassLayout check_class_targets(const char* loss, const Tensor& input, const Tensor& target, const Tensor& weight) {
  if (input.dim() == 0)
    throw Error(std::string(loss) + ": input must have 1 or more dimensions ([C], [N, C] or [N, C, d1, ...]), got " +
                describe(input));
  check_argument_defined(loss, "target", target);
  ClassLayout layout;
  layout.class_dim = input.dim() == 1 ? 0 : 1;
  layout.classes = input.size(layout.class_dim);
  Shape expected;
  if (input.dim() >= 2) {
    layout.batch = input.size(0);
    expected.push_back(layout.batch);
    for (int64_t d = 2; d < input.dim(); ++d) {
      expected.push_back(input.size(d));
      layout.inner *= input.size(d);
    }
  }
  if (target.dtype() != kInt64) {
    std::string message = std::string(loss) + ": class targets must be int64 (kLong), got " + describe(target) +
                          " for input " + describe(input);
    if (std::string(loss) == "cross_entropy")
      message += "; class probabilities must have the input's shape";
    else
      message += "; nll_loss takes class indices only";
    throw Error(message);
  }
  if (target.shape() != expected) {
    if (input.dim() >= 2 && target.dim() >= 1 && target.size(0) != input.size(0))
      throw Error(std::string(loss) + ": input batch size " + std::to_string(input.size(0)) + " (input shape " +
                  shape_string(input.shape()) + ") does not match target batch size " + std::to_string(target.size(0)) +
                  " (target shape " + shape_string(target.shape()) + ")");
    throw Error(std::string(loss) + ": input shape " + shape_string(input.shape()) + " needs class targets of shape " +
                shape_string(expected) + ", got target shape " + shape_string(target.shape()));
  }
  if (weight.defined()) {
    check_like_input(loss, "weight", input, weight, false);
    if (weight.dim() != 1 || weight.numel() != layout.classes)
      throw Error(std::string(loss) + ": weight must have one entry per class (shape [" +
                  std::to_string(layout.classes) + "]), got weight shape " + shape_string(weight.shape()) +
                  " for input shape " + shape_string(input.shape()));
    check_constant(loss, "weight", weight);
  }
  return layout;
}

struct NllResult {
  Tensor out;
  double weight_sum = 0;  // of the targets that are not ignored (their count without a weight)
  int64_t count = 0;      // targets that are not ignored
};

// The negative log likelihood -w[t] x[t] as one op over log-probabilities x: a single pass reads each
// target once (checking its range), the backward scatters the constant coefficients -w[t] (/ the weight
// sum for Mean, 0 where ignored) times the incoming gradient into zeros: linear in the gradient, so
// differentiable again.
NllResult nll_forward(const char* loss, const Tensor& log_probs, const Tensor& target, const Tensor& weight,
                      int64_t ignore_index, Reduction reduction, const ClassLayout& layout) {
  const Dtype dtype = log_probs.dtype();
  const int64_t classes = layout.classes, batch = layout.batch, inner = layout.inner;
  Tensor hold_x, hold_t, hold_w;
  const Tensor& x = dense(log_probs, hold_x);
  const Tensor& t = dense(target, hold_t);
  const Tensor* w = weight.defined() ? &dense(weight, hold_w) : nullptr;
  Tensor safe_target = make_tensor(target.shape(), kInt64);  // ignored targets point at class 0
  Tensor coefficient = make_tensor(target.shape(), dtype);
  NllResult result;
  result.out = make_tensor(reduction == Reduction::None ? target.shape() : Shape{}, dtype);
  const int64_t* pt = t.impl()->data<int64_t>();
  int64_t* ps = safe_target.impl()->data<int64_t>();
  XG_DISPATCH(dtype, {
    const T* px = x.impl()->data<T>();
    const T* pw = w ? w->impl()->data<T>() : nullptr;
    T* pc = coefficient.impl()->data<T>();
    T* pe = reduction == Reduction::None ? result.out.impl()->data<T>() : nullptr;
    T total = 0, weight_sum = 0;
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t s = 0; s < inner; ++s) {
        const int64_t i = n * inner + s;
        const int64_t c = pt[i];
        if (c == ignore_index) {
          ps[i] = 0;
          pc[i] = 0;
          if (pe) pe[i] = 0;
          continue;
        }
        if (c < 0 || c >= classes)
          throw Error(std::string(loss) + ": target " + std::to_string(c) + " is out of bounds for " +
                      std::to_string(classes) + " classes (valid: 0 to " + std::to_string(classes - 1) +
                      ", or ignore_index " + std::to_string(ignore_index) + "); input shape " +
                      shape_string(log_probs.shape()) + ", target shape " + shape_string(target.shape()));
        const T wc = pw ? pw[c] : T(1);
        const T value = -wc * px[(n * classes + c) * inner + s];
        ps[i] = c;
        pc[i] = -wc;
        if (pe) pe[i] = value;
        total += value;
        weight_sum += wc;
        ++result.count;
      }
    result.weight_sum = static_cast<double>(weight_sum);
    if (reduction == Reduction::Sum) *result.out.impl()->data<T>() = total;
    if (reduction == Reduction::Mean) {
      // As torch: total / total_weight (NaN when every target is ignored or the batch is empty).
      *result.out.impl()->data<T>() = total / weight_sum;
      const int64_t n = target.numel();
      for (int64_t i = 0; i < n; ++i)
        if (pt[i] != ignore_index) pc[i] /= weight_sum;
    }
  });
  if (any_requires_grad({&log_probs})) {
    const Shape shape = log_probs.shape();
    const int64_t class_dim = layout.class_dim;
    Tensor index = unsqueeze(safe_target, class_dim);
    record(result.out, "NllLossBackward", {&log_probs},
           [shape, class_dim, index, coefficient](const Tensor& grad, Grads& grads) {
             Tensor zero = zeros(shape, TensorOptions().dtype(coefficient.dtype()));
             if (zero.numel() == 0) {
               grads.set(0, zero);
               return;
             }
             grads.set(0, scatter(zero, class_dim, index, unsqueeze(mul(coefficient, grad), class_dim)));
           });
  }
  return result;
}

// torch 1.13's cross_entropy_loss_prob_target: -sum(w_c p_c log_softmax(x)_c) over the classes; the mean
// divides by the number of samples N * d1 * ... (never by the weights).
Tensor cross_entropy_probabilities(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options) {
  const char* loss = "cross_entropy";
  if (!target.is_floating_point())
    throw Error(std::string(loss) + ": a target of the input's shape " + shape_string(input.shape()) +
                " holds class probabilities and must be floating point, got " + describe(target) +
                " (class indices have the input's shape without the class dimension)");
  check_like_input(loss, "target", input, target, true);
  if (options.ignore_index() >= 0)
    throw Error(std::string(loss) + ": ignore_index (" + std::to_string(options.ignore_index()) +
                ") is not supported for class-probability targets");
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  const int64_t classes = input.size(class_dim);
  const Tensor& weight = options.weight();
  if (weight.defined()) {
    check_like_input(loss, "weight", input, weight, false);
    if (weight.dim() != 1 || weight.numel() != classes)
      throw Error(std::string(loss) + ": weight must have one entry per class (shape [" + std::to_string(classes) +
                  "]), got weight shape " + shape_string(weight.shape()) + " for input shape " +
                  shape_string(input.shape()));
  }
  const double smoothing = options.label_smoothing();
  Tensor log_probs = log_softmax(input, class_dim);
  Tensor probabilities = smoothing > 0 ? add(mul(target, 1.0 - smoothing), smoothing / static_cast<double>(classes)) : target;
  Tensor terms = mul(log_probs, probabilities);
  if (weight.defined()) {
    Shape weight_shape(static_cast<size_t>(input.dim()), 1);
    weight_shape[static_cast<size_t>(class_dim)] = classes;
    terms = mul(terms, reshape(weight, weight_shape));
  }
  switch (options.reduction()) {
    case Reduction::None: return neg(sum(terms, {class_dim}));
    case Reduction::Sum: return neg(sum(terms));
    case Reduction::Mean: break;
  }
  // 0 / 0 = NaN for an empty batch, as torch.
  const int64_t samples = classes > 0 ? input.numel() / classes : 0;
  return div(neg(sum(terms)), static_cast<double>(samples));
}
}  // namespace

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target) {
  return smooth_l1_loss(input, target, SmoothL1LossFuncOptions());
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options) {
  return smooth_l1_loss(input, target, options, options.beta());
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options, double beta) {
  const char* loss = "smooth_l1_loss";
  check_floating_input(loss, input);
  check_like_input(loss, "target", input, target, true);
  check_reduction(loss, options.reduction());
  if (!(beta >= 0)) {
    std::ostringstream message;
    message << loss << ": beta must be >= 0, got " << beta;
    throw Error(message.str());
  }
  if (beta == 0) return reduce(l1_with_smooth_l1_gradient(input, target), options.reduction());
  Tensor distance = abs(sub(input, target));
  // At |d| == beta the linear branch is taken: its slope, 1, is also torch's there (d / beta).
  Tensor loss_terms = where(lt(distance, beta), div(mul(pow(distance, 2.0), 0.5), beta), sub(distance, 0.5 * beta));
  return reduce(loss_terms, options.reduction());
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target) {
  return binary_cross_entropy(input, target, BinaryCrossEntropyFuncOptions());
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BinaryCrossEntropyFuncOptions& options) {
  const char* loss = "binary_cross_entropy";
  check_floating_input(loss, input);
  check_like_input(loss, "target", input, target, true);
  check_reduction(loss, options.reduction());
  check_elementwise_weight(loss, "weight", input, options.weight());
  return reduce(binary_cross_entropy_elementwise(input, target, options.weight()), options.reduction());
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target) {
  return binary_cross_entropy_with_logits(input, target, BinaryCrossEntropyWithLogitsFuncOptions());
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options) {
  const char* loss = "binary_cross_entropy_with_logits";
  check_floating_input(loss, input);
  check_like_input(loss, "target", input, target, true);
  check_reduction(loss, options.reduction());
  check_elementwise_weight(loss, "weight", input, options.weight());
  check_elementwise_weight(loss, "pos_weight", input, options.pos_weight());
  // torch 1.13's formula: softplus(-x) = m + log(exp(-m) + exp(-x - m)) with m = max(-x, 0) never overflows,
  // and its gradient is -sigmoid(-x) whichever side of 0 x is (m cancels).
  Tensor max_val = clamp_min(neg(input), 0.0);
  Tensor softplus_neg = add(log(add(exp(neg(max_val)), exp(sub(neg(input), max_val)))), max_val);
  Tensor positive = softplus_neg;
  if (options.pos_weight().defined()) {
    // log_weight = (pos_weight - 1) y + 1 broadcasts pos_weight along the input's last dimensions.
    Tensor log_weight = add(mul(sub(options.pos_weight().detach(), 1.0), target), 1.0);
    positive = mul(log_weight, softplus_neg);
  }
  Tensor loss_terms = add(mul(rsub(target, 1.0), input), positive);
  if (options.weight().defined()) loss_terms = mul(loss_terms, options.weight().detach());
  return reduce(loss_terms, options.reduction());
}

Tensor cross_entropy(const Tensor& input, const Tensor& target) {
  return cross_entropy(input, target, CrossEntropyFuncOptions());
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options) {
  const char* loss = "cross_entropy";
  check_floating_input(loss, input);
  check_argument_defined(loss, "target", target);
  check_reduction(loss, options.reduction());
  const double smoothing = options.label_smoothing();
  // torch ignores a negative label_smoothing silently; a typo should not pass unnoticed.
  if (!(smoothing >= 0 && smoothing <= 1)) {
    std::ostringstream message;
    message << loss << ": label_smoothing must be between 0.0 and 1.0, got " << smoothing;
    throw Error(message.str());
  }
  if (input.dim() == 0)
    throw Error(std::string(loss) + ": input must have 1 or more dimensions ([C], [N, C] or [N, C, d1, ...]), got " +
                describe(input));
  // As torch: a target of the input's shape holds class probabilities.
  if (target.shape() == input.shape()) return cross_entropy_probabilities(input, target, options);
  const Tensor& weight = options.weight();
  const ClassLayout layout = check_class_targets(loss, input, target, weight);
  Tensor log_probs = log_softmax(input, layout.class_dim);
  NllResult nll = nll_forward(loss, log_probs, target, weight, options.ignore_index(), options.reduction(), layout);
  if (smoothing == 0) return nll.out;
  // torch 1.13's cross_entropy_loss_label_smoothing: (1 - s) nll + s / C * (-sum_c w_c log_softmax(x)_c), the
  // second term 0 where the target is ignored and, for Mean, divided by the nll's divisor (the weight sum).
  Tensor smooth;
  if (weight.defined()) {
    Shape weight_shape(static_cast<size_t>(input.dim()), 1);
    weight_shape[static_cast<size_t>(layout.class_dim)] = layout.classes;
    smooth = neg(sum(mul(log_probs, reshape(weight, weight_shape)), {layout.class_dim}));
  } else {
    smooth = neg(sum(log_probs, {layout.class_dim}));
  }
  smooth = masked_fill(smooth, eq(target, Scalar(options.ignore_index())), 0.0);
  Tensor smooth_reduced;
  switch (options.reduction()) {
    case Reduction::None: smooth_reduced = smooth; break;
    case Reduction::Sum: smooth_reduced = sum(smooth); break;
    case Reduction::Mean:
      smooth_reduced = div(sum(smooth), weight.defined() ? nll.weight_sum : static_cast<double>(nll.count));
      break;
  }
  return add(mul(nll.out, 1.0 - smoothing), mul(smooth_reduced, smoothing / static_cast<double>(layout.classes)));
}

Tensor nll_loss(const Tensor& input, const Tensor& target) { return nll_loss(input, target, NLLLossFuncOptions()); }

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options) {
  const char* loss = "nll_loss";
  check_floating_input(loss, input);
  check_reduction(loss, options.reduction());
  const ClassLayout layout = check_class_targets(loss, input, target, options.weight());
  return nll_forward(loss, input, target, options.weight(), options.ignore_index(), options.reduction(), layout).out;
}

Tensor kl_div(const Tensor& input, const Tensor& target) { return kl_div(input, target, KLDivFuncOptions()); }

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options) {
  const char* loss = "kl_div";
  check_floating_input(loss, input);
  check_like_input(loss, "target", input, target, true);
  const KLDivReduction reduction = options.reduction();
  check_reduction(loss, reduction.reduction());
  Tensor loss_terms;
  if (options.log_target()) {
    loss_terms = mul(exp(target), sub(target, input));
  } else {
    // xlogy(t, t) - t x: 0 where t == 0. log reads 1 there, so no NaN is ever formed (anomaly mode stays
    // quiet) and the target's gradient there is 0 (torch's xlogy gives NaN).
    Tensor safe_target = where(eq(target, 0.0), 1.0, target);
    loss_terms = sub(mul(target, log(safe_target)), mul(target, input));
  }
  if (reduction.is_batch_mean()) {
    Tensor total = sum(loss_terms);
    return input.dim() != 0 ? div(total, static_cast<double>(input.size(0))) : total;
  }
  return reduce(loss_terms, reduction.reduction());
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target) {
  return poisson_nll_loss(input, target, PoissonNLLLossFuncOptions());
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossFuncOptions& options) {
  const char* loss = "poisson_nll_loss";
  check_floating_input(loss, input);
  check_like_input(loss, "target", input, target, true);
  check_reduction(loss, options.reduction());
  Tensor loss_terms = options.log_input() ? sub(exp(input), mul(target, input))
                                          : sub(input, mul(target, log(add(input, options.eps()))));
  if (options.full()) {
    // Stirling's approximation of log(target!) where target > 1. The masked entries compute it at 2
    // instead, so no NaN (0 log 0) is formed; their value and gradient are 0 either way.
    constexpr double kPi = 3.14159265358979323846;
    Tensor small = le(target, 1.0);
    Tensor t = where(small, 2.0, target);
    Tensor stirling = add(sub(mul(t, log(t)), t), mul(log(mul(t, 2.0 * kPi)), 0.5));
    loss_terms = add(loss_terms, masked_fill(stirling, small, 0.0));
  }
  return reduce(loss_terms, options.reduction());
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var) {
  return gaussian_nll_loss(input, target, var, GaussianNLLLossFuncOptions());
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossFuncOptions& options) {
  const char* loss = "gaussian_nll_loss";
  check_floating_input(loss, input);
  check_like_input(loss, "target", input, target, true);
  check_like_input(loss, "var", input, var, false);
  check_reduction(loss, options.reduction());
  // torch's rules: var has the input's shape, or the input's shape without the last dimension (one
  // variance per row, unsqueezed here), or that with a last dimension of 1.
  Tensor variance = var;
  if (var.shape() != input.shape()) {
    const Shape& in = input.shape();
    const Shape& v = var.shape();
    const Shape in_head(in.begin(), in.empty() ? in.end() : in.end() - 1);
    if (v == in_head) {
      variance = unsqueeze(var, -1);
    } else if (!(!v.empty() && Shape(v.begin(), v.end() - 1) == in_head && v.back() == 1)) {
      throw Error(std::string(loss) + ": var is of incorrect size: var shape " + shape_string(v) + " for input shape " +
                  shape_string(in) + " (expected the input's shape, or it without its last dimension or with 1 there)");
    }
  }
  if (any(lt(var.detach(), 0.0)).item<bool>())
    throw Error(std::string(loss) + ": var has negative entry/entries (var shape " + shape_string(var.shape()) + ")");
  // As torch (var.clone() clamped in place under no_grad): the value is max(var, eps), the gradient
  // passes to var unchanged.
  Tensor clamped;
  {
    NoGradGuard no_grad;
    clamped = clamp_min(variance, options.eps());
  }
  if (any_requires_grad({&variance}))
    record(clamped, "GaussianNllClampBackward", {&variance}, [](const Tensor& grad, Grads& grads) { grads.set(0, grad); });
  Tensor loss_terms = mul(add(log(clamped), div(pow(sub(input, target), 2.0), clamped)), 0.5);
  if (options.full()) loss_terms = add(loss_terms, 0.5 * std::log(2.0 * 3.14159265358979323846));
  return reduce(loss_terms, options.reduction());
}

}  // namespace functional
}  // namespace nn
}  // namespace xgrad

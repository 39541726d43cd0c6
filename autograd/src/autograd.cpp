// autograd::grad, gradcheck / gradgradcheck and anomaly detection.
#include "xgrad/autograd.hpp"

#include <cmath>
#include <sstream>

#include "anomaly.hpp"
#include "engine.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace autograd {

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph, bool create_graph,
                         bool allow_unused) {
  return run_backward(outputs, grad_outputs, retain_graph || create_graph, create_graph, &inputs, allow_unused);
}

namespace {
std::vector<Tensor> differentiable(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> result;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) throw Error("gradcheck: input " + std::to_string(i) + " is undefined");
    if (inputs[i].dtype() != kFloat64)
      throw Error("gradcheck: input " + std::to_string(i) +
                                  " is float32; finite differences need float64 inputs");
    if (inputs[i].requires_grad()) {
      // Perturbing one element of an overlapping input would move several of its positions at once.
      const Shape& shape = inputs[i].shape();
      Shape strides = inputs[i].strides();
      for (size_t d = 0; d < shape.size(); ++d)
        if (strides[d] == 0 && shape[d] > 1)
          throw Error("gradcheck: input " + std::to_string(i) +
                                      " has a dimension with stride 0; gradcheck only supports inputs that do not "
                                      "overlap in memory (pass the tensor before expand)");
      result.push_back(inputs[i]);
    }
  }
  if (result.empty()) throw Error("gradcheck: no input requires grad");
  return result;
}

// Grad mode stays on: fn may itself differentiate (gradgradcheck's first-order map).
std::vector<double> evaluate(const Function& fn, const std::vector<Tensor>& inputs) {
  Tensor output = fn(inputs);
  if (output.dtype() != kFloat64) throw Error("gradcheck: the function must return float64");
  return output.to_vector<double>();
}

std::string position(const Tensor& tensor, int64_t flat) {
  std::vector<int64_t> index(tensor.shape().size());
  for (size_t d = index.size(); d-- > 0;) {
    index[d] = flat % tensor.shape()[d];
    flat /= tensor.shape()[d];
  }
  return shape_string(index);
}
}  // namespace

bool gradcheck(const Function& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  std::vector<Tensor> wrt = differentiable(inputs);
  Tensor output = fn(inputs);
  if (!output.defined() || output.dtype() != kFloat64)
    throw Error("gradcheck: the function must return a defined float64 tensor");
  const int64_t outputs = output.numel();

  // Analytical Jacobian, one output element at a time: analytical[j][input][element].
  std::vector<std::vector<std::vector<double>>> analytical(static_cast<size_t>(outputs));
  for (int64_t j = 0; j < outputs; ++j) {
    Tensor seed = zeros(output.shape(), dtype(kFloat64));
    seed.data_ptr<double>()[j] = 1.0;
    std::vector<Tensor> grads =
        output.requires_grad() ? grad({output}, wrt, {seed}, true, false, true) : std::vector<Tensor>(wrt.size());
    for (size_t i = 0; i < wrt.size(); ++i)
      analytical[j].push_back(grads[i].defined() ? grads[i].to_vector<double>()
                                                 : std::vector<double>(static_cast<size_t>(wrt[i].numel()), 0.0));
  }

  // Central differences, perturbing each element in place (through the input's strides) and restoring it.
  for (size_t i = 0; i < wrt.size(); ++i) {
    double* data = wrt[i].data_ptr<double>();
    std::vector<int64_t> offsets;
    for_each_element(wrt[i].shape(), wrt[i].strides(), wrt[i].strides(),
                     [&offsets](int64_t a, int64_t) { offsets.push_back(a); });
    for (int64_t e = 0; e < wrt[i].numel(); ++e) {
      double& element = data[offsets[e]];
      double original = element;
      element = original + options.eps;
      std::vector<double> plus = evaluate(fn, inputs);
      element = original - options.eps;
      std::vector<double> minus = evaluate(fn, inputs);
      element = original;
      for (int64_t j = 0; j < outputs; ++j) {
        double numerical = (plus[j] - minus[j]) / (2 * options.eps);
        double exact = analytical[j][i][e];
        if (!(std::abs(exact - numerical) <= options.atol + options.rtol * std::abs(numerical))) {
          std::ostringstream message;
          message.precision(10);
          message << "gradcheck: Jacobian mismatch for output element " << position(output, j) << " with respect to input "
                  << i << " (shape " << shape_string(wrt[i].shape()) << ") element " << position(wrt[i], e)
                  << ": analytical " << exact << ", numerical " << numerical;
          throw GradcheckError(message.str());
        }
      }
    }
  }
  return true;
}

bool gradgradcheck(const Function& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  std::vector<Tensor> wrt = differentiable(inputs);
  Tensor output = fn(inputs);
  Tensor direction = randn(output.shape(), dtype(kFloat64)).requires_grad_(true);
  std::vector<Tensor> extended = inputs;
  extended.push_back(direction);
  Function first_order = [&fn, &inputs](const std::vector<Tensor>& all) {
    std::vector<Tensor> own(all.begin(), all.end() - 1);
    std::vector<Tensor> wrt_own;
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].requires_grad()) wrt_own.push_back(own[i]);
    Tensor out = fn(own);
    std::vector<Tensor> grads = grad({out}, wrt_own, {all.back()}, true, true, true);
    std::vector<Tensor> flat;
    for (size_t i = 0; i < grads.size(); ++i)
      flat.push_back(grads[i].defined() ? grads[i].reshape({-1}) : zeros({wrt_own[i].numel()}, dtype(kFloat64)));
    return cat(flat, 0);
  };
  return gradcheck(first_order, extended, options);
}

namespace {
thread_local bool anomaly_enabled = false;

bool all_finite(const Tensor& t) {
  bool finite = true;
  Tensor hold;
  const Tensor& values = dense(t, hold);
  XG_DISPATCH(t.dtype(), {
    const T* data = values.impl()->data<T>();
    for (int64_t i = 0, n = t.numel(); i < n && finite; ++i) finite = std::isfinite(data[i]);
  });
  return finite;
}
}  // namespace

DetectAnomalyGuard::DetectAnomalyGuard() : previous_(anomaly_enabled) { anomaly_enabled = true; }
DetectAnomalyGuard::~DetectAnomalyGuard() { anomaly_enabled = previous_; }

}  // namespace autograd

bool anomaly_mode_enabled() { return autograd::anomaly_enabled; }

void check_forward_anomaly(const char* node_name, const Tensor& output) {
  if (!autograd::all_finite(output)) {
    std::string op = node_name;  // "LogBackward" records the forward op "Log"
    if (op.size() > 8 && op.compare(op.size() - 8, 8, "Backward") == 0) op.resize(op.size() - 8);
    throw std::runtime_error("anomaly: the forward op " + op + " produced NaN or Inf in its output of shape " +
                             shape_string(output.shape()));
  }
}

void check_backward_anomaly(const char* op, const std::vector<Tensor>& gradients) {
  for (size_t i = 0; i < gradients.size(); ++i)
    if (gradients[i].defined() && !autograd::all_finite(gradients[i]))
      throw std::runtime_error(std::string("anomaly: ") + op + " returned NaN or Inf in its gradient for input " +
                               std::to_string(i) + " of shape " + shape_string(gradients[i].shape()));
}

}  // namespace xgrad

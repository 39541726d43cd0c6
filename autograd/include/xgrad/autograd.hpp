// xgrad::autograd: functional gradients, numerical gradient checks and anomaly detection.
#pragma once

#include <functional>
#include <stdexcept>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {
namespace autograd {

// Gradients of `outputs` with respect to `inputs`, without touching any .grad (torch.autograd.grad).
// grad_outputs may be empty for one-element outputs. With allow_unused, an input the outputs do not depend
// on gets an undefined Tensor instead of an error.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool create_graph = false, bool allow_unused = false);

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  GradcheckOptions& set_eps(double value) { eps = value; return *this; }
  GradcheckOptions& set_atol(double value) { atol = value; return *this; }
  GradcheckOptions& set_rtol(double value) { rtol = value; return *this; }
};

// Thrown by gradcheck with the input, the element and both values in its message.
struct GradcheckError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Function = std::function<Tensor(const std::vector<Tensor>&)>;

// Compares the analytical Jacobian of fn (by backward) with central finite differences at `inputs`
// (float64; only inputs that require grad are checked): |analytical - numerical| <= atol + rtol |numerical|.
// Returns true or throws GradcheckError.
bool gradcheck(const Function& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});
// The same for second derivatives: gradchecks the map (inputs, v) -> d<fn, v>/d inputs built with create_graph.
bool gradgradcheck(const Function& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

// While alive on this thread: an op whose output has NaN/Inf, or a backward that produces NaN/Inf
// gradients, throws std::runtime_error naming the op and the shape. Costs one flag test when off.
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard();
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace autograd
}  // namespace xgrad

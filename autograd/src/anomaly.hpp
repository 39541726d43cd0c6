// Private: anomaly detection hooks (see xgrad/autograd.hpp for DetectAnomalyGuard).
#pragma once
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {
namespace autograd {
extern thread_local bool anomaly_enabled;  // set by DetectAnomalyGuard
}
inline bool anomaly_mode_enabled() { return autograd::anomaly_enabled; }
void check_forward_anomaly(const char* op, const Tensor& output);
void check_backward_anomaly(const char* op, const std::vector<Tensor>& gradients);
}  // namespace xgrad

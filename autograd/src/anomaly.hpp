// Private: anomaly detection hooks (see xgrad/autograd.hpp for DetectAnomalyGuard).
#pragma once
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {
bool anomaly_mode_enabled();
void check_forward_anomaly(const char* op, const Tensor& output);
void check_backward_anomaly(const char* op, const std::vector<Tensor>& gradients);
}  // namespace xgrad

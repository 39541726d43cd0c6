// A training checkpoint: the model's parameters, the optimizer's state and optionally a scheduler's in one
// .npz ("model.<name>", "optimizer.<name>", "scheduler.<name>" entries), so training resumes exactly.
#pragma once
#include <string>

#include "xgrad/nn/module.hpp"
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/optim/schedulers.hpp"

namespace xgrad {
namespace optim {

void save_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer,
                     const LRScheduler* scheduler = nullptr);
// Validates every part before keeping any; throws std::runtime_error naming the file and the problem.
void load_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer, LRScheduler* scheduler = nullptr);

}  // namespace optim
}  // namespace xgrad

// A training checkpoint: the model's parameters, the optimizer's state and optionally a scheduler's in one
// .npz ("model.<name>", "optimizer.<name>", "scheduler.<name>" entries), so training resumes exactly.
#pragma once
#include <memory>
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

// --- module holders (nn::Linear, a user's XGRAD_MODULE) and shared_ptrs stand for their module
template <typename ModuleType>
void save_checkpoint(const std::string& path, const nn::ModuleHolder<ModuleType>& model, const Optimizer& optimizer,
                     const LRScheduler* scheduler = nullptr) {
  save_checkpoint(path, *model, optimizer, scheduler);
}
template <typename ModuleType>
void save_checkpoint(const std::string& path, const std::shared_ptr<ModuleType>& model, const Optimizer& optimizer,
                     const LRScheduler* scheduler = nullptr) {
  save_checkpoint(path, static_cast<const nn::Module&>(*model), optimizer, scheduler);
}
template <typename ModuleType>
void load_checkpoint(const std::string& path, nn::ModuleHolder<ModuleType>& model, Optimizer& optimizer,
                     LRScheduler* scheduler = nullptr) {
  load_checkpoint(path, *model, optimizer, scheduler);
}
template <typename ModuleType>
void load_checkpoint(const std::string& path, const std::shared_ptr<ModuleType>& model, Optimizer& optimizer,
                     LRScheduler* scheduler = nullptr) {
  load_checkpoint(path, static_cast<nn::Module&>(*model), optimizer, scheduler);
}

}  // namespace optim
}  // namespace xgrad

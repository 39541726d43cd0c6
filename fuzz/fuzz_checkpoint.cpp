// libFuzzer target: arbitrary bytes as a checkpoint file. Loading must either succeed or throw a
// std::exception; never crash, hang or allocate without bound. A failed load into a model, an optimizer
// and a scheduler must leave all three bit-identical (checked here: a difference aborts).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <xgrad.hpp>

namespace {
std::string fingerprint(const xgrad::StateDict& state) {
  std::string out;
  for (auto& [name, t] : state) {
    out += name + xgrad::shape_string(t.shape()) + ":";
    if (t.dtype() == xgrad::kFloat32) out.append(reinterpret_cast<const char*>(t.data_ptr<float>()), t.numel() * 4);
    else out.append(reinterpret_cast<const char*>(t.data_ptr<double>()), t.numel() * 8);
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/xgrad_fuzz_" + std::to_string(getpid()) + ".npz";
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    xgrad::StateDict state = xgrad::load_state_dict_file(path);
    for (auto& entry : state) (void)entry.second.sum().item();  // touch every element
  } catch (const std::exception&) {
  }
  // The model, optimizer and scheduler of fuzz/corpus/checkpoint/checkpoint.npz.
  xgrad::nn::Sequential model(xgrad::nn::Linear(3, 2), xgrad::nn::ReLU(), xgrad::nn::Linear(2, 1));
  xgrad::optim::SGD sgd(model->parameters(), xgrad::optim::SGDOptions(0.1).momentum(0.9));
  xgrad::optim::StepLR schedule(sgd, 2, 0.5);
  auto snapshot = [&] {
    return fingerprint(model->state_dict()) + fingerprint(sgd.state_dict()) + fingerprint(schedule.state_dict());
  };
  std::string before = snapshot();
  try {
    xgrad::load(model, path);
  } catch (const std::exception&) {
    if (snapshot() != before) std::abort();
  }
  before = snapshot();
  try {
    xgrad::optim::load_checkpoint(path, model, sgd, &schedule);
  } catch (const std::exception&) {
    if (snapshot() != before) std::abort();
  }
  std::remove(path.c_str());
  return 0;
}

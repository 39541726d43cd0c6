// libFuzzer target: arbitrary bytes as a checkpoint file. Loading must either succeed or throw a
// std::exception; never crash, hang or allocate without bound.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <xgrad.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/xgrad_fuzz_" + std::to_string(getpid()) + ".npz";
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    xgrad::StateDict state = xgrad::load_state_dict_file(path);
    for (auto& entry : state) (void)entry.second.sum().item();  // touch every element
    xgrad::nn::Sequential model(xgrad::nn::Linear(3, 2), xgrad::nn::ReLU(), xgrad::nn::Linear(2, 1));
    xgrad::load(model, path);
  } catch (const std::exception&) {
  }
  std::remove(path.c_str());
  return 0;
}

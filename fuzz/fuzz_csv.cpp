// libFuzzer target: arbitrary bytes as a CSV file with a target column "y", read as float32 and float64.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <xgrad.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/xgrad_fuzz_" + std::to_string(getpid()) + ".csv";
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  for (xgrad::Dtype dtype : {xgrad::kFloat32, xgrad::kFloat64}) {
    try {
      // A temporary dataset: the loader owns it.
      xgrad::data::DataLoader loader(xgrad::data::CSVDataset(path, {"y"}, xgrad::dtype(dtype)),
                                     xgrad::data::DataLoaderOptions().batch_size(2).shuffle(true).seed(1));
      for (auto& [x, y] : loader) (void)(x.sum().item() + y.sum().item());
    } catch (const std::exception&) {
    }
  }
  std::remove(path.c_str());
  return 0;
}

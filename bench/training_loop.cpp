// Compile-time probe: a complete small training loop. `bench/run.sh` times `g++ -O2 -c` of this file.
#include <cstdio>
#include <xgrad.hpp>

namespace xg = xgrad;

int main() {
  xg::manual_seed(0);
  xg::Tensor x = xg::randn({1000, 5}), y = xg::randn({1000, 1});
  auto dataset = std::make_shared<xg::data::TensorDataset>(x, y);
  xg::data::DataLoader loader(dataset, xg::data::DataLoaderOptions().batch_size(32).shuffle(true));
  xg::nn::Sequential model(xg::nn::Linear(5, 64), xg::nn::Tanh(), xg::nn::Linear(64, 1));
  xg::optim::Adam optimizer(model->parameters(), xg::optim::AdamOptions(1e-3));
  xg::nn::MSELoss loss_fn;
  for (int epoch = 0; epoch < 3; ++epoch)
    for (auto& [batch_x, batch_y] : loader) {
      optimizer.zero_grad();
      xg::Tensor loss = loss_fn(model(batch_x), batch_y);
      loss.backward();
      optimizer.step();
    }
  std::printf("trained\n");
  return 0;
}

// The same training loop for LibTorch, to compare compile times.
#include <torch/torch.h>

int main() {
  torch::manual_seed(0);
  auto x = torch::randn({1000, 5}), y = torch::randn({1000, 1});
  torch::nn::Sequential model(torch::nn::Linear(5, 64), torch::nn::Tanh(), torch::nn::Linear(64, 1));
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  for (int epoch = 0; epoch < 3; ++epoch)
    for (int64_t i = 0; i < 1000; i += 32) {
      optimizer.zero_grad();
      auto loss = torch::mse_loss(model->forward(x.slice(0, i, i + 32)), y.slice(0, i, i + 32));
      loss.backward();
      optimizer.step();
    }
  return 0;
}

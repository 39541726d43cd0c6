// Multivariate regression driven by a shuffling DataLoader: N = 1000 points in 5 dimensions,
// mini-batches of 32, 20 epochs.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <xgrad.hpp>

#include "support.hpp"

namespace xg = xgrad;

int main(int argc, char** argv) {
  double lr = 0.05;
  int epochs = 20;
  size_t batch_size = 32;
  std::string out = "out/dataloader_regression";
  CLI::App app{"Linear regression on N = 1000, d = 5 with a shuffling DataLoader"};
  app.add_option("--lr", lr, "learning rate")->capture_default_str();
  app.add_option("--epochs", epochs, "passes over the data")->capture_default_str();
  app.add_option("--batch-size", batch_size, "examples per step")->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  xg::manual_seed(0);
  const std::vector<double> true_w = {2, -1, 0.5, 3, -2};
  const double true_b = 0.7;
  xg::Tensor x = xg::randn({1000, 5});
  xg::Tensor y = xg::matmul(x, xg::tensor(true_w, {5, 1})) + true_b + 0.1 * xg::randn({1000, 1});
  auto dataset = std::make_shared<xg::data::TensorDataset>(x, y);
  xg::data::DataLoader loader(dataset, xg::data::DataLoaderOptions().batch_size(batch_size).shuffle(true));

  xg::nn::Linear model(5, 1);
  xg::optim::SGD optimizer(model->parameters(), xg::optim::SGDOptions(lr));
  std::vector<double> epoch_column, loss_column;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    double total = 0;
    for (auto& [batch_x, batch_y] : loader) {
      optimizer.zero_grad();
      xg::Tensor loss = xg::nn::functional::mse_loss(model(batch_x), batch_y);
      loss.backward();
      optimizer.step();
      total += loss.item() * static_cast<double>(batch_x.size(0));
    }
    epoch_column.push_back(epoch);
    loss_column.push_back(total / static_cast<double>(dataset->size()));
    std::printf("epoch %2d  mean loss %.6f\n", epoch, loss_column.back());
  }
  std::vector<float> learned = model->weight.to_vector<float>();
  // The exact optimum of the full-data MSE, least squares on [x, 1]: mini-batch SGD can only get close to it
  // (a noise ball); the optimum itself differs from the true weights by the noise in y.
  std::vector<float> optimum = std::get<0>(xg::linalg::lstsq(xg::cat({x, xg::ones({1000, 1})}, 1), y)).to_vector<float>();
  std::printf("\n  weight   learned   lstsq    true\n");
  for (size_t i = 0; i < true_w.size(); ++i)
    std::printf("  w[%zu]   %8.4f  %7.4f  %6.2f\n", i, learned[i], optimum[i], true_w[i]);
  std::printf("  b       %8.4f  %7.4f  %6.2f\n", model->bias.item(), optimum[5], true_b);
  double worst = std::abs(model->bias.item() - true_b), from_optimum = std::abs(model->bias.item() - optimum[5]);
  double optimum_error = std::abs(optimum[5] - true_b);
  for (size_t i = 0; i < true_w.size(); ++i) {
    worst = std::max(worst, std::abs(learned[i] - true_w[i]));
    from_optimum = std::max<double>(from_optimum, std::abs(learned[i] - optimum[i]));
    optimum_error = std::max(optimum_error, std::abs(optimum[i] - true_w[i]));
  }
  std::printf("max |learned - true| = %.4f\n", worst);
  std::printf("max |learned - lstsq| = %.4f (SGD's distance from the exact optimum)\n", from_optimum);
  std::printf("max |lstsq - true| = %.4f (the optimum's own error, from the noise)\n", optimum_error);
  example::write_csv(out + "/loss.csv", {"epoch", "loss"}, {epoch_column, loss_column});
  example::plot(out + "/loss.png", "set xlabel 'epoch'; set ylabel 'mean MSE'; set logscale y\nplot 'loss.csv' using 1:2 with linespoints lw 2");
  return 0;
}

// A Sequential MLP fits a nonlinear curve with Adam, gradient clipping and a cosine schedule; the model is
// checkpointed and reloaded; and gradient accumulation over micro-batches is shown to equal one big batch.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <xgrad.hpp>

#include "support.hpp"

namespace xg = xgrad;
namespace nn = xg::nn;

static nn::Sequential make_model() {
  return nn::Sequential(nn::Linear(1, 32), nn::Tanh(), nn::Linear(32, 32), nn::Tanh(), nn::Linear(32, 1));
}

int main(int argc, char** argv) {
  int epochs = 200;
  double lr = 0.01, max_norm = 1.0;
  size_t batch_size = 32, micro_batches = 4;
  std::string out = "out/mlp_regression";
  CLI::App app{"MLP regression with Adam, clipping, a cosine schedule, checkpoints and gradient accumulation"};
  app.add_option("--epochs", epochs, "passes over the data")->capture_default_str();
  app.add_option("--lr", lr, "initial learning rate")->capture_default_str();
  app.add_option("--max-norm", max_norm, "gradient clipping norm")->capture_default_str();
  app.add_option("--batch-size", batch_size, "examples per step")->capture_default_str();
  app.add_option("--micro-batches", micro_batches, "micro-batches in the accumulation check")->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::filesystem::create_directories(out);
  xg::manual_seed(0);
  const int64_t n = 256;
  xg::Tensor x = xg::rand({n, 1}) * 6.0 - 3.0;
  xg::Tensor y = xg::tanh(2.0 * x) * 0.8 + 0.1 * x * x + 0.05 * xg::randn({n, 1});  // a smooth nonlinear curve
  auto dataset = std::make_shared<xg::data::TensorDataset>(x, y);
  xg::data::DataLoader loader(dataset, xg::data::DataLoaderOptions().batch_size(batch_size).shuffle(true));

  nn::Sequential model = make_model();
  xg::optim::Adam optimizer(model->parameters(), xg::optim::AdamOptions(lr));
  xg::optim::CosineAnnealingLR schedule(optimizer, epochs, lr / 100);
  std::vector<double> epoch_column, loss_column, lr_column;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    double total = 0;
    for (auto& [batch_x, batch_y] : loader) {
      optimizer.zero_grad();
      xg::Tensor loss = nn::functional::mse_loss(model(batch_x), batch_y);
      loss.backward();
      nn::utils::clip_grad_norm_(model->parameters(), max_norm);
      optimizer.step();
      total += loss.item() * static_cast<double>(batch_x.size(0));
    }
    epoch_column.push_back(epoch);
    loss_column.push_back(total / n);
    lr_column.push_back(schedule.get_last_lr()[0]);
    schedule.step();
    if (epoch % std::max(1, epochs / 10) == 0)
      std::printf("epoch %4d/%d  loss %.5f  lr %.5f\n", epoch, epochs, loss_column.back(), lr_column.back());
  }
  double final_loss = nn::functional::mse_loss(model(x), y).item();
  std::printf("final training MSE %.5f (noise floor 0.0025)\n", final_loss);

  // Checkpoint: save, load into a fresh model, compare predictions.
  xg::save(model, out + "/model.npz");
  nn::Sequential reloaded = make_model();
  xg::load(reloaded, out + "/model.npz");
  double difference = xg::max((model(x) - reloaded(x)).abs()).item();
  std::printf("checkpoint reloaded: max prediction difference %.3g\n", difference);

  // Gradient accumulation: mean loss over micro-batches, each scaled by 1/k, equals the big-batch gradient.
  xg::Tensor big_x = x.slice(0, 0, static_cast<int64_t>(batch_size)), big_y = y.slice(0, 0, static_cast<int64_t>(batch_size));
  model->zero_grad();
  nn::functional::mse_loss(model(big_x), big_y).backward();
  std::vector<std::vector<float>> big;
  for (auto& p : model->parameters()) big.push_back(p.grad().to_vector<float>());
  model->zero_grad();
  int64_t micro = static_cast<int64_t>(batch_size / micro_batches);
  for (int64_t k = 0; k < static_cast<int64_t>(micro_batches); ++k) {
    xg::Tensor loss = nn::functional::mse_loss(model(big_x.slice(0, k * micro, (k + 1) * micro)),
                                               big_y.slice(0, k * micro, (k + 1) * micro));
    (loss / static_cast<double>(micro_batches)).backward();  // grads add up across backward calls
  }
  double worst = 0;
  auto params = model->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    std::vector<float> accumulated = params[i].grad().to_vector<float>();
    for (size_t j = 0; j < accumulated.size(); ++j) worst = std::max(worst, std::abs(double(accumulated[j]) - big[i][j]));
  }
  std::printf("gradient accumulation over %zu micro-batches vs one batch of %zu: max difference %.3g\n", micro_batches,
              batch_size, worst);

  std::printf("checks: checkpoint identical %s, accumulation equal %s, fit below 0.01 %s\n", difference == 0 ? "yes" : "NO",
              worst < 1e-5 ? "yes" : "NO", final_loss < 0.01 ? "yes" : "NO");
  std::vector<double> grid, prediction;
  xg::Tensor xs = xg::linspace(-3, 3, 200).reshape({200, 1});
  {
    xg::NoGradGuard no_grad;
    std::vector<float> predicted = model(xs).to_vector<float>();
    std::vector<float> inputs = xs.to_vector<float>();
    for (size_t i = 0; i < inputs.size(); ++i) {
      grid.push_back(inputs[i]);
      prediction.push_back(predicted[i]);
    }
  }
  example::write_csv(out + "/loss.csv", {"epoch", "loss", "lr"}, {epoch_column, loss_column, lr_column});
  std::vector<double> data_x, data_y;
  for (float v : x.to_vector<float>()) data_x.push_back(v);
  for (float v : y.to_vector<float>()) data_y.push_back(v);
  example::write_csv(out + "/data.csv", {"x", "y"}, {data_x, data_y});
  example::write_csv(out + "/fit.csv", {"x", "prediction"}, {grid, prediction});
  example::plot(out + "/mlp.png",
                "set multiplot layout 1,2\nset xlabel 'epoch'; set ylabel 'MSE'; set logscale y\n"
                "plot 'loss.csv' using 1:2 with lines lw 2\nunset logscale y; set xlabel 'x'; set ylabel 'y'\n"
                "plot 'data.csv' using 1:2 with points pt 7 ps 0.4, 'fit.csv' using 1:2 with lines lw 3\nunset multiplot");
  return 0;
}

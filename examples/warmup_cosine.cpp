// The transformer recipe on a small problem: AdamW with a linear warmup (LinearLR) then cosine decay
// (CosineAnnealingLR), chained by SequentialLR and stepped once per batch, against the same cosine schedule
// without warmup, on the MLP regression of mlp_regression. One picture: both lr curves and both loss curves.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <xgrad.hpp>

#include "support.hpp"

namespace xg = xgrad;
namespace nn = xg::nn;
namespace optim = xg::optim;

static nn::Sequential make_model() {
  xg::manual_seed(1);  // both runs start from the same weights
  return nn::Sequential(nn::Linear(1, 32), nn::Tanh(), nn::Linear(32, 32), nn::Tanh(), nn::Linear(32, 1));
}

struct Run {
  std::vector<double> lr, loss;  // per step: the lr it used, its batch loss
  double final_loss = 0;
};

int main(int argc, char** argv) {
  int epochs = 60, warmup_percent = 10;
  // A peak lr high enough that the first full-size AdamW steps throw the fresh network around.
  double lr = 0.1, start_factor = 0.01;
  size_t batch_size = 32;
  std::string out = "out/warmup_cosine";
  CLI::App app{"AdamW with a linear warmup then cosine decay (SequentialLR) vs cosine alone, on an MLP regression"};
  app.add_option("--epochs", epochs, "passes over the data")->capture_default_str();
  app.add_option("--lr", lr, "peak learning rate")->capture_default_str();
  app.add_option("--warmup-percent", warmup_percent, "share of the steps spent warming up")->capture_default_str();
  app.add_option("--start-factor", start_factor, "the warmup's first lr, as a fraction of the peak")->capture_default_str();
  app.add_option("--batch-size", batch_size, "examples per step")->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  xg::manual_seed(0);
  const int64_t n = 256;
  xg::Tensor x = xg::rand({n, 1}) * 6.0 - 3.0;
  xg::Tensor y = xg::tanh(2.0 * x) * 0.8 + 0.1 * x * x + 0.05 * xg::randn({n, 1});
  auto make_loader = [&] {  // a fresh loader per run: both see the same batches
    return xg::data::DataLoader(xg::data::TensorDataset(x, y), xg::data::DataLoaderOptions().batch_size(batch_size).shuffle(true).seed(2));
  };
  const int64_t steps = static_cast<int64_t>(epochs) * static_cast<int64_t>(make_loader().size());
  const int64_t warmup = std::max<int64_t>(1, steps * warmup_percent / 100);

  auto train = [&](bool with_warmup) {
    nn::Sequential model = make_model();
    optim::AdamW optimizer(model->parameters(), optim::AdamWOptions(lr).weight_decay(1e-4));
    // With warmup: LinearLR for `warmup` steps, then SequentialLR restarts the cosine (its lr back at the
    // peak) for the remaining steps. Without: the cosine over all the steps.
    std::unique_ptr<optim::LRScheduler> warming, cosine, sequence;
    if (with_warmup) {
      warming = std::make_unique<optim::LinearLR>(optimizer, start_factor, 1.0, warmup);
      cosine = std::make_unique<optim::CosineAnnealingLR>(optimizer, steps - warmup, lr / 100);
      sequence = std::make_unique<optim::SequentialLR>(optimizer, std::vector<std::reference_wrapper<optim::LRScheduler>>{*warming, *cosine},
                                                       std::vector<int64_t>{warmup});
    } else {
      cosine = std::make_unique<optim::CosineAnnealingLR>(optimizer, steps, lr / 100);
    }
    optim::LRScheduler& schedule = with_warmup ? *sequence : *cosine;
    Run run;
    xg::data::DataLoader loader = make_loader();
    for (int epoch = 0; epoch < epochs; ++epoch)
      for (auto& [batch_x, batch_y] : loader) {
        optimizer.zero_grad();
        xg::Tensor loss = nn::functional::mse_loss(model(batch_x), batch_y);
        loss.backward();
        run.lr.push_back(optimizer.lr());
        run.loss.push_back(loss.item());
        optimizer.step();
        schedule.step();
      }
    run.final_loss = nn::functional::mse_loss(model(x), y).item();
    return run;
  };
  const Run warm = train(true), cold = train(false);

  // The schedule's shape, checked at its corners: start, peak at the end of the warmup, eta_min at the end.
  const bool shape = std::abs(warm.lr[0] - lr * start_factor) < 1e-12 * lr &&
                     std::abs(warm.lr[static_cast<size_t>(warmup)] - lr) < 1e-12 * lr &&
                     std::abs(warm.lr.back() - lr / 100) < 0.01 * lr && cold.lr[0] == lr;
  // Without warmup the first steps at the full lr throw the fresh network around (the loss jumps above its
  // starting value); the warmup's small steps do not.
  auto early_peak = [&](const Run& run) { return *std::max_element(run.loss.begin() + 1, run.loss.begin() + warmup); };
  std::printf("%lld steps (%lld per epoch), warmup %lld steps from %.2g to %.2g, then cosine to %.2g\n",
              static_cast<long long>(steps), static_cast<long long>(steps / epochs), static_cast<long long>(warmup), lr * start_factor, lr, lr / 100);
  std::printf("worst batch loss during the first %lld steps: warmup %.4f, no warmup %.4f\n", static_cast<long long>(warmup),
              early_peak(warm), early_peak(cold));
  std::printf("final training MSE: warmup %.5f, no warmup %.5f (noise floor 0.0025)\n", warm.final_loss, cold.final_loss);
  std::printf("checks: schedule shape %s, calmer start with warmup %s, both fit below 0.02 %s\n", shape ? "yes" : "NO",
              early_peak(warm) < early_peak(cold) ? "yes" : "NO",
              warm.final_loss < 0.02 && cold.final_loss < 0.02 ? "yes" : "NO");

  std::vector<double> step_column;
  for (int64_t s = 0; s < steps; ++s) step_column.push_back(static_cast<double>(s + 1));
  example::write_csv(out + "/curves.csv", {"step", "lr warmup + cosine", "lr cosine", "loss warmup + cosine", "loss cosine"},
                     {step_column, warm.lr, cold.lr, warm.loss, cold.loss});
  example::plot(out + "/warmup_cosine.png",
                "set multiplot layout 2,1\nset xlabel 'step'; set ylabel 'learning rate'\n"
                "plot 'curves.csv' using 1:2 with lines lw 3, '' using 1:3 with lines lw 3\n"
                "set ylabel 'batch loss (MSE)'; set logscale y\n"
                "plot 'curves.csv' using 1:4 with lines lw 2, '' using 1:5 with lines lw 2\nunset multiplot",
                "1000,800");
  return 0;
}

// Classification: two interleaved half-moons, an MLP with Dropout trained with CrossEntropyLoss on int64
// class labels, accuracy per epoch on a held-out set, and the decision regions as a picture. train() and
// eval() matter here: Dropout drops units while training and is the identity when evaluating.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <string>
#include <xgrad.hpp>

#include "support.hpp"

namespace xg = xgrad;

namespace {
struct Moons {
  xg::Tensor points;  // [n, 2] float32
  xg::Tensor labels;  // [n] int64: 0 upper moon, 1 lower moon
};

// scikit-learn's make_moons: an upper half circle and a lower one shifted right and up, plus Gaussian noise.
Moons make_moons(int64_t per_class, double noise) {
  xg::Tensor angle = xg::linspace(0.0, M_PI, per_class);
  xg::Tensor upper = xg::stack({xg::cos(angle), xg::sin(angle)}, 1);
  xg::Tensor lower = xg::stack({1.0 - xg::cos(angle), 0.5 - xg::sin(angle)}, 1);
  xg::Tensor points = xg::cat({upper, lower}) + noise * xg::randn({2 * per_class, 2});
  xg::Tensor labels = xg::cat({xg::zeros({per_class}, xg::kInt64), xg::ones({per_class}, xg::kInt64)});
  return {points, labels};
}

double accuracy(xg::nn::Sequential& model, const Moons& data) {
  xg::NoGradGuard no_grad;
  xg::Tensor predicted = model->forward(data.points).argmax(1);
  return (predicted == data.labels).to(xg::kFloat64).mean().item<double>();
}
}  // namespace

int main(int argc, char** argv) {
  int epochs = 60;
  int64_t per_class = 500;
  int64_t batch = 64;
  double dropout = 0.1;
  double lr = 0.01;
  std::string out = "output/classification_mlp";
  CLI::App app{"Two half-moons: an MLP with Dropout and CrossEntropyLoss, accuracy per epoch, decision regions"};
  app.add_option("--epochs", epochs, "passes over the training set")->capture_default_str();
  app.add_option("--per-class", per_class, "training points per moon")->capture_default_str();
  app.add_option("--batch", batch, "mini-batch size")->capture_default_str();
  app.add_option("--dropout", dropout, "Dropout probability")->capture_default_str();
  app.add_option("--lr", lr, "Adam learning rate")->capture_default_str();
  app.add_option("--out", out, "folder for the CSV files and the pictures")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  xg::manual_seed(0);
  const Moons train_set = make_moons(per_class, 0.2);
  const Moons test_set = make_moons(per_class / 2, 0.2);

  xg::nn::Sequential model(xg::nn::Linear(2, 64), xg::nn::ReLU(), xg::nn::Dropout(dropout), xg::nn::Linear(64, 64),
                           xg::nn::ReLU(), xg::nn::Dropout(dropout), xg::nn::Linear(64, 2));
  xg::nn::CrossEntropyLoss loss_fn;
  xg::optim::Adam optimizer(model->parameters(), xg::optim::AdamOptions(lr));

  std::vector<double> epoch_column, loss_column, train_accuracy, test_accuracy;
  const int64_t n = train_set.points.size(0);
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    model->train();
    xg::Tensor order = xg::randperm(n);
    double total = 0;
    for (int64_t start = 0; start < n; start += batch) {
      xg::Tensor rows = order.slice(0, start, std::min(start + batch, n));
      optimizer.zero_grad();
      xg::Tensor loss = loss_fn(model->forward(train_set.points.index_select(0, rows)),
                                train_set.labels.index_select(0, rows));
      loss.backward();
      optimizer.step();
      total += loss.item<double>() * static_cast<double>(rows.size(0));
    }
    model->eval();
    epoch_column.push_back(epoch);
    loss_column.push_back(total / static_cast<double>(n));
    train_accuracy.push_back(accuracy(model, train_set));
    test_accuracy.push_back(accuracy(model, test_set));
    if (epoch == 1 || epoch % 10 == 0 || epoch == epochs)
      std::printf("epoch %3d  loss %.4f  train accuracy %.3f  test accuracy %.3f\n", epoch, loss_column.back(),
                  train_accuracy.back(), test_accuracy.back());
  }
  example::write_csv(out + "/accuracy.csv", {"epoch", "loss", "train accuracy", "test accuracy"},
                     {epoch_column, loss_column, train_accuracy, test_accuracy});

  // eval() makes the model a function: two passes agree; train() draws new Dropout masks each pass.
  xg::NoGradGuard no_grad;
  const bool eval_repeats = model->forward(test_set.points).equal(model->forward(test_set.points));
  model->train();
  const bool train_varies = !model->forward(test_set.points).equal(model->forward(test_set.points));
  model->eval();

  // Decision regions: the predicted class over a grid, with the test points on top.
  const int64_t side = 120;
  xg::Tensor gx = xg::linspace(-1.5, 2.5, side), gy = xg::linspace(-1.0, 1.5, side);
  xg::Tensor xs = gx.repeat({side});                                       // x runs fastest
  xg::Tensor ys = gy.unsqueeze(1).expand({side, side}).reshape({-1});       // then y
  xg::Tensor regions = model->forward(xg::stack({xs, ys}, 1)).argmax(1);
  example::write_csv(out + "/regions.csv", {"x", "y", "class"},
                     {xs.to_vector<double>(), ys.to_vector<double>(), regions.to_vector<double>()});
  example::write_csv(out + "/test_points.csv", {"x", "y", "class"},
                     {test_set.points.select(1, 0).to_vector<double>(), test_set.points.select(1, 1).to_vector<double>(),
                      test_set.labels.to_vector<double>()});
  example::plot(out + "/classification_mlp.png",
                "set multiplot layout 1,2\n"
                "set title 'Decision regions and test points'\nset xrange [-1.5:2.5]\nset yrange [-1:1.5]\n"
                "set palette defined (0 '#cfe2f3', 1 '#f4cccc')\nunset colorbox\nset key off\n"
                "plot 'regions.csv' using 1:2:3 with points pt 5 ps 0.45 lc palette, "
                "'test_points.csv' using 1:($3 == 0 ? $2 : 1/0) with points pt 7 ps 0.5 lc rgb '#1f4e9c', "
                "'test_points.csv' using 1:($3 == 1 ? $2 : 1/0) with points pt 7 ps 0.5 lc rgb '#b22222'\n"
                "set title 'Accuracy per epoch (eval mode)'\nset autoscale\nset yrange [0.5:1]\nset key bottom right\n"
                "set xlabel 'epoch'\nplot 'accuracy.csv' using 1:3 with lines lw 2 title 'train', "
                "'accuracy.csv' using 1:4 with lines lw 2 title 'test'\nunset multiplot",
                "1200,520");

  const bool accurate = test_accuracy.back() > 0.93;
  std::printf("checks: test accuracy above 0.93 %s, eval() repeats %s, train() draws new Dropout masks %s\n",
              accurate ? "yes" : "NO", eval_repeats ? "yes" : "NO", train_varies ? "yes" : "NO");
  return accurate && eval_repeats && train_varies ? 0 : 1;
}

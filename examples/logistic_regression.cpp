// Logistic regression on two Gaussian blobs: nn::Linear(2, 1) + BCEWithLogitsLoss, the decision line drawn
// over the points. It also trains a second, identical model the way a common mistake does: sigmoid applied
// before a loss that expects logits. Both are then scored with the same true loss (BCE of their predicted
// probabilities), so the cost of the mistake shows as a number.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <xgrad.hpp>

#include "support.hpp"

namespace xg = xgrad;

namespace {
struct Result {
  double true_loss;  // BCE of sigmoid(logits): the quantity both runs should minimize
  double accuracy;
  double w0, w1, b;
};

// Full-batch training; `pitfall` feeds probabilities to the logits loss.
Result train(const xg::Tensor& x, const xg::Tensor& y, int steps, double lr, bool pitfall) {
  xg::manual_seed(1);  // the same initial weights for both runs
  xg::nn::Linear model(2, 1);
  xg::nn::BCEWithLogitsLoss loss_fn;
  xg::optim::SGD optimizer(model->parameters(), xg::optim::SGDOptions(lr));
  for (int step = 0; step < steps; ++step) {
    optimizer.zero_grad();
    xg::Tensor logits = model(x);
    xg::Tensor loss = loss_fn(pitfall ? xg::sigmoid(logits) : logits, y);
    loss.backward();
    optimizer.step();
  }
  xg::NoGradGuard no_grad;
  xg::Tensor logits = model(x);
  Result result;
  result.true_loss = xg::nn::functional::binary_cross_entropy_with_logits(logits, y).item<double>();
  // Accuracy with bool tensors: a positive logit predicts class 1.
  result.accuracy = (logits > 0).eq(y > 0.5).to(xg::kFloat64).mean().item<double>();
  result.w0 = model->weight[0][0].item<double>();
  result.w1 = model->weight[0][1].item<double>();
  result.b = model->bias[0].item<double>();
  return result;
}
}  // namespace

int main(int argc, char** argv) {
  int steps = 300;
  int per_class = 200;
  double lr = 0.5;
  std::string out = "output/logistic_regression";
  CLI::App app{"Logistic regression: Linear(2, 1) + BCEWithLogitsLoss on two Gaussian blobs"};
  app.add_option("--steps", steps, "full-batch gradient steps")->capture_default_str();
  app.add_option("--per-class", per_class, "points per blob")->capture_default_str();
  app.add_option("--lr", lr, "SGD learning rate")->capture_default_str();
  app.add_option("--out", out, "folder for the CSV and the picture")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  // Class 0 around (-1, -1), class 1 around (1, 1), unit spread: they overlap a little.
  xg::manual_seed(0);
  xg::Tensor centers = xg::cat({xg::full({per_class, 2}, -1.0), xg::full({per_class, 2}, 1.0)});
  xg::Tensor x = centers + xg::randn({2 * per_class, 2});
  xg::Tensor y = xg::cat({xg::zeros({per_class, 1}), xg::ones({per_class, 1})});

  const Result right = train(x, y, steps, lr, false);
  const Result wrong = train(x, y, steps, lr, true);
  std::printf("logits into BCEWithLogitsLoss:                   true loss %.4f, accuracy %.3f, line %.3f x + %.3f y + %.3f = 0\n",
              right.true_loss, right.accuracy, right.w0, right.w1, right.b);
  std::printf("probabilities into BCEWithLogitsLoss (pitfall): true loss %.4f, accuracy %.3f\n", wrong.true_loss,
              wrong.accuracy);

  // Points and the decision line w0 x + w1 y + b = 0 across the plotted range.
  std::vector<double> px = x.select(1, 0).to_vector<double>(), py = x.select(1, 1).to_vector<double>();
  std::vector<double> label = y.reshape({-1}).to_vector<double>();
  example::write_csv(out + "/points.csv", {"x", "y", "label"}, {px, py, label});
  std::vector<double> lx{-4.5, 4.5}, ly, wy;
  for (double v : lx) {
    ly.push_back(-(right.w0 * v + right.b) / right.w1);
    wy.push_back(-(wrong.w0 * v + wrong.b) / wrong.w1);
  }
  example::write_csv(out + "/line.csv", {"x", "logits", "pitfall"}, {lx, ly, wy});
  example::plot(out + "/logistic_regression.png",
                "set title 'Logistic regression: decision lines over two blobs'\nset key top left opaque box\nset xrange [-4.5:4.5]\n"
                "set yrange [-4.5:4.5]\nset size ratio -1\n"
                "plot 'points.csv' using 1:($3 == 0 ? $2 : 1/0) with points pt 7 ps 0.6 title 'class 0', "
                "'points.csv' using 1:($3 == 1 ? $2 : 1/0) with points pt 7 ps 0.6 title 'class 1', "
                "'line.csv' using 1:2 with lines lw 2 title 'logits into BCEWithLogitsLoss', "
                "'line.csv' using 1:3 with lines lw 2 dt 2 title 'probabilities into it (pitfall)'");

  const bool accurate = right.accuracy > 0.85;
  const bool pitfall_worse = wrong.true_loss > right.true_loss + 0.01;
  std::printf("checks: accuracy above 0.85 %s, the pitfall ends with a higher true loss %s\n", accurate ? "yes" : "NO",
              pitfall_worse ? "yes" : "NO");
  return accurate && pitfall_worse ? 0 : 1;
}

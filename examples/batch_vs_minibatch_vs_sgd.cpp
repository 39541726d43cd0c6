// Full-batch, mini-batch and single-example gradient descent on the same line fit (y = 2x + 1 + noise):
// loss against examples processed, and the (w, b) paths over the contours of the loss bowl.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <xgrad.hpp>

#include "support.hpp"

namespace xg = xgrad;

struct Path {
  std::vector<double> seen, loss, w, b;
};

int main(int argc, char** argv) {
  double lr = 0.1;
  int epochs = 10;
  size_t mini = 16;
  std::string out = "out/batch_vs_minibatch_vs_sgd";
  CLI::App app{"Batch vs mini-batch vs stochastic gradient descent"};
  app.add_option("--lr", lr, "learning rate")->capture_default_str();
  app.add_option("--epochs", epochs, "passes over the data")->capture_default_str();
  app.add_option("--batch-size", mini, "mini-batch size")->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  xg::manual_seed(1);
  const int64_t n = 200;
  xg::Tensor x = xg::randn({n, 1});
  xg::Tensor y = 2.0 * x + 1.0 + 0.5 * xg::randn({n, 1});
  auto dataset = std::make_shared<xg::data::TensorDataset>(x, y);
  auto full_loss = [&](double w, double b) { return (x * w + b - y).pow(2).mean().item(); };

  std::vector<std::pair<std::string, size_t>> settings = {{"batch", n}, {"minibatch", mini}, {"sgd", 1}};
  std::vector<Path> paths;
  for (auto& [name, batch_size] : settings) {
    xg::Tensor w = xg::scalar_tensor(-2.0, xg::requires_grad()), b = xg::scalar_tensor(-2.0, xg::requires_grad());
    xg::optim::SGD optimizer({w, b}, xg::optim::SGDOptions(lr));
    xg::data::DataLoader loader(dataset, xg::data::DataLoaderOptions().batch_size(batch_size).shuffle(true).seed(7));
    Path path;
    double seen = 0;
    path.seen.push_back(0);
    path.loss.push_back(full_loss(w.item(), b.item()));
    path.w.push_back(w.item());
    path.b.push_back(b.item());
    for (int epoch = 0; epoch < epochs; ++epoch)
      for (auto& [batch_x, batch_y] : loader) {
        optimizer.zero_grad();
        (batch_x * w + b - batch_y).pow(2).mean().backward();
        optimizer.step();
        seen += static_cast<double>(batch_x.size(0));
        path.seen.push_back(seen);
        path.loss.push_back(full_loss(w.item(), b.item()));
        path.w.push_back(w.item());
        path.b.push_back(b.item());
      }
    std::printf("%-9s  %5zu steps  final loss %.4f  w = %.3f  b = %.3f\n", name.c_str(), path.w.size() - 1,
                path.loss.back(), path.w.back(), path.b.back());
    example::write_csv(out + "/" + name + ".csv", {"examples", "loss", "w", "b"}, {path.seen, path.loss, path.w, path.b});
    paths.push_back(path);
  }
  // After the same number of examples, more (noisier) steps got further down the bowl.
  bool smaller_batches_ahead = paths[1].loss.back() < paths[0].loss.back() && paths[2].loss.back() < paths[0].loss.back();
  std::printf("after the same %d epochs, mini-batch (%.4f) and single-example SGD (%.4f) are below full batch (%.4f): %s\n",
              epochs, paths[1].loss.back(), paths[2].loss.back(), paths[0].loss.back(), smaller_batches_ahead ? "yes" : "NO");

  // The loss surface on a grid (gnuplot reads rows separated by blank lines as a surface).
  {
    std::ofstream bowl(out + "/bowl.csv");
    for (int i = 0; i <= 40; ++i, bowl << "\n")
      for (int j = 0; j <= 40; ++j) {
        double w = -3 + 0.15 * i, b = -3 + 0.15 * j;
        bowl << w << "," << b << "," << full_loss(w, b) << "\n";
      }
  }
  example::plot(out + "/loss.png",
                "set xlabel 'examples processed'; set ylabel 'full-data MSE'; set logscale y\n"
                "plot 'batch.csv' using 1:2 with linespoints title 'batch', 'minibatch.csv' using 1:2 with lines "
                "title 'mini-batch', 'sgd.csv' using 1:2 with lines title 'single example'");
  example::plot(out + "/paths.png",
                "set key noautotitle; set view map; set contour base; unset clabel\n"
                "set cntrparam levels discrete 0.3,0.4,0.6,1,1.5,2.5,4,6,9,14,20\n"
                "set xlabel 'w'; set ylabel 'b'; set xrange [-3:3]; set yrange [-3:3]\n"
                "splot 'bowl.csv' using 1:2:3 with lines lc 'gray' nosurface, "
                "'sgd.csv' using 3:4:(0) with lines nocontours title 'single example', "
                "'minibatch.csv' using 3:4:(0) with linespoints pt 7 ps 0.4 nocontours title 'mini-batch', "
                "'batch.csv' using 3:4:(0) with linespoints pt 7 nocontours title 'batch', "
                "'batch.csv' every ::0::0 using (2):(1):(0) with points pt 3 ps 2 nocontours title 'true (2, 1)'");
  return 0;
}

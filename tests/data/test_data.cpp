// Datasets, the shuffling DataLoader, random_split and CSV loading.
#include <cstdio>
#include <fstream>
#include <set>

#include "helpers.hpp"

namespace data = xg::data;

namespace {
std::shared_ptr<data::TensorDataset> numbered(int64_t n) {
  xg::Tensor x = xg::arange(0, static_cast<double>(n)).reshape({n, 1});
  return std::make_shared<data::TensorDataset>(x, x * 10.0);
}

std::vector<int> epoch(data::DataLoader& loader) {
  std::vector<int> seen;
  for (auto& [x, y] : loader) {
    REQUIRE(x.dim() == 2);
    for (float v : x.to_vector<float>()) seen.push_back(static_cast<int>(v));
    check_values(y, [&] {
      std::vector<double> expected;
      for (float v : x.to_vector<float>()) expected.push_back(10.0 * v);
      return expected;
    }());
  }
  return seen;
}

// A user-defined dataset: example i is ([i, i], [2 i]).
struct Pairs : data::Dataset {
  size_t size() const override { return 5; }
  data::Example get(size_t i) const override {
    double v = static_cast<double>(i);
    return {xg::tensor({v, v}), xg::tensor({2.0 * v})};
  }
};

std::string write_file(const char* name, const std::string& text) {
  std::string path = std::string("/tmp/xgrad_test_") + name;
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST_CASE("unshuffled loader: order, sizes, last partial batch, drop_last") {
  auto dataset = numbered(10);
  data::DataLoader loader(dataset, data::DataLoaderOptions().batch_size(4));
  CHECK(loader.size() == 3);
  CHECK(epoch(loader) == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  std::vector<int64_t> sizes;
  for (auto& batch : loader) sizes.push_back(batch.data.size(0));
  CHECK(sizes == std::vector<int64_t>{4, 4, 2});
  data::DataLoader dropping(dataset, data::DataLoaderOptions().batch_size(4).drop_last(true));
  CHECK(dropping.size() == 2);
  CHECK(epoch(dropping).size() == 8);
}

TEST_CASE("shuffled loader covers every example once per epoch and reshuffles between epochs") {
  auto dataset = numbered(50);
  data::DataLoader loader(dataset, data::DataLoaderOptions().batch_size(8).shuffle(true).seed(1));
  std::vector<int> first = epoch(loader), second = epoch(loader);
  CHECK(std::set<int>(first.begin(), first.end()).size() == 50);
  CHECK(first.size() == 50);
  CHECK(std::set<int>(second.begin(), second.end()).size() == 50);
  CHECK(first != second);
  data::DataLoader same(dataset, data::DataLoaderOptions().batch_size(8).shuffle(true).seed(1));
  CHECK(epoch(same) == first);
  // Without a seed, the order follows xg::manual_seed.
  xg::manual_seed(5);
  data::DataLoader a(dataset, data::DataLoaderOptions().batch_size(8).shuffle(true));
  xg::manual_seed(5);
  data::DataLoader b(dataset, data::DataLoaderOptions().batch_size(8).shuffle(true));
  CHECK(epoch(a) == epoch(b));
}

TEST_CASE("a user-defined dataset is batched by stacking, and shape disagreements are reported") {
  Pairs pairs;
  data::DataLoader loader(pairs, data::DataLoaderOptions().batch_size(2));
  std::vector<xg::Shape> shapes;
  for (auto& [x, y] : loader) shapes.push_back(x.shape());
  CHECK(shapes == std::vector<xg::Shape>{{2, 2}, {2, 2}, {1, 2}});
  struct Ragged : Pairs {
    data::Example get(size_t i) const override { return {xg::zeros({static_cast<int64_t>(i) + 1}), xg::zeros({1})}; }
  } ragged;
  data::DataLoader bad(ragged, data::DataLoaderOptions().batch_size(3));
  CHECK_THROWS_AS(bad.begin(), std::invalid_argument);
}

TEST_CASE("loader and dataset errors") {
  CHECK_THROWS_AS(data::DataLoader(numbered(3), data::DataLoaderOptions().batch_size(0)), std::invalid_argument);
  CHECK_THROWS_AS(data::DataLoader(numbered(0), data::DataLoaderOptions().drop_last(true)), std::invalid_argument);
  CHECK_THROWS_AS(data::TensorDataset(xg::zeros({3, 2}), xg::zeros({4})), std::invalid_argument);
  data::DataLoader empty(numbered(0));
  CHECK(empty.size() == 0);
  CHECK(epoch(empty).empty());
}

TEST_CASE("random_split: sizes, disjoint, reproducible") {
  auto dataset = numbered(20);
  auto parts = data::random_split(dataset, {12, 5, 3}, 7);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0]->size() == 12);
  CHECK(parts[2]->size() == 3);
  std::set<int> all;
  for (auto& part : parts) {
    data::DataLoader loader(part, data::DataLoaderOptions().batch_size(4));
    for (int v : epoch(loader)) CHECK(all.insert(v).second);
  }
  CHECK(all.size() == 20);
  auto again = data::random_split(dataset, {12, 5, 3}, 7);
  CHECK(again[1]->get(0).data.item() == parts[1]->get(0).data.item());
  CHECK_THROWS_AS(data::random_split(dataset, {10, 5}, 1), std::invalid_argument);
}

TEST_CASE("CSVDataset: happy path and each bad input names the file, line and column") {
  std::string good = write_file("good.csv", "a, b ,y\n1,2,3\n4,5.5,-6e-1\n\n");
  data::CSVDataset csv(good, {"y"});
  CHECK(csv.size() == 2);
  CHECK(csv.feature_columns() == std::vector<std::string>{"a", "b"});
  check_values(csv.data(), {1, 2, 4, 5.5});
  check_values(csv.targets(), {3, -0.6});
  CHECK(csv.data().dtype() == xg::kFloat32);
  CHECK(data::CSVDataset(good, {"a", "y"}, xg::dtype(xg::kFloat64)).targets().shape() == xg::Shape{2, 2});

  CHECK_THROWS_WITH_AS(data::CSVDataset("/tmp/xgrad_no_such.csv", {"y"}), doctest::Contains("xgrad_no_such.csv"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(data::CSVDataset(good, {"z"}), doctest::Contains("no column named 'z'"), std::runtime_error);
  std::string word = write_file("word.csv", "a,y\n1,2\n3,abc\n");
  CHECK_THROWS_WITH_AS(data::CSVDataset(word, {"y"}), doctest::Contains("line 3: column 2 ('y') has non-numeric cell 'abc'"),
                       std::runtime_error);
  std::string suffix = write_file("suffix.csv", "a,y\n1.5abc,2\n");
  CHECK_THROWS_WITH_AS(data::CSVDataset(suffix, {"y"}), doctest::Contains("line 2: column 1"), std::runtime_error);
  std::string ragged = write_file("ragged.csv", "a,b,y\n1,2,3\n4,5\n");
  CHECK_THROWS_WITH_AS(data::CSVDataset(ragged, {"y"}), doctest::Contains("line 3: has 2 cells but the header has 3"),
                       std::runtime_error);
  std::string blank = write_file("blank.csv", "a,y\n1,\n");
  CHECK_THROWS_WITH_AS(data::CSVDataset(blank, {"y"}), doctest::Contains("line 2"), std::runtime_error);
  std::string empty = write_file("empty.csv", "");
  CHECK_THROWS_AS(data::CSVDataset(empty, {"y"}), std::runtime_error);
  for (const char* name : {"good.csv", "word.csv", "suffix.csv", "ragged.csv", "blank.csv", "empty.csv"})
    std::remove((std::string("/tmp/xgrad_test_") + name).c_str());
}

TEST_CASE("a loader-driven regression converges") {
  xg::manual_seed(0);
  xg::Tensor x = xg::randn({200, 3});
  xg::Tensor true_w = xg::tensor({2, -1, 0.5}, {3, 1});
  xg::Tensor y = xg::matmul(x, true_w) + 0.7;
  auto dataset = std::make_shared<data::TensorDataset>(x, y);
  data::DataLoader loader(dataset, data::DataLoaderOptions().batch_size(16).shuffle(true).seed(3));
  xg::nn::Linear model(3, 1);
  xg::optim::SGD sgd(model->parameters(), xg::optim::SGDOptions(0.1));
  for (int e = 0; e < 30; ++e)
    for (auto& [batch_x, batch_y] : loader) {
      sgd.zero_grad();
      xg::nn::functional::mse_loss(model(batch_x), batch_y).backward();
      sgd.step();
    }
  check_values(model->weight, {2, -1, 0.5}, 1e-3);
  check_values(model->bias, {0.7}, 1e-3);
}

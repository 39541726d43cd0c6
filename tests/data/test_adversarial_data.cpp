// Misuse of the data API, tried systematically: every bad option and dataset, random_split edge cases and
// hostile CSV files. Each must give a clear exception (or a correct result), never a crash, hang or a
// silently wrong value.
#include <unistd.h>

#include <chrono>
#include <clocale>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <type_traits>

#include "helpers.hpp"

namespace data = xg::data;

namespace {
// Unique per process: ctest runs test cases of this file in parallel processes.
std::string scratch(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("xgrad_adv_data_" + std::to_string(getpid()) + "_" + name)).string();
}

struct File {
  explicit File(const std::string& name, const std::string& text) : path(scratch(name)) {
    std::ofstream(path, std::ios::binary) << text;
  }
  ~File() { std::remove(path.c_str()); }
  std::string path;
};

data::TensorDataset rows(int64_t n) {
  xg::Tensor x = xg::arange(0, static_cast<double>(n)).reshape({n, 1});
  return data::TensorDataset(x, x * 10.0);
}

std::vector<float> firsts(data::DataLoader& loader) {
  std::vector<float> seen;
  for (auto& [x, y] : loader) {
    std::vector<float> xs = x.to_vector<float>(), ys = y.to_vector<float>();
    REQUIRE(xs.size() == ys.size());
    for (size_t i = 0; i < xs.size(); ++i) {
      CHECK(ys[i] == 10 * xs[i]);
      seen.push_back(xs[i]);
    }
  }
  return seen;
}

doctest::Contains contains(const std::string& text) { return doctest::Contains(text.c_str()); }

// Does DataLoaderOptions::batch_size(T) compile?
template <class T, class = void>
struct AcceptsBatchSize : std::false_type {};
template <class T>
struct AcceptsBatchSize<T, std::void_t<decltype(data::DataLoaderOptions().batch_size(std::declval<T>()))>>
    : std::true_type {};
}  // namespace

TEST_CASE("batch_size: non-positive values throw where they are set; every integer type compiles") {
  static_assert(AcceptsBatchSize<int>::value && AcceptsBatchSize<size_t>::value && AcceptsBatchSize<int64_t>::value &&
                AcceptsBatchSize<unsigned>::value && AcceptsBatchSize<short>::value);
  static_assert(!AcceptsBatchSize<double>::value && !AcceptsBatchSize<bool>::value,
                "a fractional or boolean batch size is a mistake, not a conversion");
  CHECK_THROWS_WITH_AS(data::DataLoaderOptions().batch_size(-1), doctest::Contains("batch_size: must be at least 1, got -1"),
                       std::invalid_argument);
  CHECK_THROWS_AS(data::DataLoaderOptions().batch_size(0), std::invalid_argument);
  CHECK_THROWS_AS(data::DataLoaderOptions().batch_size(size_t{0}), std::invalid_argument);
  CHECK_THROWS_AS(data::DataLoaderOptions().batch_size(std::numeric_limits<int>::min()), std::invalid_argument);
  CHECK_THROWS_AS(data::DataLoaderOptions().batch_size(int64_t{-5}), std::invalid_argument);
  CHECK(data::DataLoaderOptions().batch_size(32).batch_size() == 32);
  CHECK(data::DataLoaderOptions().batch_size(size_t{7}).batch_size() == 7);
  CHECK(data::DataLoaderOptions().batch_size(int64_t{3}).batch_size() == 3);
  CHECK(data::DataLoaderOptions().batch_size(short{2}).batch_size() == 2);

  // A batch size beyond the dataset gives one batch, even the largest size_t (whose rounding-up wrapped to 0).
  auto dataset = std::make_shared<data::TensorDataset>(rows(5));
  for (size_t huge : {size_t{6}, size_t{1} << 40, std::numeric_limits<size_t>::max()}) {
    data::DataLoader loader(dataset, data::DataLoaderOptions().batch_size(huge));
    CHECK(loader.size() == 1);
    CHECK(firsts(loader) == std::vector<float>{0, 1, 2, 3, 4});
  }
  CHECK_THROWS_WITH_AS(data::DataLoader(dataset, data::DataLoaderOptions().batch_size(6).drop_last(true)),
                       doctest::Contains("yields no batch"), std::invalid_argument);
  data::DataLoader max_drop(dataset, data::DataLoaderOptions().batch_size(5).drop_last(true));
  CHECK(max_drop.size() == 1);
  // Seeds are arbitrary bits: a "negative" seed is fine and reproducible.
  data::DataLoader a(dataset, data::DataLoaderOptions().shuffle(true).seed(static_cast<uint64_t>(-1)).batch_size(2));
  data::DataLoader b(dataset, data::DataLoaderOptions().shuffle(true).seed(static_cast<uint64_t>(-1)).batch_size(2));
  CHECK(firsts(a) == firsts(b));
}

TEST_CASE("a temporary dataset is owned by the loader; a named one is borrowed") {
  xg::Tensor x = xg::arange(0, 6).reshape({6, 1});
  // Used to bind the temporary to `const Dataset&` and read it after it was destroyed (ASan: use after scope).
  data::DataLoader owning(data::TensorDataset(x, x * 10.0), data::DataLoaderOptions().batch_size(4));
  CHECK(firsts(owning) == std::vector<float>{0, 1, 2, 3, 4, 5});
  CHECK(owning.dataset().size() == 6);
  const data::TensorDataset named(x, x * 10.0);
  data::DataLoader borrowing(named, data::DataLoaderOptions().batch_size(4));
  CHECK(&borrowing.dataset() == &named);
  data::DataLoader from_const_rvalue(std::move(named));
  CHECK(&from_const_rvalue.dataset() != &named);
  CHECK(firsts(from_const_rvalue).size() == 6);
  // A temporary CSV dataset too.
  File csv("owned.csv", "a,y\n1,10\n2,20\n");
  data::DataLoader from_csv(data::CSVDataset(csv.path, {"y"}));
  CHECK(firsts(from_csv) == std::vector<float>{1, 2});
  // A loader returned from a function keeps its dataset alive.
  auto make = [&] { return data::DataLoader(data::TensorDataset(x, x * 10.0), data::DataLoaderOptions().batch_size(6)); };
  data::DataLoader returned = make();
  CHECK(firsts(returned).size() == 6);
}

TEST_CASE("TensorDataset: undefined, 0-d, empty and mismatched tensors") {
  CHECK_THROWS_WITH_AS(data::TensorDataset(xg::Tensor(), xg::zeros({3})), doctest::Contains("the data tensor is undefined"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(data::TensorDataset(xg::zeros({3}), xg::Tensor()),
                       doctest::Contains("the targets tensor is undefined"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(data::TensorDataset(xg::scalar_tensor(1), xg::zeros({1})), doctest::Contains("data tensor is 0-d"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(data::TensorDataset(xg::zeros({1}), xg::scalar_tensor(1)),
                       doctest::Contains("targets tensor is 0-d"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(data::TensorDataset(xg::zeros({3, 2}), xg::zeros({4})),
                       doctest::Contains("data has 3 rows (shape [3, 2]) but targets have 4 (shape [4])"),
                       std::invalid_argument);
  // No examples: a loader yields no batch, shuffled or not.
  data::TensorDataset none(xg::zeros({0, 3}), xg::zeros({0}));
  CHECK(none.size() == 0);
  for (bool shuffle : {false, true}) {
    data::DataLoader loader(none, data::DataLoaderOptions().shuffle(shuffle).batch_size(4));
    CHECK(loader.size() == 0);
    CHECK(loader.begin() == loader.end());
  }
  CHECK_THROWS_AS(data::DataLoader(none, data::DataLoaderOptions().drop_last(true)), std::invalid_argument);
  // Examples with no features batch to [b, 0].
  data::TensorDataset featureless(xg::zeros({5, 0}), xg::zeros({5}));
  data::DataLoader loader(featureless, data::DataLoaderOptions().batch_size(2));
  std::vector<xg::Shape> shapes;
  for (auto& [bx, by] : loader) shapes.push_back(bx.shape());
  CHECK(shapes == std::vector<xg::Shape>{{2, 0}, {2, 0}, {1, 0}});
  // Out-of-range indices name the index and the size.
  data::TensorDataset three = rows(3);
  CHECK_THROWS_WITH_AS(three.get(3), doctest::Contains("index 3 out of range for 3 examples"), std::out_of_range);
  CHECK_THROWS_WITH_AS(three.get_batch({0, 7}), doctest::Contains("index 7 out of range for 3 examples"), std::out_of_range);
  CHECK(three.get_batch({}).data.shape() == xg::Shape{0, 1});
}

TEST_CASE("user-defined datasets that misbehave are reported, not crashed on") {
  struct Undefined : data::Dataset {
    size_t size() const override { return 3; }
    data::Example get(size_t i) const override { return {i == 1 ? xg::Tensor() : xg::zeros({2}), xg::zeros({1})}; }
  } undefined;
  data::DataLoader loader(undefined, data::DataLoaderOptions().batch_size(3));
  CHECK_THROWS_WITH_AS(loader.begin(), doctest::Contains("example 1 has an undefined data tensor"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(undefined.get_batch({}), doctest::Contains("no indices"), std::invalid_argument);

  struct Enormous : data::Dataset {
    size_t size() const override { return std::numeric_limits<size_t>::max(); }
    data::Example get(size_t) const override { return {xg::zeros({1}), xg::zeros({1})}; }
  } enormous;
  CHECK_THROWS_WITH_AS(data::DataLoader(enormous, {}), doctest::Contains("more than can be indexed"), std::invalid_argument);

  // A dataset that grows between epochs is re-indexed; one that throws passes its exception through.
  struct Growing : data::Dataset {
    mutable size_t n = 2;
    size_t size() const override { return n; }
    data::Example get(size_t i) const override {
      if (i >= n) throw std::out_of_range("Growing: index");
      return {xg::full({1}, static_cast<double>(i)), xg::full({1}, 10.0 * static_cast<double>(i))};
    }
  } growing;
  data::DataLoader grows(growing, data::DataLoaderOptions().batch_size(2));
  CHECK(firsts(grows).size() == 2);
  growing.n = 5;
  CHECK(firsts(grows) == std::vector<float>{0, 1, 2, 3, 4});
  CHECK_THROWS_AS(data::DataLoader(std::shared_ptr<const data::Dataset>()), std::invalid_argument);
}

TEST_CASE("random_split: zero lengths, empty list, overflowing and wrong sums, nested splits") {
  auto dataset = std::make_shared<data::TensorDataset>(rows(5));
  auto parts = data::random_split(dataset, {0, 5, 0}, 1);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0]->size() == 0);
  CHECK(parts[1]->size() == 5);
  CHECK(parts[2]->size() == 0);
  data::DataLoader empty_part(parts[0]);
  CHECK(empty_part.size() == 0);
  CHECK(data::random_split(std::make_shared<data::TensorDataset>(rows(0)), {}, 1).empty());
  CHECK(data::random_split(std::make_shared<data::TensorDataset>(rows(0)), {0, 0}, 1).size() == 2);
  CHECK_THROWS_WITH_AS(data::random_split(dataset, {}, 1), doctest::Contains("lengths add up to 0 but the dataset has 5"),
                       std::invalid_argument);
  // {SIZE_MAX, 6} wraps to 5; {-1 as size_t, 6} is the same mistake.
  const size_t max = std::numeric_limits<size_t>::max();
  CHECK_THROWS_WITH_AS(data::random_split(dataset, {max, 6}, 1), doctest::Contains("overflow"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(data::random_split(dataset, {static_cast<size_t>(-1), 3, 3}, 1), doctest::Contains("overflow"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(data::random_split(dataset, {max / 2 + 1, max / 2 + 1, 5}, 1), doctest::Contains("overflow"),
                       std::invalid_argument);
  CHECK_THROWS_AS(data::random_split(dataset, {3, 3}, 1), std::invalid_argument);
  CHECK_THROWS_AS(data::random_split(nullptr, {1}, 1), std::invalid_argument);
  // A subset's own indices are checked; a subset of a subset still maps to the right rows.
  auto halves = data::random_split(dataset, {2, 3}, 9);
  CHECK_THROWS_WITH_AS(halves[0]->get(2), doctest::Contains("index 2 out of range for 2 examples"), std::out_of_range);
  CHECK_THROWS_AS(halves[0]->get_batch({0, 5}), std::out_of_range);
  auto quarters = data::random_split(halves[1], {1, 2}, 4);
  std::set<float> seen;
  for (auto& part : quarters) {
    data::DataLoader loader(part);
    for (float v : firsts(loader)) seen.insert(v);
  }
  std::set<float> expected;
  for (size_t i = 0; i < 3; ++i) expected.insert(halves[1]->get(i).data.item<float>());
  CHECK(seen == expected);
}

TEST_CASE("CSV: BOM, CRLF, blank lines and spacing are tolerated") {
  File bom("bom.csv", "\xEF\xBB\xBF" "a,y\r\n1,2\r\n\r\n 3 ,\t4\r\n");
  data::CSVDataset csv(bom.path, {"a"});
  CHECK(csv.feature_columns() == std::vector<std::string>{"y"});
  check_values(csv.targets(), {1, 3});
  check_values(csv.data(), {2, 4});
  // A BOM before a blank first line, then the header.
  File bom_blank("bom_blank.csv", "\xEF\xBB\xBF\n\nx,y\n5,6\n");
  CHECK(data::CSVDataset(bom_blank.path, {"y"}).feature_columns() == std::vector<std::string>{"x"});
  // A BOM is only stripped at the start of the file.
  File inner("inner_bom.csv", "a,y\n\xEF\xBB\xBF" "1,2\n");
  CHECK_THROWS_WITH_AS(data::CSVDataset(inner.path, {"y"}), doctest::Contains("line 2: column 1 ('a') has non-numeric"),
                       std::runtime_error);
  // Targets come in the order asked for, not the file's.
  File order("order.csv", "a,b,y\n1,2,3\n");
  data::CSVDataset reordered(order.path, {"y", "a"});
  check_values(reordered.targets(), {3, 1});
  check_values(reordered.data(), {2});
  // Only targets, no features: x is [N, 0].
  File only("only_target.csv", "y\n1\n2\n");
  data::CSVDataset targets_only(only.path, {"y"});
  CHECK(targets_only.data().shape() == xg::Shape{2, 0});
  check_values(targets_only.targets(), {1, 2});
}

TEST_CASE("CSV: underflow reads as tiny or zero like numpy; overflow is an out-of-range error naming the cell") {
  File small("small.csv", "a,y\n1e-310,1e-400\n-1e-400,2.4703282292062327e-324\n");
  data::CSVDataset tiny(small.path, {"y"}, xg::dtype(xg::kFloat64));
  std::vector<double> a = tiny.data().to_vector<double>(), y = tiny.targets().to_vector<double>();
  CHECK(a[0] == 1e-310);  // subnormal, kept exactly
  CHECK(a[1] == 0.0);
  CHECK(y[0] == 0.0);
  CHECK(y[1] == 0.0);
  CHECK(data::CSVDataset(small.path, {"y"}).data().to_vector<float>()[0] == 0.0f);  // float32 underflows too

  for (const char* cell : {"1e400", "-1e400", "1e999999999999"}) {
    File big("big.csv", std::string("a,y\n1,2\n3,") + cell + "\n");
    CHECK_THROWS_WITH_AS(data::CSVDataset(big.path, {"y"}, xg::dtype(xg::kFloat64)),
                         contains(big.path + "' line 3: column 2 ('y') value '" + cell + "' is out of range"),
                         std::runtime_error);
  }
  // Finite as a double but not as a float32: refused for float32 rather than read as inf.
  File f32("f32.csv", "a,y\n1e39,2\n");
  CHECK_THROWS_WITH_AS(data::CSVDataset(f32.path, {"y"}), doctest::Contains("line 2: column 1 ('a') value '1e39' is out of range for float32"),
                       std::runtime_error);
  CHECK(data::CSVDataset(f32.path, {"y"}, xg::dtype(xg::kFloat64)).data().item() == 1e39);
  // Explicit infinities and NaNs are values, as in numpy.
  File special("special.csv", "a,y\ninf,-inf\nnan,+1.5\n");
  std::vector<float> s = data::CSVDataset(special.path, {"y"}).targets().to_vector<float>();
  CHECK(std::isinf(s[0]));
  CHECK(s[1] == 1.5f);
}

TEST_CASE("CSV: numbers are read in the C locale whatever the program set") {
  const char* german = std::setlocale(LC_NUMERIC, "de_DE.UTF-8");
  if (!german) german = std::setlocale(LC_NUMERIC, "de_DE.utf8");
  if (!german) {
    MESSAGE("no German locale installed; the locale-independence check is skipped");
    return;
  }
  File dotted("dotted.csv", "a,y\n1.5,2.25\n");
  data::CSVDataset csv(dotted.path, {"y"});
  std::setlocale(LC_NUMERIC, "C");
  check_values(csv.data(), {1.5});
  check_values(csv.targets(), {2.25});
}

TEST_CASE("CSV: every malformed input names the file, line and column") {
  auto rejects = [](const std::string& text, const std::vector<std::string>& targets, const std::string& message) {
    File file("bad.csv", text);
    CHECK_THROWS_WITH_AS(data::CSVDataset(file.path, targets), contains(message), std::runtime_error);
  };
  rejects("a,y\n1,\n", {"y"}, "line 2: column 2 ('y') is empty");
  rejects("a,y\n,1\n", {"y"}, "line 2: column 1 ('a') is empty");
  rejects("a,y\n1,2\n3,abc\n", {"y"}, "line 3: column 2 ('y') has non-numeric cell 'abc'");
  rejects("a,y\n1,0x1A\n", {"y"}, "has non-numeric cell '0x1A'");
  rejects("a,y\n1,nan(1)\n", {"y"}, "has non-numeric cell 'nan(1)'");
  rejects("a,y\n1,2 3\n", {"y"}, "has non-numeric cell '2 3'");
  rejects("a,y\n1,--2\n", {"y"}, "non-numeric");
  rejects("a,y\n1,\"2\"\n", {"y"}, "non-numeric");
  rejects("a,y\n1,2\n3\n", {"y"}, "line 3: has 1 cells but the header has 2");
  rejects("a,y\n1,2,\n", {"y"}, "line 2: has 3 cells but the header has 2");
  rejects("a,y\n", {"y"}, "no data rows after the header");
  rejects("a,y\n\n  \n", {"y"}, "no data rows after the header");
  rejects("", {"y"}, "the file is empty");
  rejects(" \n\t\n", {"y"}, "the file is empty");
  rejects("\xEF\xBB\xBF", {"y"}, "the file is empty");
  rejects("a,y,a\n1,2,3\n", {"y"}, "column name 'a' appears twice (columns 1 and 3)");
  rejects("a,,y\n1,2,3\n", {"y"}, "column 2 has an empty name");
  rejects("a,y\n1,2\n", {"y", "y"}, "target column 'y' is listed twice");
  rejects("a,y\n1,2\n", {"z"}, "no column named 'z'");
  rejects("a,y\n1,2\n", {}, "no target column given");
  rejects(std::string("a,y\n1,2\0" "3\n", 10), {"y"}, "line 2: column 2 ('y') has non-numeric");
}

TEST_CASE("CSV: a directory, a missing file and an unreadable path are reported as such") {
  std::string dir = scratch("dir.csv");
  std::filesystem::create_directory(dir);
  CHECK_THROWS_WITH_AS(data::CSVDataset(dir, {"y"}), contains("'" + dir + "': is a directory"), std::runtime_error);
  std::filesystem::remove(dir);
  CHECK_THROWS_WITH_AS(data::CSVDataset(scratch("missing.csv"), {"y"}), doctest::Contains("cannot open the file"),
                       std::runtime_error);
  CHECK_THROWS_AS(data::CSVDataset("", {"y"}), std::runtime_error);
}

TEST_CASE("CSV: tens of thousands of columns load quickly (the duplicate check is hashed)") {
  const int columns = 60000;
  std::string header, row, duplicated;
  for (int c = 0; c < columns; ++c) {
    std::string name = "c" + std::to_string(c);
    header += name + ",";
    row += std::to_string(c % 7) + ",";
  }
  File wide("wide.csv", header + "y\n" + row + "1\n" + row + "2\n");
  auto start = std::chrono::steady_clock::now();
  data::CSVDataset csv(wide.path, {"y", "c59999"});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(csv.data().shape() == xg::Shape{2, columns - 1});
  check_values(csv.targets(), {1, 59999 % 7, 2, 59999 % 7});  // in the order asked for, not the file's
  CHECK(seconds < 2.0);  // the quadratic check took 31 s
  // The duplicate is found and named, quickly, even at the very end.
  File dup("wide_dup.csv", header + "c0\n" + row + "1\n");
  start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH_AS(data::CSVDataset(dup.path, {"c0"}),
                       doctest::Contains("column name 'c0' appears twice (columns 1 and 60001)"), std::runtime_error);
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 2.0);
}

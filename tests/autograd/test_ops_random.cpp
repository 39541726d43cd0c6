// Random sampling (ops_random.cpp): ranges, dtypes and shapes as PyTorch's; the distributions checked with
// many samples (means and variances within 5 standard errors: the seed is fixed, so these never flake);
// reproducibility for a seed; PyTorch's errors. xgrad's generator is not PyTorch's, so no values are compared
// with torch's; the error cases and dtype rules were checked against torch 1.13 by hand.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "helpers.hpp"

namespace {
double mean_of(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}
double variance_of(const std::vector<double>& values) {
  const double mean = mean_of(values);
  double sum = 0;
  for (double v : values) sum += (v - mean) * (v - mean);
  return sum / static_cast<double>(values.size() - 1);
}
// |observed - expected| within 5 standard errors.
void check_near(double observed, double expected, double standard_error) {
  CAPTURE(observed);
  CAPTURE(expected);
  CHECK(std::abs(observed - expected) <= 5 * standard_error);
}
// How often each category shows up among `count` draws, against its probability.
void check_frequencies(const std::map<int64_t, int64_t>& counts, const std::vector<double>& probabilities, int64_t count) {
  for (size_t k = 0; k < probabilities.size(); ++k) {
    CAPTURE(k);
    const double p = probabilities[k];
    auto found = counts.find(static_cast<int64_t>(k));
    const double seen = found == counts.end() ? 0.0 : static_cast<double>(found->second);
    check_near(seen / static_cast<double>(count), p, std::sqrt(p * (1 - p) / static_cast<double>(count)));
  }
}
std::map<int64_t, int64_t> histogram(const std::vector<int64_t>& values) {
  std::map<int64_t, int64_t> counts;
  for (int64_t v : values) counts[v] += 1;
  return counts;
}
}  // namespace

TEST_CASE("manual_seed reproduces every sampler bit for bit, and another seed gives other values") {
  auto draw_all = [] {
    std::vector<double> values;
    auto append = [&values](const xg::Tensor& t) {
      std::vector<double> v = t.to_vector<double>();
      values.insert(values.end(), v.begin(), v.end());
    };
    append(xg::randint(-5, 100, {50}));
    append(xg::randint(7, {20}, xg::kInt32));
    append(xg::randperm(40));
    append(xg::bernoulli(xg::full({30}, 0.5, xg::kFloat64)));
    append(xg::bernoulli(xg::zeros({30}), 0.3));
    append(xg::multinomial(xg::tensor({0.1, 0.6, 0.3}), 20, true));
    append(xg::multinomial(xg::tensor({0.1, 0.6, 0.3, 0.2, 0.5}), 4));
    append(xg::empty({30}, xg::kFloat64).normal_(1, 2));
    append(xg::empty({30}).uniform_(-1, 3));
    append(xg::empty({30}, xg::kInt64).random_(-9, 9));
    append(xg::empty({30}, xg::kFloat64).bernoulli_(0.7));
    append(xg::empty({30}).bernoulli_(xg::full({30}, 0.2)));
    return values;
  };
  xg::manual_seed(2024);
  const std::vector<double> first = draw_all();
  xg::manual_seed(2024);
  const std::vector<double> second = draw_all();
  CHECK(first == second);
  xg::manual_seed(2025);
  CHECK(draw_all() != first);
}

TEST_CASE("the generator is per thread: a thread seeded alike draws alike") {
  xg::manual_seed(11);
  const std::vector<int64_t> here = xg::randint(0, 1000, {64}).to_vector<int64_t>();
  std::vector<int64_t> there;
  std::thread worker([&there] {
    xg::manual_seed(11);
    there = xg::randint(0, 1000, {64}).to_vector<int64_t>();
  });
  worker.join();
  CHECK(here == there);
}

TEST_CASE("randint: low to high - 1, int64 by default, every value equally likely") {
  xg::manual_seed(1);
  xg::Tensor draws = xg::randint(3, 13, {200, 500});
  CHECK(draws.dtype() == xg::kInt64);
  CHECK(draws.shape() == xg::Shape{200, 500});
  const std::vector<int64_t> values = draws.to_vector<int64_t>();
  CHECK(*std::min_element(values.begin(), values.end()) == 3);
  CHECK(*std::max_element(values.begin(), values.end()) == 12);
  std::map<int64_t, int64_t> counts = histogram(values);
  std::map<int64_t, int64_t> shifted;
  for (auto& [value, count] : counts) shifted[value - 3] = count;
  check_frequencies(shifted, std::vector<double>(10, 0.1), static_cast<int64_t>(values.size()));

  xg::Tensor small = xg::randint(4, {1000});  // [0, high)
  CHECK(small.dtype() == xg::kInt64);
  const std::vector<int64_t> small_values = small.to_vector<int64_t>();
  CHECK(std::set<int64_t>(small_values.begin(), small_values.end()) == std::set<int64_t>{0, 1, 2, 3});

  // Ranges wider than 2^32 and around negative numbers: uniform as well.
  const int64_t big = int64_t(1) << 62;
  std::vector<double> wide = xg::randint(-big, big, {20000}).to_vector<double>();
  const double half_width = static_cast<double>(big);
  check_near(mean_of(wide) / half_width, 0.0, std::sqrt(1.0 / 3.0 / 20000.0));
  check_near(variance_of(wide) / (half_width * half_width), 1.0 / 3.0, std::sqrt(4.0 / 45.0 / 20000.0));
  const std::vector<int64_t> negative = xg::randint(-5, -2, {300}).to_vector<int64_t>();
  CHECK(std::set<int64_t>(negative.begin(), negative.end()) == std::set<int64_t>{-5, -4, -3});

  // Other dtypes, as PyTorch: floating values are integers; bool takes [0, 2).
  xg::Tensor floats = xg::randint(-3, 3, {500}, xg::kFloat64);
  CHECK(floats.dtype() == xg::kFloat64);
  for (double v : floats.to_vector<double>()) CHECK((v == std::floor(v) && v >= -3 && v < 3));
  CHECK(xg::randint(0, 2, {50}, xg::kBool).dtype() == xg::kBool);
  CHECK(xg::randint(1, 2, {5}, xg::kBool).to_vector<bool>() == std::vector<bool>(5, true));
  CHECK(xg::randint(0, 5, {3}, xg::kInt32).dtype() == xg::kInt32);
  CHECK(xg::randint(0, 5, {3}, xg::dtype(xg::kFloat32).requires_grad(true)).requires_grad());
  CHECK(xg::randint(0, 5, {0, 3}).shape() == xg::Shape{0, 3});

  CHECK_THROWS_WITH_AS(xg::randint(5, 5, {3}), doctest::Contains("expects 'from' to be less than 'to', but got from=5 >= to=5"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::randint(0, int64_t(1) << 40, {3}, xg::kInt32), doctest::Contains("to - 1 is out of bounds for int32"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::randint(0, 3, {3}, xg::kBool), doctest::Contains("out of bounds for bool"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::randint(0, 3, {-1}), doctest::Contains("randint"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::randint(0, 3, {3}, xg::dtype(xg::kInt64).requires_grad(true)),
                       doctest::Contains("only tensors of floating point dtype can require gradients"), std::invalid_argument);
}

TEST_CASE("randperm: a permutation of 0..n-1, every order equally likely") {
  xg::manual_seed(2);
  xg::Tensor perm = xg::randperm(1000);
  CHECK(perm.dtype() == xg::kInt64);
  std::vector<int64_t> values = perm.to_vector<int64_t>();
  std::vector<int64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> identity(1000);
  for (int64_t i = 0; i < 1000; ++i) identity[i] = i;
  CHECK(sorted == identity);
  CHECK(values != identity);
  // All 6 orders of 3 elements, and where element 0 of 10 lands, are uniform.
  std::map<int64_t, int64_t> orders, landing;
  const int64_t rounds = 30000;
  for (int64_t r = 0; r < rounds; ++r) {
    std::vector<int64_t> p = xg::randperm(3).to_vector<int64_t>();
    orders[p[0] * 9 + p[1] * 3 + p[2]] += 1;
    std::vector<int64_t> q = xg::randperm(10).to_vector<int64_t>();
    landing[std::find(q.begin(), q.end(), 0) - q.begin()] += 1;
  }
  CHECK(orders.size() == 6);
  std::map<int64_t, int64_t> order_index;
  int64_t k = 0;
  for (auto& [code, count] : orders) order_index[k++] = count;
  check_frequencies(order_index, std::vector<double>(6, 1.0 / 6.0), rounds);
  check_frequencies(landing, std::vector<double>(10, 0.1), rounds);

  CHECK(xg::randperm(0).shape() == xg::Shape{0});
  CHECK(xg::randperm(1).to_vector<int64_t>() == std::vector<int64_t>{0});
  for (xg::Dtype dtype : {xg::kInt32, xg::kFloat32, xg::kFloat64}) {
    xg::Tensor typed = xg::randperm(50, dtype);
    CHECK(typed.dtype() == dtype);
    std::vector<double> v = typed.to_vector<double>();
    std::sort(v.begin(), v.end());
    for (int64_t i = 0; i < 50; ++i) CHECK(v[i] == static_cast<double>(i));
  }
  CHECK_THROWS_WITH_AS(xg::randperm(-1), doctest::Contains("non-negative"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::randperm(3, xg::kBool), doctest::Contains("bool"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::randperm((int64_t(1) << 24) + 2, xg::kFloat32), doctest::Contains("cannot be greater than 16777217"),
                       std::invalid_argument);
}

TEST_CASE("bernoulli: 1 with probability p, from a tensor or a number, and bernoulli_ in place") {
  xg::manual_seed(3);
  const std::vector<double> p = {0.0, 0.25, 0.5, 0.9, 1.0};
  const int64_t rows = 20000;
  xg::Tensor probabilities = xg::tensor(p, xg::kFloat64).expand({rows, 5});  // a strided input
  xg::Tensor draws = xg::bernoulli(probabilities);
  CHECK(draws.dtype() == xg::kFloat64);
  CHECK(draws.shape() == xg::Shape{rows, 5});
  xg::Tensor column_means = draws.mean({0});
  std::vector<double> means = column_means.to_vector<double>();
  for (size_t k = 0; k < p.size(); ++k) {
    CAPTURE(k);
    check_near(means[k], p[k], std::sqrt(p[k] * (1 - p[k]) / rows) + 1e-12);
  }
  CHECK(means[0] == 0.0);  // p = 0 and p = 1 are exact
  CHECK(means[4] == 1.0);
  for (double v : draws.to_vector<double>()) CHECK((v == 0.0 || v == 1.0));

  // bernoulli(x, p): x's shape and dtype, any dtype.
  xg::Tensor ints = xg::bernoulli(xg::zeros({40000}, xg::kInt64), 0.3);
  CHECK(ints.dtype() == xg::kInt64);
  check_near(mean_of(ints.to_vector<double>()), 0.3, std::sqrt(0.21 / 40000));
  CHECK(xg::bernoulli(xg::zeros({3}, xg::kBool), 1.0).to_vector<bool>() == std::vector<bool>(3, true));
  CHECK(xg::zeros({8}).bernoulli(0.0).to_vector<double>() == std::vector<double>(8, 0.0));
  // bernoulli(x, p tensor): p broadcast to x's shape.
  xg::Tensor broadcast = xg::bernoulli(xg::zeros({2, 3}), xg::tensor({0.0, 1.0, 0.0}));
  CHECK(broadcast.to_vector<double>() == std::vector<double>{0, 1, 0, 0, 1, 0});

  // In place, through views: only the view's elements change.
  xg::Tensor target = xg::full({3, 4}, 7.0);
  target.slice(1, 0, 2).bernoulli_(1.0);
  CHECK(target.to_vector<double>() == std::vector<double>{1, 1, 7, 7, 1, 1, 7, 7, 1, 1, 7, 7});
  xg::Tensor halves = xg::zeros({40000}, xg::kFloat64);
  halves.bernoulli_();  // p = 0.5
  check_near(mean_of(halves.to_vector<double>()), 0.5, std::sqrt(0.25 / 40000));
  xg::Tensor per_element = xg::zeros({20000, 2}, xg::kInt32);
  per_element.bernoulli_(xg::tensor({0.2, 0.7}, xg::kFloat64));
  CHECK(per_element.dtype() == xg::kInt32);
  std::vector<double> per_column = per_element.to(xg::kFloat64).mean({0}).to_vector<double>();
  check_near(per_column[0], 0.2, std::sqrt(0.16 / 20000));
  check_near(per_column[1], 0.7, std::sqrt(0.21 / 20000));

  // PyTorch's errors.
  CHECK_THROWS_WITH_AS(xg::bernoulli(xg::tensor({0.5, 1.5})), doctest::Contains("in [0, 1], but got 1.5"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::bernoulli(xg::tensor({NAN})), doctest::Contains("in [0, 1]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::bernoulli(xg::tensor({0, 1}, xg::kInt64)), doctest::Contains("int64"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::bernoulli(xg::zeros({3}), 1.5), doctest::Contains("expects p to be in [0, 1], but got p=1.5"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}).bernoulli_(-0.1), doctest::Contains("bernoulli_: expects p to be in [0, 1]"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}).bernoulli_(NAN), doctest::Contains("bernoulli_"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}).bernoulli_(xg::tensor({0.5, 2.0, 1.0})), doctest::Contains("but got 2"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}).bernoulli_(xg::tensor({{0.5, 0.5, 0.5}}).reshape({1, 3})),
                       doctest::Contains("cannot be broadcast to shape [3]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}).bernoulli_(xg::tensor({0, 1, 1}, xg::kInt64)), doctest::Contains("int64"),
                       std::invalid_argument);
}

TEST_CASE("normal_ and uniform_: moments, ranges, views and PyTorch's checks") {
  xg::manual_seed(4);
  const int64_t n = 200000;
  for (xg::Dtype dtype : {xg::kFloat32, xg::kFloat64}) {
    CAPTURE(xg::dtype_name(dtype));
    xg::Tensor normal = xg::empty({n}, dtype);
    CHECK(&normal.normal_(1.5, 2.0) == &normal);
    std::vector<double> values = normal.to_vector<double>();
    check_near(mean_of(values), 1.5, 2.0 / std::sqrt(double(n)));
    check_near(variance_of(values), 4.0, 4.0 * std::sqrt(2.0 / double(n)));
    std::vector<double> standard = xg::empty({n}, dtype).normal_().to_vector<double>();
    check_near(mean_of(standard), 0.0, 1.0 / std::sqrt(double(n)));
    check_near(variance_of(standard), 1.0, std::sqrt(2.0 / double(n)));

    xg::Tensor uniform = xg::empty({n}, dtype);
    uniform.uniform_(-2.0, 3.0);
    std::vector<double> u = uniform.to_vector<double>();
    CHECK(*std::min_element(u.begin(), u.end()) >= -2.0);
    CHECK(*std::max_element(u.begin(), u.end()) < 3.0);
    check_near(mean_of(u), 0.5, 5.0 / std::sqrt(12.0 * double(n)));
    check_near(variance_of(u), 25.0 / 12.0, 25.0 / std::sqrt(180.0 * double(n)));
    std::vector<double> unit = xg::empty({n}, dtype).uniform_().to_vector<double>();
    CHECK(*std::min_element(unit.begin(), unit.end()) >= 0.0);
    CHECK(*std::max_element(unit.begin(), unit.end()) < 1.0);
    check_near(mean_of(unit), 0.5, 1.0 / std::sqrt(12.0 * double(n)));
  }
  // Rounding to float32 never reaches `to`: [1, 1 + 1e-7) holds only 1.0 in float32.
  for (double v : xg::empty({1000}).uniform_(1.0, 1.0 + 1e-7).to_vector<double>()) CHECK(v < 1.0 + 1e-7);
  CHECK(xg::empty({4}).uniform_(2.0, 2.0).to_vector<double>() == std::vector<double>(4, 2.0));
  CHECK(xg::empty({4}).normal_(-3.0, 0.0).to_vector<double>() == std::vector<double>(4, -3.0));

  // Views: only their elements are filled.
  xg::Tensor grid = xg::full({4, 3}, 9.0, xg::kFloat64);
  grid.t()[1].normal_();
  grid.select(1, 2).uniform_(0.0, 0.5);
  std::vector<double> cells = grid.to_vector<double>();
  for (int64_t row = 0; row < 4; ++row) {
    CHECK(cells[row * 3] == 9.0);
    CHECK(cells[row * 3 + 1] != 9.0);
    CHECK((cells[row * 3 + 2] >= 0.0 && cells[row * 3 + 2] < 0.5));
  }

  CHECK_THROWS_WITH_AS(xg::zeros({3}).normal_(0, -1), doctest::Contains("normal_: expects std >= 0.0, but found std -1"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}).normal_(0, NAN), doctest::Contains("std >= 0.0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}, xg::kInt64).normal_(), doctest::Contains("int64"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}).uniform_(2, 1), doctest::Contains("[from, to) range, but found from=2 > to=1"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}).uniform_(NAN, 1), doctest::Contains("from is out of bounds for float32"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}).uniform_(0, INFINITY), doctest::Contains("to is out of bounds"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}).uniform_(-3e38, 3e38), doctest::Contains("to-from"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}, xg::kBool).uniform_(), doctest::Contains("bool"), std::invalid_argument);
}

TEST_CASE("random_: integers from `from` to `to` - 1, from 0, or up to the dtype's limit") {
  xg::manual_seed(5);
  xg::Tensor dice = xg::empty({30000}, xg::kInt64);
  dice.random_(1, 7);
  std::map<int64_t, int64_t> shifted;
  for (auto& [value, count] : histogram(dice.to_vector<int64_t>())) shifted[value - 1] = count;
  CHECK(shifted.size() == 6);
  check_frequencies(shifted, std::vector<double>(6, 1.0 / 6.0), 30000);
  std::vector<double> floats = xg::empty({1000}).random_(-3, 3).to_vector<double>();
  CHECK(std::set<double>(floats.begin(), floats.end()) == std::set<double>{-3, -2, -1, 0, 1, 2});
  std::vector<int64_t> below = xg::empty({1000}, xg::kInt32).random_(3).to_vector<int64_t>();
  CHECK(std::set<int64_t>(below.begin(), below.end()) == std::set<int64_t>{0, 1, 2});

  // No upper bound: [0, 2^mantissa] for floating types, [0, max] for integers, both values for bool.
  std::vector<double> f32 = xg::empty({20000}).random_().to_vector<double>();
  const double two24 = 16777216.0;
  CHECK(*std::min_element(f32.begin(), f32.end()) >= 0);
  CHECK(*std::max_element(f32.begin(), f32.end()) <= two24);
  check_near(mean_of(f32) / two24, 0.5, std::sqrt(1.0 / 12.0 / 20000));
  for (double v : f32) CHECK(v == std::floor(v));
  std::vector<double> f64 = xg::empty({20000}, xg::kFloat64).random_().to_vector<double>();
  check_near(mean_of(f64) / 9007199254740992.0, 0.5, std::sqrt(1.0 / 12.0 / 20000));
  std::vector<double> i32 = xg::empty({20000}, xg::kInt32).random_().to_vector<double>();
  CHECK(*std::min_element(i32.begin(), i32.end()) >= 0);
  check_near(mean_of(i32) / 2147483647.0, 0.5, std::sqrt(1.0 / 12.0 / 20000));
  std::vector<bool> flags = xg::empty({200}, xg::kBool).random_().to_vector<bool>();
  CHECK(std::count(flags.begin(), flags.end(), true) > 0);
  CHECK(std::count(flags.begin(), flags.end(), false) > 0);
  // from without to: up to the dtype's maximum; the whole int64 range.
  std::vector<double> everything = xg::empty({20000}, xg::kInt64).random_(std::numeric_limits<int64_t>::min(), std::nullopt).to_vector<double>();
  check_near(mean_of(everything) / 9.223372036854775807e18, 0.0, std::sqrt(1.0 / 3.0 / 20000));
  std::vector<int64_t> from_five = xg::empty({100}, xg::kInt32).random_(5, std::nullopt).to_vector<int64_t>();
  CHECK(*std::min_element(from_five.begin(), from_five.end()) >= 5);

  CHECK_THROWS_WITH_AS(xg::zeros({3}).random_(5, 5), doctest::Contains("random_: expects 'from' to be less than 'to'"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}).random_(-1), doctest::Contains("from=0 >= to=-1"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}, xg::kInt32).random_(0, int64_t(1) << 40), doctest::Contains("out of bounds for int32"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}, xg::kInt32).random_(-(int64_t(1) << 40), 3),
                       doctest::Contains("from is out of bounds for int32"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}, xg::kBool).random_(0, 3), doctest::Contains("out of bounds for bool"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::zeros({3}, xg::kBool).random_(2, std::nullopt), doctest::Contains("from"), std::invalid_argument);
}

TEST_CASE("multinomial: with and without replacement, 1-D and 2-D, PyTorch's errors") {
  xg::manual_seed(6);
  // With replacement: frequencies follow the (unnormalized) weights; zero weights are never drawn.
  const int64_t n = 60000;
  xg::Tensor weights = xg::tensor({1.0, 2.0, 0.0, 3.0, 4.0}, xg::kFloat64);
  xg::Tensor draws = weights.multinomial(n, true);
  CHECK(draws.dtype() == xg::kInt64);
  CHECK(draws.shape() == xg::Shape{n});
  std::map<int64_t, int64_t> counts = histogram(draws.to_vector<int64_t>());
  CHECK(counts.count(2) == 0);
  check_frequencies(counts, {0.1, 0.2, 0.0, 0.3, 0.4}, n);

  // Rows are independent distributions.
  xg::Tensor rows = xg::tensor({0.7, 0.3, 0.0, 0.0, 0.5, 0.5}, {2, 3});
  xg::Tensor by_row = xg::multinomial(rows, 20000, true);
  CHECK(by_row.shape() == xg::Shape{2, 20000});
  check_frequencies(histogram(by_row[0].to_vector<int64_t>()), {0.7, 0.3, 0.0}, 20000);
  check_frequencies(histogram(by_row[1].to_vector<int64_t>()), {0.0, 0.5, 0.5}, 20000);

  // Without replacement: distinct indices; the first draw follows p, the second p given the first
  // (for p = 0.5, 0.3, 0.2: P(second = j) = sum over i != j of p_i p_j / (1 - p_i)).
  std::map<int64_t, int64_t> first, second;
  const int64_t rounds = 30000;
  xg::Tensor three = xg::tensor({0.5, 0.3, 0.2}, xg::kFloat64);
  for (int64_t r = 0; r < rounds; ++r) {
    std::vector<int64_t> pick = three.multinomial(2).to_vector<int64_t>();
    CHECK(pick[0] != pick[1]);
    first[pick[0]] += 1;
    second[pick[1]] += 1;
  }
  check_frequencies(first, {0.5, 0.3, 0.2}, rounds);
  check_frequencies(second, {0.3 * 0.5 / 0.7 + 0.2 * 0.5 / 0.8, 0.5 * 0.3 / 0.5 + 0.2 * 0.3 / 0.8,
                             0.5 * 0.2 / 0.5 + 0.3 * 0.2 / 0.7},
                    rounds);
  // Every category once when num_samples equals their count; zero-probability ones come last (as PyTorch).
  xg::Tensor all = xg::multinomial(xg::rand({4, 50}) + 0.01, 50);
  CHECK(all.shape() == xg::Shape{4, 50});
  for (int64_t r = 0; r < 4; ++r) {
    std::vector<int64_t> row = all[r].to_vector<int64_t>();
    CHECK(std::set<int64_t>(row.begin(), row.end()).size() == 50);
  }
  std::vector<int64_t> with_zeros = xg::multinomial(xg::tensor({0.0, 1.0, 0.0}), 3).to_vector<int64_t>();
  CHECK(with_zeros[0] == 1);
  CHECK(std::set<int64_t>(with_zeros.begin(), with_zeros.end()) == std::set<int64_t>{0, 1, 2});
  CHECK(xg::multinomial(xg::zeros({0, 3}), 2).shape() == xg::Shape{0, 2});
  CHECK(xg::multinomial(xg::tensor({0.2, 0.8}), 1).shape() == xg::Shape{1});

  // PyTorch's errors, on both routes.
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::ones({2, 2, 2}), 1), doctest::Contains("prob_dist must be 1 or 2 dim"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::scalar_tensor(1.0), 1), doctest::Contains("1 or 2 dim"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::tensor({1, 2}, xg::kInt64), 1), doctest::Contains("floating-point"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::tensor({0.5, 0.5}), 0), doctest::Contains("cannot sample n_sample <= 0 samples"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::tensor({0.5, 0.5}), 3),
                       doctest::Contains("cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::zeros({2, 0}), 1), doctest::Contains("without replacement"), std::invalid_argument);
  for (const xg::Tensor& bad : {xg::tensor({0.5, -0.1}), xg::tensor({1.0, INFINITY}), xg::tensor({1.0, NAN})})
    CHECK_THROWS_WITH_AS(xg::multinomial(bad, 1), doctest::Contains("probability tensor contains either `inf`, `nan` or element < 0"),
                         std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::tensor({0.0, 0.0}), 1), doctest::Contains("sum of probabilities <= 0"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::tensor({0.0, 0.0, 1.0, 1.0}, {2, 2}), 1), doctest::Contains("sum of probabilities <= 0"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::tensor({0.5, -0.1}), 2, true), doctest::Contains("encountering probability entry < 0"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::tensor({1.0, INFINITY}), 2, true), doctest::Contains("infinity or NaN"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::tensor({0.0, 0.0}), 2, true), doctest::Contains("sum of probabilities <= 0"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(xg::multinomial(xg::zeros({2, 0}), 2, true), doctest::Contains("sum of probabilities <= 0"),
                       std::invalid_argument);
}

TEST_CASE("random fills are in-place ops: leaves refused, history kept with a zero gradient") {
  xg::Tensor parameter = xg::zeros({3}, xg::requires_grad());
  CHECK_THROWS_WITH_AS(parameter.normal_(), doctest::Contains("leaf"), std::logic_error);
  CHECK_THROWS_WITH_AS(parameter.uniform_(), doctest::Contains("leaf"), std::logic_error);
  CHECK_THROWS_WITH_AS(parameter.bernoulli_(0.5), doctest::Contains("leaf"), std::logic_error);
  CHECK_THROWS_WITH_AS(parameter.random_(0, 3), doctest::Contains("leaf"), std::logic_error);
  CHECK_THROWS_WITH_AS(parameter[0].uniform_(), doctest::Contains("view of a leaf"), std::logic_error);
  {
    xg::NoGradGuard no_grad;
    parameter.uniform_(-1, 1);  // how initialization code does it
  }
  CHECK(parameter.is_leaf());
  CHECK(parameter.requires_grad());

  xg::Tensor x = xg::ones({3}, f64());
  xg::Tensor y = x * 2.0;
  y.normal_();
  CHECK(y.requires_grad());
  CHECK(y.grad_fn_name() == "NormalBackward");  // torch: NormalBackward0
  (y * 3.0).sum().backward();
  check_values(x.grad(), {0, 0, 0});
  xg::Tensor z = x * 2.0;
  z[1].uniform_(5, 6);  // a view of a non-leaf: CopySlices
  z.sum().backward();
  check_values(x.grad(), {2, 0, 2});
  CHECK(xg::bernoulli(xg::full({2}, 0.5, f64())).requires_grad());  // torch: True (a zero gradient)

  // Version counters move, so a saved tensor refilled in place is caught.
  xg::Tensor a = x * 1.0;
  xg::Tensor b = a * a;
  a.uniform_();
  CHECK_THROWS_WITH_AS(b.sum().backward(), doctest::Contains("modified by an inplace operation"), std::logic_error);
  CHECK_THROWS_WITH_AS(xg::ones({3, 1}).expand({3, 4}).normal_(), doctest::Contains("single memory location"),
                       std::invalid_argument);
}

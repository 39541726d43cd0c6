// Random sampling, all from manual_seed's per-thread generator (random.hpp), so a seed reproduces every draw
// bit for bit: randint, randperm, bernoulli, multinomial, and the in-place fills normal_, uniform_, random_
// and bernoulli_. Integers and uniforms come from the generator's raw 64-bit words through the transforms
// below (std::uniform_int_distribution's algorithm differs between standard libraries); normal draws use
// std::normal_distribution, as randn does. Elements are drawn in row-major order of the logical shape.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "node.hpp"
#include "ops_internal.hpp"
#include "random.hpp"

namespace xgrad {

namespace {

// 53 random bits as a double in [0, 1).
double uniform01(std::mt19937_64& engine) { return static_cast<double>(engine() >> 11) * 0x1.0p-53; }
// The same shifted by half a step: in (0, 1), so its logarithm is finite.
double uniform_open(std::mt19937_64& engine) { return (static_cast<double>(engine() >> 11) + 0.5) * 0x1.0p-53; }

// A uniform integer in [0, max_offset], without modulo bias: words from the incomplete last block of
// max_offset + 1 values are drawn again.
uint64_t uniform_offset(std::mt19937_64& engine, uint64_t max_offset) {
  if (max_offset == std::numeric_limits<uint64_t>::max()) return engine();
  const uint64_t span = max_offset + 1;
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % span;
  uint64_t word;
  do {
    word = engine();
  } while (word >= limit);
  return word % span;
}

std::string number(double value) {
  std::string text = std::to_string(value);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

[[noreturn]] void floating_only(const char* op, Dtype dtype) {
  throw Error(std::string(op) + ": not implemented for " + dtype_name(dtype) +
                              " tensors (it needs float32 or float64)");
}

// Fresh values replace a tensor's: the old value gets a zero gradient (PyTorch's NormalBackward and the
// like), so the tensor keeps requiring grad.
void record_zero(Tensor& values, const char* name, const Tensor& previous) {
  record(values, name, {&previous}, [](const Tensor& grad, Grads& grads) { grads.set(0, zeros_like(grad)); });
}

// An in-place fill through the shared in-place machinery (views, version counters, history).
Tensor& fill_inplace(const char* op, const char* backward, Tensor& self, const std::function<Tensor(const Shape&, Dtype)>& draw) {
  check_inplace_allowed(op, self);
  const bool record = GradMode::is_enabled() && self.requires_grad();
  return apply_inplace(op, self, record, [&](const Tensor& previous) {
    Tensor values = draw(previous.shape(), previous.dtype());
    record_zero(values, backward, previous);
    return values;
  });
}

// ---------------------------------------------------------------- discrete uniform (random_, randint)

// Values from + [0, max_offset].
struct IntegerRange {
  int64_t from;
  uint64_t max_offset;
};

// The largest value random_ draws without an upper bound: the dtype's maximum, or 2^mantissa for floating
// types (every integer up to it is exact).
int64_t default_upper(Dtype dtype) {
  switch (dtype) {
    case Dtype::Bool: return 1;
    case Dtype::Int32: return std::numeric_limits<int32_t>::max();
    case Dtype::Int64: return std::numeric_limits<int64_t>::max();
    case Dtype::Float32: return int64_t(1) << 24;
    case Dtype::Float64: return int64_t(1) << 53;
  }
  return 0;
}

// PyTorch's bounds for integer dtypes: `from` and the last value must be representable.
void check_representable(const char* op, Dtype dtype, int64_t value, const char* name) {
  if (is_floating_point(dtype)) return;  // PyTorch only warns beyond 2^mantissa
  const int64_t low = dtype == kBool ? 0 : dtype == kInt32 ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int64_t>::min();
  const int64_t high = default_upper(dtype);
  if (value < low || value > high)
    throw Error(std::string(op) + ": " + name + " is out of bounds for " + dtype_name(dtype) + " (got " +
                                std::to_string(value) + ", the range is [" + std::to_string(low) + ", " +
                                std::to_string(high) + "])");
}

IntegerRange integer_range(const char* op, Dtype dtype, int64_t from, std::optional<int64_t> to) {
  if (to) {
    if (!(from < *to))
      throw Error(std::string(op) + ": expects 'from' to be less than 'to', but got from=" +
                                  std::to_string(from) + " >= to=" + std::to_string(*to));
    check_representable(op, dtype, from, "from");
    check_representable(op, dtype, *to - 1, "to - 1");
    return {from, static_cast<uint64_t>(*to) - static_cast<uint64_t>(from) - 1};
  }
  const int64_t last = default_upper(dtype);
  check_representable(op, dtype, from, "from");
  if (from > last)
    throw Error(std::string(op) + ": expects 'from' to be at most the largest value drawn for " +
                                dtype_name(dtype) + " (" + std::to_string(last) + "), but got from=" + std::to_string(from));
  return {from, static_cast<uint64_t>(last) - static_cast<uint64_t>(from)};
}

Tensor integers(const Shape& shape, Dtype dtype, IntegerRange range) {
  Tensor out = make_tensor(shape, dtype);
  std::mt19937_64& engine = generator();
  XG_DISPATCH_ALL(dtype, {
    T* data = out.impl()->data<T>();
    for (int64_t i = 0, n = out.numel(); i < n; ++i) {
      // Two's-complement wrap-around gives from + offset for every int64 range.
      const int64_t value = static_cast<int64_t>(static_cast<uint64_t>(range.from) + uniform_offset(engine, range.max_offset));
      data[i] = static_cast<T>(value);
    }
  });
  return out;
}

// ---------------------------------------------------------------- Bernoulli

void check_probability(const char* op, double p) {
  if (!(p >= 0 && p <= 1))
    throw Error(std::string(op) + ": expects p to be in [0, 1], but got p=" + number(p));
}

// 1 where a uniform draw falls below p, for each element of `shape` (p a number, or a floating tensor of
// that shape).
Tensor bernoulli_values(const Shape& shape, Dtype dtype, const Tensor* p_tensor, double p) {
  Tensor out = make_tensor(shape, dtype);
  std::mt19937_64& engine = generator();
  const int64_t n = out.numel();
  std::vector<double> probabilities;
  if (p_tensor) probabilities = p_tensor->to_vector<double>();
  XG_DISPATCH_ALL(dtype, {
    T* data = out.impl()->data<T>();
    for (int64_t i = 0; i < n; ++i) data[i] = static_cast<T>(uniform01(engine) < (p_tensor ? probabilities[i] : p));
  });
  return out;
}

// A probability tensor broadcast to `shape` and checked: floating, every value in [0, 1].
Tensor probabilities_for(const char* op, const Tensor& p, const Shape& shape) {
  check_defined(op, p);
  if (!is_floating_point(p.dtype())) floating_only(op, p.dtype());
  if (broadcast_shapes(op, shape, p.shape()) != shape)
    throw Error(std::string(op) + ": probabilities of shape " + shape_string(p.shape()) +
                                " cannot be broadcast to shape " + shape_string(shape));
  Tensor expanded = broadcast_to(p.detach(), shape);
  for (double value : p.to_vector<double>())
    if (!(value >= 0 && value <= 1))
      throw Error(std::string(op) + ": expects every probability to be in [0, 1], but got " + number(value));
  return expanded;
}

}  // namespace

// ---------------------------------------------------------------- factories

Tensor randint(int64_t low, int64_t high, IntArrayRef shape_ref, TensorOptions options) {
  Shape shape = shape_ref.vec();  // owned: the argument may be a braced list
  check_device("randint", options);
  checked_numel(shape, "randint");
  Tensor out = integers(shape, options.dtype(), integer_range("randint", options.dtype(), low, high));
  if (options.requires_grad()) out.requires_grad_(true);
  return out;
}
Tensor randint(int64_t high, IntArrayRef shape, TensorOptions options) { return randint(0, high, std::move(shape), options); }

Tensor randperm(int64_t n, TensorOptions options) {
  check_device("randperm", options);
  const Dtype dtype = options.dtype();
  if (n < 0) throw Error("randperm: n must be non-negative, got " + std::to_string(n));
  if (dtype == kBool) throw Error("randperm: not implemented for bool tensors");
  // Every index must be exact in the dtype (PyTorch: "n cannot be greater than 2^24+1 for Float type").
  const int64_t limit = dtype == kFloat32 ? (int64_t(1) << 24) + 1
                        : dtype == kFloat64 ? (int64_t(1) << 53) + 1
                        : dtype == kInt32   ? int64_t(std::numeric_limits<int32_t>::max()) + 1
                                            : std::numeric_limits<int64_t>::max();
  if (n > limit)
    throw Error("randperm: n cannot be greater than " + std::to_string(limit) + " for " +
                                dtype_name(dtype) + ", got " + std::to_string(n));
  // Fisher-Yates, as PyTorch's CPU kernel: position i takes a uniform pick among positions i..n-1.
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t(0));
  std::mt19937_64& engine = generator();
  for (int64_t i = 0; i + 1 < n; ++i)
    std::swap(order[i], order[i + static_cast<int64_t>(uniform_offset(engine, static_cast<uint64_t>(n - i - 1)))]);
  Tensor out = make_tensor({n}, dtype);
  XG_DISPATCH_ALL(dtype, {
    T* data = out.impl()->data<T>();
    for (int64_t i = 0; i < n; ++i) data[i] = static_cast<T>(order[i]);
  });
  if (options.requires_grad()) out.requires_grad_(true);
  return out;
}

Tensor bernoulli(const Tensor& probabilities) {
  check_defined("bernoulli", probabilities);
  if (!is_floating_point(probabilities.dtype())) floating_only("bernoulli", probabilities.dtype());
  Tensor p = probabilities_for("bernoulli", probabilities, probabilities.shape());
  Tensor out = bernoulli_values(probabilities.shape(), probabilities.dtype(), &p, 0);
  record_zero(out, "BernoulliBackward", probabilities);
  return out;
}

Tensor bernoulli(const Tensor& x, double p) {
  check_defined("bernoulli", x);
  check_probability("bernoulli", p);
  Tensor out = bernoulli_values(x.shape(), x.dtype(), nullptr, p);
  record_zero(out, "BernoulliBackward", x);
  return out;
}

Tensor bernoulli(const Tensor& x, const Tensor& p) {
  check_defined("bernoulli", x);
  Tensor probabilities = probabilities_for("bernoulli", p, x.shape());
  Tensor out = bernoulli_values(x.shape(), x.dtype(), &probabilities, 0);
  record_zero(out, "BernoulliBackward", x);
  return out;
}

// ---------------------------------------------------------------- multinomial

Tensor multinomial(const Tensor& probabilities, int64_t num_samples, bool replacement) {
  const char* op = "multinomial";
  check_defined(op, probabilities);
  if (probabilities.dim() < 1 || probabilities.dim() > 2)
    throw Error(std::string(op) + ": prob_dist must be 1 or 2 dim, got shape " +
                                shape_string(probabilities.shape()));
  if (!is_floating_point(probabilities.dtype()))
    throw Error(std::string(op) + ": only supports floating-point dtypes for input, got " +
                                dtype_name(probabilities.dtype()));
  if (num_samples <= 0)
    throw Error(std::string(op) + ": cannot sample n_sample <= 0 samples (got " +
                                std::to_string(num_samples) + ")");
  const int64_t categories = probabilities.size(-1);
  const int64_t rows = probabilities.dim() == 2 ? probabilities.size(0) : 1;
  if (!replacement && num_samples > categories)
    throw Error(std::string(op) + ": cannot sample n_sample > prob_dist.size(-1) samples without "
                                "replacement (n_sample=" + std::to_string(num_samples) + ", size " +
                                std::to_string(categories) + ")");
  if (categories > (int64_t(1) << 24))
    throw Error(std::string(op) + ": number of categories cannot exceed 2^24");
  Tensor out = make_tensor(probabilities.dim() == 1 ? Shape{num_samples} : Shape{rows, num_samples}, kInt64);
  if (out.numel() == 0) return out;
  const std::vector<double> p = probabilities.to_vector<double>();
  int64_t* result = out.impl()->data<int64_t>();
  std::mt19937_64& engine = generator();

  if (!replacement || num_samples == 1) {
    // PyTorch's route: validate everything, then take the num_samples largest p / E with E ~ Exponential(1)
    // (the Gumbel top-k trick: the same law as drawing one at a time without replacement).
    for (double value : p)
      if (!(value >= 0 && value < INFINITY))
        throw Error(std::string(op) + ": probability tensor contains either `inf`, `nan` or element < 0");
    for (int64_t row = 0; row < rows; ++row) {
      const double* begin = p.data() + row * categories;
      if (!(std::accumulate(begin, begin + categories, 0.0) > 0))
        throw Error(std::string(op) + ": invalid multinomial distribution (sum of probabilities <= 0)");
    }
    std::vector<double> keys(static_cast<size_t>(categories));
    std::vector<int64_t> order(static_cast<size_t>(categories));
    for (int64_t row = 0; row < rows; ++row) {
      const double* row_p = p.data() + row * categories;
      for (int64_t j = 0; j < categories; ++j) keys[j] = row_p[j] / -std::log(uniform_open(engine));
      std::iota(order.begin(), order.end(), int64_t(0));
      // Zero-probability categories (key 0) come last, in index order: PyTorch also returns them once the
      // positive ones are used up.
      std::partial_sort(order.begin(), order.begin() + num_samples, order.end(),
                        [&keys](int64_t a, int64_t b) { return keys[a] > keys[b] || (keys[a] == keys[b] && a < b); });
      std::copy(order.begin(), order.begin() + num_samples, result + row * num_samples);
    }
    return out;
  }

  // With replacement: inverse transform sampling on each row's normalized cumulative distribution.
  std::vector<double> cumulative(static_cast<size_t>(categories));
  for (int64_t row = 0; row < rows; ++row) {
    const double* row_p = p.data() + row * categories;
    double sum = 0;
    int64_t last_positive = 0;
    for (int64_t j = 0; j < categories; ++j) {
      const double value = row_p[j];
      if (!(value >= 0))
        throw Error(std::string(op) + ": invalid multinomial distribution (encountering probability entry < 0)");
      if (!std::isfinite(value))
        throw Error(std::string(op) +
                                    ": invalid multinomial distribution (encountering probability entry = infinity or NaN)");
      sum += value;
      cumulative[j] = sum;
      if (value > 0) last_positive = j;
    }
    if (!(sum > 0))
      throw Error(std::string(op) + ": invalid multinomial distribution (sum of probabilities <= 0)");
    for (double& c : cumulative) c /= sum;
    for (int64_t s = 0; s < num_samples; ++s) {
      // The first category whose cumulative probability exceeds the draw: never one of probability 0.
      const int64_t index = std::upper_bound(cumulative.begin(), cumulative.end(), uniform01(engine)) - cumulative.begin();
      result[row * num_samples + s] = std::min(index, last_positive);  // rounding may leave the total just below 1
    }
  }
  return out;
}

// ---------------------------------------------------------------- members

Tensor Tensor::bernoulli() const { return xgrad::bernoulli(*this); }
Tensor Tensor::bernoulli(double p) const { return xgrad::bernoulli(*this, p); }
Tensor Tensor::multinomial(int64_t num_samples, bool replacement) const {
  return xgrad::multinomial(*this, num_samples, replacement);
}

Tensor& Tensor::bernoulli_(double p) {
  check_defined("bernoulli_", *this);
  check_probability("bernoulli_", p);
  return fill_inplace("bernoulli_", "BernoulliBackward", *this,
                      [p](const Shape& shape, Dtype dtype) { return bernoulli_values(shape, dtype, nullptr, p); });
}

Tensor& Tensor::bernoulli_(const Tensor& p) {
  check_defined("bernoulli_", *this);
  Tensor probabilities = probabilities_for("bernoulli_", p, shape());
  return fill_inplace("bernoulli_", "BernoulliBackward", *this, [&probabilities](const Shape& shape, Dtype dtype) {
    return bernoulli_values(shape, dtype, &probabilities, 0);
  });
}

Tensor& Tensor::normal_(double mean, double std) {
  check_defined("normal_", *this);
  if (!xgrad::is_floating_point(dtype())) floating_only("normal_", dtype());
  if (!(std >= 0)) throw Error("normal_: expects std >= 0.0, but found std " + number(std));
  return fill_inplace("normal_", "NormalBackward", *this, [mean, std](const Shape& shape, Dtype dtype) {
    Tensor out = make_tensor(shape, dtype);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::mt19937_64& engine = generator();
    XG_DISPATCH(dtype, {
      T* data = out.impl()->data<T>();
      for (int64_t i = 0, n = out.numel(); i < n; ++i) data[i] = static_cast<T>(mean + std * normal(engine));
    });
    return out;
  });
}

Tensor& Tensor::uniform_(double from, double to) {
  check_defined("uniform_", *this);
  const Dtype own = dtype();
  if (!xgrad::is_floating_point(own)) floating_only("uniform_", own);
  const double largest = own == kFloat32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  if (!(std::abs(from) <= largest)) throw Error("uniform_: from is out of bounds for " + std::string(dtype_name(own)));
  if (!(std::abs(to) <= largest)) throw Error("uniform_: to is out of bounds for " + std::string(dtype_name(own)));
  if (!(from <= to))
    throw Error("uniform_: expects to return a [from, to) range, but found from=" + number(from) +
                                " > to=" + number(to));
  if (!(to - from <= largest))
    throw Error("uniform_: expects to-from <= the largest " + std::string(dtype_name(own)) +
                                ", but found to=" + number(to) + " and from=" + number(from));
  return fill_inplace("uniform_", "UniformBackward", *this, [from, to](const Shape& shape, Dtype dtype) {
    Tensor out = make_tensor(shape, dtype);
    std::mt19937_64& engine = generator();
    XG_DISPATCH(dtype, {
      // In the tensor's type, as PyTorch: from + (to - from) u, kept below `to` when rounding reaches it.
      const T low = static_cast<T>(from), high = static_cast<T>(to);
      const T below_high = low < high ? std::nextafter(high, low) : high;
      T* data = out.impl()->data<T>();
      for (int64_t i = 0, n = out.numel(); i < n; ++i) {
        const T value = low + (high - low) * static_cast<T>(uniform01(engine));
        data[i] = value < high ? value : below_high;
      }
    });
    return out;
  });
}

Tensor& Tensor::random_(int64_t from, std::optional<int64_t> to) {
  check_defined("random_", *this);
  const IntegerRange range = integer_range("random_", dtype(), from, to);
  return fill_inplace("random_", "RandomBackward", *this,
                      [range](const Shape& shape, Dtype dtype) { return integers(shape, dtype, range); });
}
Tensor& Tensor::random_(int64_t to) { return random_(0, std::optional<int64_t>(to)); }
Tensor& Tensor::random_() { return random_(0, std::nullopt); }

}  // namespace xgrad

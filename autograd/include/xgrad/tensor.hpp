// xgrad: the public Tensor handle, its factories and its differentiable ops.
// Standard-library includes only, so a training file compiles in about a second.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <type_traits>
#include <string>
#include <vector>

namespace xgrad {

using Shape = std::vector<int64_t>;

// Element types, with LibTorch's names. Integer and bool tensors hold labels, indices and masks; they
// never require grad.
enum class Dtype : uint8_t { Float32, Float64, Int64, Int32, Bool };
constexpr Dtype kFloat32 = Dtype::Float32, kFloat = Dtype::Float32;
constexpr Dtype kFloat64 = Dtype::Float64, kDouble = Dtype::Float64;
constexpr Dtype kInt64 = Dtype::Int64, kLong = Dtype::Int64;
constexpr Dtype kInt32 = Dtype::Int32, kInt = Dtype::Int32;
constexpr Dtype kBool = Dtype::Bool;
const char* dtype_name(Dtype dtype);  // "float32", "int64", "bool", ...
inline bool is_floating_point(Dtype dtype) { return dtype == kFloat32 || dtype == kFloat64; }
std::string shape_string(const Shape& shape);  // "[3, 2]"

// Chainable creation options, as in PyTorch: TensorOptions().dtype(kFloat64).requires_grad(true).
class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(Dtype value) : dtype_(value) {}  // implicit, as LibTorch's: zeros({3}, xg::kInt64)
  TensorOptions dtype(Dtype value) const {
    TensorOptions copy = *this;
    copy.dtype_ = value;
    return copy;
  }
  TensorOptions requires_grad(bool value) const {
    TensorOptions copy = *this;
    copy.requires_grad_ = value;
    return copy;
  }
  Dtype dtype() const { return dtype_; }
  bool requires_grad() const { return requires_grad_; }

 private:
  Dtype dtype_ = kFloat32;
  bool requires_grad_ = false;
};
inline TensorOptions requires_grad(bool value = true) { return TensorOptions().requires_grad(value); }
inline TensorOptions dtype(Dtype value) { return TensorOptions().dtype(value); }

struct TensorImpl;  // private: storage, shape and autograd metadata
namespace indexing {
class TensorIndex;
}

// A cheap reference-counted handle: copies share data and history, like torch::Tensor.
class Tensor {
 public:
  Tensor() = default;
  Tensor(const Tensor& other);
  Tensor(Tensor&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }
  Tensor& operator=(const Tensor& other) &;
  Tensor& operator=(Tensor&& other) & noexcept;
  // Assigning to a temporary writes into it, as in LibTorch: `x[0] = y` copies y into row 0 of x,
  // `w[0][0] = 0.5` fills that element (under NoGradGuard for a parameter).
  Tensor& operator=(const Tensor& other) &&;
  Tensor& operator=(Tensor&& other) &&;
  Tensor& operator=(double value) &&;
  ~Tensor();
  explicit Tensor(TensorImpl* impl);  // adopts one reference; for the library's own code

  // --- metadata
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t dim() const;
  int64_t numel() const;
  int64_t size(int64_t dim) const;
  Dtype dtype() const;

  // --- autograd
  bool requires_grad() const;
  Tensor& requires_grad_(bool value = true);
  bool is_leaf() const;
  Tensor grad() const;       // handle to the stored gradient (undefined when none)
  Tensor& mutable_grad();    // assign to replace or reset the stored gradient
  void retain_grad();
  bool retains_grad() const;
  std::string grad_fn_name() const;  // "" for leaves
  void backward() const;
  void backward(const Tensor& gradient, bool retain_graph = false, bool create_graph = false) const;
  Tensor detach() const;              // shares data, no history
  Tensor clone() const;               // differentiable copy
  Tensor to(Dtype dtype) const;       // differentiable cast

  // --- data access
  template <class T> T item() const;                      // T: float, double, int, int64_t or bool
  double item() const { return item<double>(); }
  template <class T> std::vector<T> to_vector() const;   // flat row-major copy, converted to T (as item)
  template <class T> T* data_ptr();                        // T must match dtype(); points at element 0
  template <class T> const T* data_ptr() const;

  // --- ops (also available as free functions)
  Tensor pow(double exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor erf() const;
  Tensor clamp(double min, double max) const;
  Tensor sum() const;
  Tensor sum(std::vector<int64_t> dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(std::vector<int64_t> dims, bool keepdim = false) const;
  Tensor max() const;
  Tensor min() const;
  Tensor matmul(const Tensor& other) const;
  Tensor index_select(int64_t dim, std::vector<int64_t> indices) const;

  // --- more element-wise ops and in-place random fills (ops_unary.cpp, ops_random.cpp)
  // Integer and bool inputs follow PyTorch: sin..rsqrt and reciprocal compute in float32; square, sign,
  // floor, ceil, round and trunc keep integer dtypes. sign, floor, ceil, round and trunc have zero gradient.
  Tensor sin() const;
  Tensor cos() const;
  Tensor tan() const;
  Tensor atan() const;
  Tensor log1p() const;
  Tensor expm1() const;
  Tensor log2() const;
  Tensor log10() const;
  Tensor rsqrt() const;
  Tensor square() const;
  Tensor sign() const;
  Tensor floor() const;
  Tensor ceil() const;
  Tensor round() const;                  // halves to even, as PyTorch
  Tensor round(int64_t decimals) const;  // floating point only
  Tensor trunc() const;
  Tensor frac() const;
  Tensor reciprocal() const;
  Tensor maximum(const Tensor& other) const;  // NaN wins; ties share the gradient equally
  Tensor minimum(const Tensor& other) const;
  Tensor clamp_min(double min) const;
  Tensor clamp_max(double max) const;
  Tensor lerp(const Tensor& end, double weight) const;  // self + weight * (end - self)
  Tensor lerp(const Tensor& end, const Tensor& weight) const;
  Tensor addcmul(const Tensor& tensor1, const Tensor& tensor2, double value = 1) const;  // self + value * t1 * t2
  Tensor addcdiv(const Tensor& tensor1, const Tensor& tensor2, double value = 1) const;  // self + value * t1 / t2
  Tensor remainder(const Tensor& other) const;  // sign of the divisor (Python's %)
  Tensor remainder(double other) const;
  Tensor fmod(const Tensor& other) const;  // sign of the dividend (C's fmod)
  Tensor fmod(double other) const;
  Tensor& sin_();
  Tensor& cos_();
  Tensor& tan_();
  Tensor& atan_();
  Tensor& log1p_();
  Tensor& expm1_();
  Tensor& log2_();
  Tensor& log10_();
  Tensor& rsqrt_();
  Tensor& square_();
  Tensor& sign_();
  Tensor& floor_();
  Tensor& ceil_();
  Tensor& round_();
  Tensor& round_(int64_t decimals);
  Tensor& trunc_();
  Tensor& frac_();
  Tensor& reciprocal_();
  Tensor& clamp_min_(double min);
  Tensor& clamp_max_(double max);
  Tensor& lerp_(const Tensor& end, double weight);
  Tensor& lerp_(const Tensor& end, const Tensor& weight);
  Tensor& addcmul_(const Tensor& tensor1, const Tensor& tensor2, double value = 1);
  Tensor& addcdiv_(const Tensor& tensor1, const Tensor& tensor2, double value = 1);
  Tensor& remainder_(const Tensor& other);
  Tensor& remainder_(double other);
  Tensor& fmod_(const Tensor& other);
  Tensor& fmod_(double other);
  // Sampling from manual_seed's per-thread generator. Fills are in-place ops like the others (refused on
  // leaves that require grad while grad mode is on); the old value gets a zero gradient.
  Tensor bernoulli() const;          // 1 with probability self (floating, in [0, 1]), else 0
  Tensor bernoulli(double p) const;  // self's shape and dtype, 1 with probability p
  Tensor multinomial(int64_t num_samples, bool replacement = false) const;  // int64 category indices
  Tensor& bernoulli_(const Tensor& p);  // p broadcasts to self's shape
  Tensor& bernoulli_(double p = 0.5);
  Tensor& normal_(double mean = 0, double std = 1);
  Tensor& uniform_(double from = 0, double to = 1);      // [from, to)
  Tensor& random_(int64_t from, std::optional<int64_t> to);  // integers in [from, to); nullopt: up to the dtype's max
  Tensor& random_(int64_t to);                                // [0, to)
  Tensor& random_();  // [0, 2^mantissa] for floating dtypes, [0, max] for integers

  // --- layout: strides and offset count elements; see the README's Memory section
  int64_t stride(int64_t dim) const;
  Shape strides() const;
  int64_t storage_offset() const;
  bool is_contiguous() const;
  Tensor contiguous() const;  // itself when contiguous, else a contiguous copy (differentiable)
  bool is_view() const;
  Tensor _base() const;  // the tensor a view shares its storage with; undefined for non-views

  // --- views: share storage with this tensor (writes show through both ways), like PyTorch's
  Tensor operator[](int64_t index) const;  // select(0, index)
  Tensor select(int64_t dim, int64_t index) const;
  Tensor slice(int64_t dim = 0, int64_t start = 0, int64_t end = INT64_MAX, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor t() const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor permute(std::vector<int64_t> dims) const;
  Tensor expand(Shape sizes) const;  // -1 keeps a dimension's size
  Tensor expand_as(const Tensor& other) const;
  Tensor view(Shape shape) const;  // throws when the strides cannot express it (use reshape)
  Tensor view_as(const Tensor& other) const;
  Tensor reshape(Shape shape) const;  // a view when possible, else a copy
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;

  // --- LibTorch's indexing (xg::indexing): x.index({Slice(0, 2), 1}), x.index({"...", None}),
  // x.index({mask}), x.index_put_({Slice(), 0}, 1.0). Integers, slices, None and "..." give views; an
  // int64/int32 or bool index tensor (one per call) copies, as in PyTorch.
  Tensor index(std::initializer_list<indexing::TensorIndex> indices) const;
  Tensor index(const std::vector<indexing::TensorIndex>& indices) const;
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& value);
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, double value);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, const Tensor& value);
  Tensor operator-() const;

  // --- in place, on any tensor including views (writes go to the shared storage). Each bumps the version
  // counter; refused on leaves that require grad, and views of them, while grad mode is on
  Tensor& operator+=(const Tensor& other);
  Tensor& operator-=(const Tensor& other);
  Tensor& operator*=(const Tensor& other);
  Tensor& operator/=(const Tensor& other);
  Tensor& operator+=(double value);
  Tensor& operator-=(double value);
  Tensor& operator*=(double value);
  Tensor& operator/=(double value);
  Tensor& add_(const Tensor& other);
  Tensor& sub_(const Tensor& other);
  Tensor& mul_(const Tensor& other);
  Tensor& div_(const Tensor& other);
  Tensor& add_(double value);
  Tensor& sub_(double value);
  Tensor& mul_(double value);
  Tensor& div_(double value);
  Tensor& neg_();
  Tensor& clamp_(double min, double max);
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& source);  // broadcasts and converts the source; differentiable

  TensorImpl* impl() const { return impl_; }

 private:
  TensorImpl* impl_ = nullptr;
};

std::ostream& operator<<(std::ostream& out, const Tensor& tensor);

namespace indexing {
constexpr std::nullopt_t None = std::nullopt;
struct EllipsisIndexType {};
constexpr EllipsisIndexType Ellipsis{};

// Python's start:stop:step; omitted bounds cover the whole dimension.
class Slice {
 public:
  Slice(std::optional<int64_t> start = std::nullopt, std::optional<int64_t> stop = std::nullopt,
        std::optional<int64_t> step = std::nullopt)
      : start_(start.value_or(0)), stop_(stop.value_or(INT64_MAX)), step_(step.value_or(1)) {}
  int64_t start() const { return start_; }
  int64_t stop() const { return stop_; }
  int64_t step() const { return step_; }

 private:
  int64_t start_, stop_, step_;
};

class TensorIndex {
 public:
  enum class Kind { None, Ellipsis, Integer, Boolean, Slice, Tensor };
  TensorIndex(std::nullopt_t) : kind_(Kind::None) {}
  TensorIndex(EllipsisIndexType) : kind_(Kind::Ellipsis) {}
  TensorIndex(const char* text);  // "..." (anything else throws)
  TensorIndex(int64_t integer) : kind_(Kind::Integer), integer_(integer) {}
  TensorIndex(int integer) : TensorIndex(static_cast<int64_t>(integer)) {}
  template <class T, class = std::enable_if_t<std::is_same<T, bool>::value>>
  TensorIndex(T boolean) : kind_(Kind::Boolean), boolean_(boolean) {}
  TensorIndex(Slice slice) : kind_(Kind::Slice), slice_(slice) {}
  TensorIndex(Tensor tensor) : kind_(Kind::Tensor), tensor_(std::move(tensor)) {}
  Kind kind() const { return kind_; }
  int64_t integer() const { return integer_; }
  bool boolean() const { return boolean_; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  Kind kind_;
  int64_t integer_ = 0;
  bool boolean_ = false;
  Slice slice_;
  Tensor tensor_;
};
}  // namespace indexing

// --- factories (options last)
Tensor tensor(std::vector<double> values, Shape shape, TensorOptions options = {});
Tensor tensor(std::vector<double> values, TensorOptions options = {});
Tensor scalar_tensor(double value, TensorOptions options = {});
Tensor empty(Shape shape, TensorOptions options = {});
Tensor zeros(Shape shape, TensorOptions options = {});
Tensor ones(Shape shape, TensorOptions options = {});
Tensor full(Shape shape, double value, TensorOptions options = {});
Tensor zeros_like(const Tensor& like, TensorOptions options);
Tensor zeros_like(const Tensor& like);
Tensor ones_like(const Tensor& like);
Tensor arange(double start, double end, double step = 1, TensorOptions options = {});
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
Tensor rand(Shape shape, TensorOptions options = {});   // U[0, 1)
Tensor randn(Shape shape, TensorOptions options = {});  // N(0, 1)
void manual_seed(uint64_t seed);                       // seeds this thread's generator

// --- differentiable ops
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor neg(const Tensor& a);
Tensor rsub(const Tensor& a, double b);  // b - a
Tensor rdiv(const Tensor& a, double b);  // b / a
Tensor pow(const Tensor& base, double exponent);
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor clamp(const Tensor& x, double min, double max);
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, std::vector<int64_t> dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, std::vector<int64_t> dims, bool keepdim = false);
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor t(const Tensor& x);
Tensor reshape(const Tensor& x, Shape shape);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor broadcast_to(const Tensor& x, Shape shape);
Tensor sum_to(const Tensor& x, const Shape& shape);  // undoes broadcasting
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor select(const Tensor& x, int64_t dim, int64_t index);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor permute(const Tensor& x, std::vector<int64_t> dims);
Tensor diagonal(const Tensor& x, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor index_select(const Tensor& x, int64_t dim, std::vector<int64_t> indices);
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// --- more element-wise ops and random sampling (ops_unary.cpp, ops_random.cpp)
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tan(const Tensor& x);
Tensor atan(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor log2(const Tensor& x);
Tensor log10(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor square(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
Tensor round(const Tensor& x);
Tensor round(const Tensor& x, int64_t decimals);
Tensor trunc(const Tensor& x);
Tensor frac(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor& sin_(Tensor& x);
Tensor& cos_(Tensor& x);
Tensor& tan_(Tensor& x);
Tensor& atan_(Tensor& x);
Tensor& log1p_(Tensor& x);
Tensor& expm1_(Tensor& x);
Tensor& log2_(Tensor& x);
Tensor& log10_(Tensor& x);
Tensor& rsqrt_(Tensor& x);
Tensor& square_(Tensor& x);
Tensor& sign_(Tensor& x);
Tensor& floor_(Tensor& x);
Tensor& ceil_(Tensor& x);
Tensor& round_(Tensor& x);
Tensor& trunc_(Tensor& x);
Tensor& frac_(Tensor& x);
Tensor& reciprocal_(Tensor& x);
// Activations (floating point only, except hardtanh which also takes integers), as at::silu etc.
Tensor silu(const Tensor& x);  // x * sigmoid(x)
Tensor mish(const Tensor& x);  // x * tanh(softplus(x))
Tensor softplus(const Tensor& x, double beta = 1, double threshold = 20);  // linear where beta * x > threshold
Tensor elu(const Tensor& x, double alpha = 1, double scale = 1, double input_scale = 1);
Tensor selu(const Tensor& x);
Tensor hardtanh(const Tensor& x, double min_val = -1, double max_val = 1);  // gradient 0 at and beyond the bounds
Tensor& silu_(Tensor& x);
Tensor& mish_(Tensor& x);
Tensor& elu_(Tensor& x, double alpha = 1, double scale = 1, double input_scale = 1);
Tensor& selu_(Tensor& x);
Tensor& hardtanh_(Tensor& x, double min_val = -1, double max_val = 1);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor clamp_min(const Tensor& x, double min);
Tensor clamp_max(const Tensor& x, double max);
Tensor& clamp_min_(Tensor& x, double min);
Tensor& clamp_max_(Tensor& x, double max);
Tensor lerp(const Tensor& self, const Tensor& end, double weight);
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight);
Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, double value = 1);
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, double value = 1);
Tensor remainder(const Tensor& a, const Tensor& b);
Tensor remainder(const Tensor& a, double b);
Tensor fmod(const Tensor& a, const Tensor& b);
Tensor fmod(const Tensor& a, double b);
Tensor randint(int64_t low, int64_t high, Shape shape, TensorOptions options = kInt64);  // [low, high)
Tensor randint(int64_t high, Shape shape, TensorOptions options = kInt64);               // [0, high)
Tensor randperm(int64_t n, TensorOptions options = kInt64);
Tensor bernoulli(const Tensor& probabilities);
Tensor bernoulli(const Tensor& x, double p);
Tensor bernoulli(const Tensor& x, const Tensor& p);  // x's shape and dtype, p broadcast to it
Tensor multinomial(const Tensor& probabilities, int64_t num_samples, bool replacement = false);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, double b) { return add(a, b); }
inline Tensor operator+(double a, const Tensor& b) { return add(b, a); }
inline Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
inline Tensor operator-(double a, const Tensor& b) { return rsub(b, a); }
inline Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
inline Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
inline Tensor operator/(const Tensor& a, double b) { return div(a, b); }
inline Tensor operator/(double a, const Tensor& b) { return rdiv(b, a); }

// Grad mode is per thread, as in PyTorch.
struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};
class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};
class EnableGradGuard {
 public:
  explicit EnableGradGuard(bool enabled = true) : previous_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~EnableGradGuard() { GradMode::set_enabled(previous_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace xgrad

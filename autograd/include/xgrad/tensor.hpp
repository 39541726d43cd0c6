// xgrad: the public Tensor handle, its factories and its differentiable ops.
// Standard-library includes only, so a training file compiles in about a second.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <type_traits>
#include <string>
#include <tuple>
#include <vector>

#include "xgrad/util.hpp"

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

// The floating dtype used when none is given (factories, tensor() of floating values, int -> float promotion),
// as torch.set_default_dtype: process-wide, kFloat32 (the default) or kFloat64; other dtypes throw.
Dtype get_default_dtype();
void set_default_dtype(Dtype dtype);
// LibTorch passes the default dtype as a caffe2::TypeMeta; in xgrad it is the Dtype itself.
inline Dtype typeMetaToScalarType(Dtype dtype) { return dtype; }
inline Dtype scalarTypeToTypeMeta(Dtype dtype) { return dtype; }
inline Dtype get_default_dtype_as_scalartype() { return get_default_dtype(); }
std::string shape_string(const Shape& shape);  // "[3, 2]"

// A C++ number given to an op, as LibTorch's Scalar. It remembers whether it was written as a bool, an
// integer or a floating-point number, because PyTorch's type promotion depends on it: an int64 tensor
// times 2 stays int64, times 2.0 is float32.
class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Integral, Floating };
  Scalar() : Scalar(int64_t(0)) {}
  Scalar(double value) : kind_(Kind::Floating), floating_(value) {}
  template <class T, std::enable_if_t<std::is_integral<T>::value && !std::is_same<T, bool>::value, int> = 0>
  Scalar(T value) : kind_(Kind::Integral), integral_(static_cast<int64_t>(value)) {}
  template <class T, std::enable_if_t<std::is_same<T, bool>::value, int> = 0>
  Scalar(T value) : kind_(Kind::Bool), integral_(value) {}
  Kind kind() const { return kind_; }
  bool isFloatingPoint() const { return kind_ == Kind::Floating; }
  bool isIntegral(bool includeBool) const { return kind_ == Kind::Integral || (includeBool && kind_ == Kind::Bool); }
  bool isBoolean() const { return kind_ == Kind::Bool; }
  // Conversions as static_cast (a floating value to an integer type truncates; to bool, nonzero is true).
  template <class T>
  T to() const {
    if constexpr (std::is_same<T, bool>::value) return kind_ == Kind::Floating ? floating_ != 0 : integral_ != 0;
    else return kind_ == Kind::Floating ? static_cast<T>(floating_) : static_cast<T>(integral_);
  }
  double toDouble() const { return to<double>(); }
  float toFloat() const { return to<float>(); }
  int64_t toLong() const { return to<int64_t>(); }
  int toInt() const { return to<int>(); }
  bool toBool() const { return to<bool>(); }

 private:
  Kind kind_;
  double floating_ = 0;
  int64_t integral_ = 0;
};
std::ostream& operator<<(std::ostream& out, const Scalar& scalar);

// LibTorch's name for the element type.
using ScalarType = Dtype;

// Devices, as LibTorch's. xgrad computes on the CPU only: a CUDA tensor request throws a clear error, and
// cuda::is_available() is false, so programs written for both pick the CPU path.
enum class DeviceType : int8_t { CPU = 0, CUDA = 1 };
constexpr DeviceType kCPU = DeviceType::CPU;
constexpr DeviceType kCUDA = DeviceType::CUDA;
class Device {
 public:
  Device(DeviceType type, int8_t index = -1) : type_(type), index_(index) {}  // implicit, as LibTorch's
  Device(const std::string& text);  // "cpu", "cuda", "cuda:1"
  DeviceType type() const { return type_; }
  int8_t index() const { return index_; }
  bool has_index() const { return index_ != -1; }
  bool is_cpu() const { return type_ == DeviceType::CPU; }
  bool is_cuda() const { return type_ == DeviceType::CUDA; }
  std::string str() const;
  bool operator==(const Device& other) const { return type_ == other.type_ && index_ == other.index_; }
  bool operator!=(const Device& other) const { return !(*this == other); }

 private:
  DeviceType type_;
  int8_t index_;
};
std::ostream& operator<<(std::ostream& out, const Device& device);
namespace cuda {
inline bool is_available() { return false; }
inline int64_t device_count() { return 0; }
}  // namespace cuda
// Every tensor is strided (dense), as LibTorch's default layout.
enum class Layout : int8_t { Strided };
constexpr Layout kStrided = Layout::Strided;

// Chainable creation options, as in PyTorch: TensorOptions().dtype(kFloat64).requires_grad(true).
class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(Dtype value) : dtype_(value), has_dtype_(true) {}  // implicit, as LibTorch's: zeros({3}, xg::kInt64)
  TensorOptions(Device value) : device_(value) {}                  // implicit: zeros({3}, xg::kCPU)
  TensorOptions(DeviceType value) : device_(value) {}
  TensorOptions(Layout) {}
  TensorOptions device(Device value) const {
    TensorOptions copy = *this;
    copy.device_ = value;
    return copy;
  }
  TensorOptions layout(Layout) const { return *this; }
  TensorOptions dtype(Dtype value) const {
    TensorOptions copy = *this;
    copy.dtype_ = value;
    copy.has_dtype_ = true;
    return copy;
  }
  TensorOptions requires_grad(bool value) const {
    TensorOptions copy = *this;
    copy.requires_grad_ = value;
    return copy;
  }
  Dtype dtype() const { return has_dtype_ ? dtype_ : get_default_dtype(); }
  bool has_dtype() const { return has_dtype_; }
  bool requires_grad() const { return requires_grad_; }
  Device device() const { return device_; }
  Layout layout() const { return kStrided; }

 private:
  Dtype dtype_ = kFloat32;  // read only when has_dtype_
  Device device_ = kCPU;
  bool has_dtype_ = false;  // full() infers the dtype from its value when none was given, as LibTorch's
  bool requires_grad_ = false;
};
inline TensorOptions requires_grad(bool value = true) { return TensorOptions().requires_grad(value); }
inline TensorOptions dtype(Dtype value) { return TensorOptions().dtype(value); }
inline TensorOptions device(Device value) { return TensorOptions().device(value); }

struct TensorImpl;  // private: storage, shape and autograd metadata
namespace indexing {
class TensorIndex;
}

// A cheap reference-counted handle: copies share data and history, like torch::Tensor.
class Tensor {
 public:
  Tensor() = default;
  // Handles are copied, moved and dropped all the time (temporaries, holders that stay empty): the null
  // tests are inline, the reference counting out of line.
  Tensor(const Tensor& other) : impl_(other.impl_) {
    if (impl_) retain_impl(impl_);
  }
  Tensor(Tensor&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }
  Tensor& operator=(const Tensor& other) &;
  Tensor& operator=(Tensor&& other) & noexcept {
    if (this != &other) {
      if (impl_) release_impl(impl_);
      impl_ = other.impl_;
      other.impl_ = nullptr;
    }
    return *this;
  }
  // Assigning to a temporary writes into it, as in LibTorch: `x[0] = y` copies y into row 0 of x,
  // `w[0][0] = 0.5` fills that element (under NoGradGuard for a parameter).
  Tensor& operator=(const Tensor& other) &&;
  Tensor& operator=(Tensor&& other) &&;
  Tensor& operator=(Scalar value) &&;
  ~Tensor() {
    if (impl_) release_impl(impl_);
  }
  // Adopts one reference; for the library's own code. A template so that a literal 0 never converts to a
  // Tensor (x.index_select(0, {0}) must mean the index list, not a null tensor).
  template <class Impl, std::enable_if_t<std::is_same<Impl, TensorImpl>::value, int> = 0>
  explicit Tensor(Impl* impl) : impl_(impl) {}

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
  // --- LibTorch's spellings of the above and of devices (CPU only: a CUDA device throws)
  Tensor to(Device device, Dtype dtype) const;
  Tensor to(Device device) const { return to_device(device); }
  Tensor to(DeviceType device) const { return to_device(device); }
  Tensor to(const Tensor& other) const { return to(other.dtype()); }
  Tensor to(TensorOptions options) const;
  Tensor cpu() const { return *this; }
  Tensor cuda() const { return to_device(kCUDA); }
  Device device() const { return kCPU; }
  bool is_cpu() const { return true; }
  bool is_cuda() const { return false; }
  Layout layout() const { return kStrided; }
  ScalarType scalar_type() const { return dtype(); }
  TensorOptions options() const { return TensorOptions(dtype()); }
  bool is_floating_point() const { return xgrad::is_floating_point(dtype()); }
  bool is_signed() const { return dtype() != kBool; }
  IntArrayRef sizes() const { return shape(); }
  int64_t ndimension() const { return dim(); }
  int64_t element_size() const;
  Tensor& set_requires_grad(bool value) { return requires_grad_(value); }
  Tensor data() const { return detach(); }  // the values without history, sharing storage

  // --- data access
  template <class T> T item() const;                      // T: float, double, int, int64_t or bool
  double item() const { return item<double>(); }
  template <class T> std::vector<T> to_vector() const;   // flat row-major copy, converted to T (as item)
  template <class T> T* data_ptr();                        // T must match dtype(); points at element 0
  template <class T> const T* data_ptr() const;

  // --- ops (also available as free functions)
  Tensor pow(Scalar exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor erf() const;
  Tensor clamp(Scalar min, Scalar max) const;  // min > max gives max everywhere, as PyTorch
  Tensor sum() const;
  Tensor sum(IntArrayRef dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(IntArrayRef dims, bool keepdim = false) const;
  Tensor max() const;
  Tensor min() const;
  Tensor matmul(const Tensor& other) const;
  Tensor index_select(int64_t dim, std::vector<int64_t> indices) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;  // LibTorch's form: a 0-d or 1-d int64/int32 index
  // --- comparison, logical, reductions over dims (ops_compare.cpp, ops_reduce_dim.cpp)
  // Comparisons give kBool tensors, computed in the operands' promoted dtype (torch.result_type).
  Tensor eq(const Tensor& other) const;
  Tensor eq(Scalar other) const;
  Tensor ne(const Tensor& other) const;
  Tensor ne(Scalar other) const;
  Tensor lt(const Tensor& other) const;
  Tensor lt(Scalar other) const;
  Tensor le(const Tensor& other) const;
  Tensor le(Scalar other) const;
  Tensor gt(const Tensor& other) const;
  Tensor gt(Scalar other) const;
  Tensor ge(const Tensor& other) const;
  Tensor ge(Scalar other) const;
  Tensor where(const Tensor& condition, const Tensor& other) const;  // xg::where(condition, *this, other)
  Tensor where(const Tensor& condition, Scalar other) const;
  Tensor masked_fill(const Tensor& mask, Scalar value) const;  // mask: kBool, broadcast with this tensor
  Tensor masked_fill(const Tensor& mask, const Tensor& value) const;  // value: a 0-d tensor (differentiable)
  Tensor& masked_fill_(const Tensor& mask, Scalar value);
  Tensor& masked_fill_(const Tensor& mask, const Tensor& value);
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  Tensor logical_xor(const Tensor& other) const;
  Tensor logical_not() const;
  Tensor isnan() const;
  Tensor isinf() const;
  Tensor isfinite() const;
  Tensor any() const;
  Tensor any(int64_t dim, bool keepdim = false) const;
  Tensor all() const;
  Tensor all(int64_t dim, bool keepdim = false) const;
  bool allclose(const Tensor& other, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false) const;
  bool equal(const Tensor& other) const;  // same shape and values (dtypes may differ)
  Tensor isclose(const Tensor& other, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false) const;
  Tensor nan_to_num(std::optional<double> nan = std::nullopt, std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt) const;
  Tensor& nan_to_num_(std::optional<double> nan = std::nullopt, std::optional<double> posinf = std::nullopt,
                      std::optional<double> neginf = std::nullopt);
  // (values, int64 indices); ties and NaNs give the first position, as in PyTorch.
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor amax(IntArrayRef dims = {}, bool keepdim = false) const;  // {}: every dimension
  Tensor amin(IntArrayRef dims = {}, bool keepdim = false) const;
  Tensor prod(std::optional<Dtype> dtype = std::nullopt) const;  // integer and bool inputs give int64
  Tensor prod(int64_t dim, bool keepdim = false, std::optional<Dtype> dtype = std::nullopt) const;
  Tensor var(bool unbiased = true) const;
  Tensor var(IntArrayRef dims, bool unbiased = true, bool keepdim = false) const;
  Tensor var(IntArrayRef dims, std::optional<int64_t> correction, bool keepdim = false) const;
  Tensor var(int dim) const;  // var({dim}), as LibTorch's: var(0) is not var(unbiased = false)
  Tensor std(bool unbiased = true) const;
  Tensor std(IntArrayRef dims, bool unbiased = true, bool keepdim = false) const;
  Tensor std(IntArrayRef dims, std::optional<int64_t> correction, bool keepdim = false) const;
  Tensor std(int dim) const;
  Tensor norm(double p = 2) const;
  Tensor norm(std::optional<double> p, IntArrayRef dims, bool keepdim = false) const;
  Tensor logsumexp(IntArrayRef dims, bool keepdim = false) const;
  Tensor cumsum(int64_t dim, std::optional<Dtype> dtype = std::nullopt) const;
  Tensor cumprod(int64_t dim, std::optional<Dtype> dtype = std::nullopt) const;

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
  Tensor clamp_min(Scalar min) const;
  Tensor clamp_max(Scalar max) const;
  Tensor lerp(const Tensor& end, double weight) const;  // self + weight * (end - self)
  Tensor lerp(const Tensor& end, const Tensor& weight) const;
  Tensor addcmul(const Tensor& tensor1, const Tensor& tensor2, double value = 1) const;  // self + value * t1 * t2
  Tensor addcdiv(const Tensor& tensor1, const Tensor& tensor2, double value = 1) const;  // self + value * t1 / t2
  Tensor remainder(const Tensor& other) const;  // sign of the divisor (Python's %)
  Tensor remainder(Scalar other) const;
  Tensor fmod(const Tensor& other) const;  // sign of the dividend (C's fmod)
  Tensor fmod(Scalar other) const;
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
  Tensor& clamp_min_(Scalar min);
  Tensor& clamp_max_(Scalar max);
  Tensor& lerp_(const Tensor& end, double weight);
  Tensor& lerp_(const Tensor& end, const Tensor& weight);
  Tensor& addcmul_(const Tensor& tensor1, const Tensor& tensor2, double value = 1);
  Tensor& addcdiv_(const Tensor& tensor1, const Tensor& tensor2, double value = 1);
  Tensor& remainder_(const Tensor& other);
  Tensor& remainder_(Scalar other);
  Tensor& fmod_(const Tensor& other);
  Tensor& fmod_(Scalar other);
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

  // --- gather/scatter, layout and products (ops_layout.cpp)
  // Index tensors are int64 (index_add also takes int32); an index out of range throws std::out_of_range
  // naming the op, the index and the dimension's size. Results are new tensors, except chunk/split/unbind,
  // which return views (writes show through both ways).
  Tensor gather(int64_t dim, const Tensor& index, bool sparse_grad = false) const;  // gradients are dense anyway
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src) const;  // repeated positions: last write wins
  Tensor scatter(int64_t dim, const Tensor& index, Scalar value) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;  // repeated positions accumulate
  Tensor index_add(int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1) const;
  Tensor& scatter_(int64_t dim, const Tensor& index, const Tensor& src);
  Tensor& scatter_(int64_t dim, const Tensor& index, Scalar value);
  Tensor& scatter_add_(int64_t dim, const Tensor& index, const Tensor& src);
  Tensor& index_add_(int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1);
  Tensor masked_select(const Tensor& mask) const;  // 1-d; mask: kBool, broadcast with this tensor
  Tensor nonzero() const;                           // int64 [count, dim()]
  Tensor flip(IntArrayRef dims) const;
  Tensor roll(IntArrayRef shifts, IntArrayRef dims = {}) const;  // no dims: the flattened tensor rolls
  Tensor roll(int64_t shifts, std::optional<int64_t> dim = std::nullopt) const;
  Tensor repeat(IntArrayRef repeats) const;
  Tensor tile(IntArrayRef reps) const;  // repeat, with reps padded by leading 1s
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> split(IntArrayRef split_sizes, int64_t dim = 0) const;
  std::vector<Tensor> split_with_sizes(IntArrayRef split_sizes, int64_t dim = 0) const;
  std::vector<Tensor> unbind(int64_t dim = 0) const;
  Tensor outer(const Tensor& vec2) const;
  Tensor dot(const Tensor& other) const;
  Tensor mv(const Tensor& vec) const;
  Tensor bmm(const Tensor& mat2) const;
  Tensor tril(int64_t diagonal = 0) const;
  Tensor triu(int64_t diagonal = 0) const;
  Tensor& tril_(int64_t diagonal = 0);
  Tensor& triu_(int64_t diagonal = 0);

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
  Tensor permute(IntArrayRef dims) const;
  Tensor expand(IntArrayRef sizes) const;  // -1 keeps a dimension's size
  Tensor expand_as(const Tensor& other) const;
  Tensor view(IntArrayRef shape) const;  // throws when the strides cannot express it (use reshape)
  Tensor view_as(const Tensor& other) const;
  Tensor reshape(IntArrayRef shape) const;  // a view when possible, else a copy
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;

  // --- LibTorch's indexing (xg::indexing): x.index({Slice(0, 2), 1}), x.index({"...", None}),
  // x.index({mask}), x.index_put_({Slice(), 0}, 1.0). Integers, slices, None and "..." give views;
  // int64/int32 or bool index tensors (several broadcast together) copy, as in PyTorch.
  Tensor index(std::initializer_list<indexing::TensorIndex> indices) const;
  Tensor index(const std::vector<indexing::TensorIndex>& indices) const;
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& value);
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, Scalar value);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, const Tensor& value);
  Tensor operator-() const;

  // --- in place, on any tensor including views (writes go to the shared storage). Each bumps the version
  // counter; refused on leaves that require grad, and views of them, while grad mode is on
  Tensor& operator+=(const Tensor& other);
  Tensor& operator-=(const Tensor& other);
  Tensor& operator*=(const Tensor& other);
  Tensor& operator/=(const Tensor& other);
  Tensor& operator+=(Scalar value);
  Tensor& operator-=(Scalar value);
  Tensor& operator*=(Scalar value);
  Tensor& operator/=(Scalar value);
  Tensor& add_(const Tensor& other);
  Tensor& sub_(const Tensor& other);
  Tensor& mul_(const Tensor& other);
  Tensor& div_(const Tensor& other);
  Tensor& add_(Scalar value);
  Tensor& sub_(Scalar value);
  Tensor& mul_(Scalar value);
  Tensor& div_(Scalar value);
  Tensor& neg_();
  Tensor& clamp_(Scalar min, Scalar max);
  Tensor& zero_();
  Tensor& fill_(Scalar value);
  Tensor& copy_(const Tensor& source);  // broadcasts and converts the source; differentiable

  TensorImpl* impl() const { return impl_; }

 private:
  Tensor to_device(Device device) const;
  static void retain_impl(TensorImpl* impl) noexcept;
  static void release_impl(TensorImpl* impl) noexcept;
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
// The values of xg::tensor(...), as LibTorch's TensorDataContainer: a number, a (nested) braced list, or a
// std::vector / ArrayRef of numbers. Its dtype, unless options give one, is as torch.tensor's: int64 for
// integers, bool for bools, the default dtype (float32) for floating values. A braced list must be regular
// ({{1, 2}, {3}} throws) and of one kind of number ({1, 2.5} throws: write {1.0, 2.5}), as LibTorch's; unlike
// LibTorch, float and double may mix (NAN and INFINITY are floats: {1.0, NAN} works).
class TensorDataContainer {
 public:
  // How a number was written, with LibTorch's names (they appear in its error messages).
  enum class Written : uint8_t { Bool, Byte, Char, Short, Int, Long, Float, Double };

  TensorDataContainer();  // {}: an empty 1-d tensor
  template <class T, std::enable_if_t<std::is_arithmetic<T>::value, int> = 0>
  TensorDataContainer(T value) : written_(written_of<T>()), values_{Scalar(value)} {}
  TensorDataContainer(std::initializer_list<TensorDataContainer> list);
  template <class T, std::enable_if_t<std::is_arithmetic<T>::value, int> = 0>
  TensorDataContainer(ArrayRef<T> values) : sizes_{static_cast<int64_t>(values.size())}, written_(written_of<T>()) {
    values_.reserve(values.size());
    for (const T& value : values) values_.emplace_back(value);
  }
  template <class T, std::enable_if_t<std::is_arithmetic<T>::value, int> = 0>
  TensorDataContainer(const std::vector<T>& values) : TensorDataContainer(ArrayRef<T>(values)) {}
  TensorDataContainer(const std::vector<bool>& values);

  bool is_scalar() const { return sizes_.empty(); }
  const Shape& sizes() const { return sizes_; }
  Written written() const { return written_; }
  Dtype scalar_type() const;  // the dtype tensor() gives without options
  Tensor convert_to_tensor(TensorOptions options) const;
  friend std::ostream& operator<<(std::ostream& out, const TensorDataContainer& data);  // {{1, 2}, {3, 4}}

 private:
  template <class T>
  static constexpr Written written_of() {
    if constexpr (std::is_same<T, bool>::value) return Written::Bool;
    else if constexpr (std::is_floating_point<T>::value) return sizeof(T) == sizeof(float) ? Written::Float : Written::Double;
    else if constexpr (sizeof(T) == 1) return std::is_signed<T>::value ? Written::Char : Written::Byte;
    else if constexpr (sizeof(T) == 2) return Written::Short;
    else if constexpr (sizeof(T) == 4) return Written::Int;
    else return Written::Long;
  }
  Shape sizes_;
  Written written_;
  std::vector<Scalar> values_;  // row-major
};
Tensor tensor(const TensorDataContainer& values, TensorOptions options = {});
// xgrad's shorthand: values in row-major order with a shape, tensor({1, 2, 3, 4}, {2, 2}) (default dtype).
Tensor tensor(std::vector<double> values, IntArrayRef shape, TensorOptions options = {});
Tensor scalar_tensor(Scalar value, TensorOptions options = {});  // the default dtype unless options say
// A tensor over memory the caller owns, as LibTorch's from_blob: nothing is copied; the tensor and its views
// read and write that memory, which must outlive them, or be handed over with a deleter (run once, when
// the last tensor using it goes). Strides are in elements (non-negative); the pointer must be aligned to the
// dtype (the default dtype unless options say).
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, const std::function<void(void*)>& deleter, const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const std::function<void(void*)>& deleter,
                 const TensorOptions& options = {});
Tensor empty(IntArrayRef shape, TensorOptions options = {});
Tensor zeros(IntArrayRef shape, TensorOptions options = {});
Tensor ones(IntArrayRef shape, TensorOptions options = {});
// Without a dtype in options, the value decides: bool, int64 for an integer, float32 (as LibTorch).
Tensor full(IntArrayRef shape, Scalar value, TensorOptions options = {});
Tensor zeros_like(const Tensor& like, TensorOptions options);
Tensor zeros_like(const Tensor& like);
Tensor ones_like(const Tensor& like);
// Without a dtype in options: int64 when every bound is an integer (arange(5), arange(0, 10, 2)), else the
// default dtype, as LibTorch's.
Tensor arange(Scalar end, TensorOptions options = {});
Tensor arange(Scalar start, Scalar end, TensorOptions options = {});
Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options = {});
Tensor linspace(Scalar start, Scalar end, int64_t steps, TensorOptions options = {});
Tensor rand(IntArrayRef shape, TensorOptions options = {});   // U[0, 1)
Tensor randn(IntArrayRef shape, TensorOptions options = {});  // N(0, 1)
void manual_seed(uint64_t seed);                       // seeds this thread's generator

// --- differentiable ops
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, Scalar b);
Tensor sub(const Tensor& a, Scalar b);
Tensor mul(const Tensor& a, Scalar b);
Tensor div(const Tensor& a, Scalar b);
Tensor neg(const Tensor& a);
Tensor rsub(const Tensor& a, Scalar b);  // b - a
Tensor rdiv(const Tensor& a, Scalar b);  // b / a
Tensor pow(const Tensor& base, Scalar exponent);
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor clamp(const Tensor& x, Scalar min, Scalar max);
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, IntArrayRef dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, IntArrayRef dims, bool keepdim = false);
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor t(const Tensor& x);
Tensor reshape(const Tensor& x, IntArrayRef shape);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor broadcast_to(const Tensor& x, IntArrayRef shape);  // a view, as expand
Tensor sum_to(const Tensor& x, const Shape& shape);  // undoes broadcasting
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor select(const Tensor& x, int64_t dim, int64_t index);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor permute(const Tensor& x, IntArrayRef dims);
Tensor diagonal(const Tensor& x, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor index_select(const Tensor& x, int64_t dim, std::vector<int64_t> indices);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// --- comparison, logical, reductions over dims (ops_compare.cpp, ops_reduce_dim.cpp)
Tensor eq(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, Scalar b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, Scalar b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, Scalar b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, Scalar b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, Scalar b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, Scalar b);
// condition ? a : b element-wise; the three broadcast, a and b promote; differentiable in a and b.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, Scalar b);
Tensor where(const Tensor& condition, Scalar a, const Tensor& b);
Tensor where(const Tensor& condition, Scalar a, Scalar b);  // two numbers: bool, int64 or float32 as they promote
Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value);
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& x);
Tensor isnan(const Tensor& x);
Tensor isinf(const Tensor& x);
Tensor isfinite(const Tensor& x);
Tensor any(const Tensor& x);
Tensor any(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor all(const Tensor& x);
Tensor all(const Tensor& x, int64_t dim, bool keepdim = false);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false);
bool equal(const Tensor& a, const Tensor& b);
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false);
Tensor nan_to_num(const Tensor& x, std::optional<double> nan = std::nullopt, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor amax(const Tensor& x, IntArrayRef dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, IntArrayRef dims = {}, bool keepdim = false);
Tensor prod(const Tensor& x, std::optional<Dtype> dtype = std::nullopt);
Tensor prod(const Tensor& x, int64_t dim, bool keepdim = false, std::optional<Dtype> dtype = std::nullopt);
Tensor var(const Tensor& x, bool unbiased = true);
Tensor var(const Tensor& x, IntArrayRef dims, bool unbiased = true, bool keepdim = false);
Tensor var(const Tensor& x, IntArrayRef dims, std::optional<int64_t> correction, bool keepdim = false);
Tensor var(const Tensor& x, int dim);
Tensor std(const Tensor& x, bool unbiased = true);
Tensor std(const Tensor& x, IntArrayRef dims, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x, IntArrayRef dims, std::optional<int64_t> correction, bool keepdim = false);
Tensor std(const Tensor& x, int dim);
Tensor norm(const Tensor& x, double p = 2);
Tensor norm(const Tensor& x, std::optional<double> p, IntArrayRef dims, bool keepdim = false);
Tensor logsumexp(const Tensor& x, IntArrayRef dims, bool keepdim = false);
Tensor cumsum(const Tensor& x, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<Dtype> dtype = std::nullopt);
// Comparison operators return kBool tensors, as LibTorch's (compare handles with a.impl() == b.impl()).
inline Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
inline Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
inline Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
inline Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
inline Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
inline Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
inline Tensor operator==(const Tensor& a, Scalar b) { return eq(a, b); }
inline Tensor operator!=(const Tensor& a, Scalar b) { return ne(a, b); }
inline Tensor operator<(const Tensor& a, Scalar b) { return lt(a, b); }
inline Tensor operator<=(const Tensor& a, Scalar b) { return le(a, b); }
inline Tensor operator>(const Tensor& a, Scalar b) { return gt(a, b); }
inline Tensor operator>=(const Tensor& a, Scalar b) { return ge(a, b); }
inline Tensor operator==(Scalar a, const Tensor& b) { return eq(b, a); }
inline Tensor operator!=(Scalar a, const Tensor& b) { return ne(b, a); }
inline Tensor operator<(Scalar a, const Tensor& b) { return gt(b, a); }
inline Tensor operator<=(Scalar a, const Tensor& b) { return ge(b, a); }
inline Tensor operator>(Scalar a, const Tensor& b) { return lt(b, a); }
inline Tensor operator>=(Scalar a, const Tensor& b) { return le(b, a); }
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
Tensor clamp_min(const Tensor& x, Scalar min);
Tensor clamp_max(const Tensor& x, Scalar max);
Tensor& clamp_min_(Tensor& x, Scalar min);
Tensor& clamp_max_(Tensor& x, Scalar max);
Tensor lerp(const Tensor& self, const Tensor& end, double weight);
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight);
Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, double value = 1);
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, double value = 1);
Tensor remainder(const Tensor& a, const Tensor& b);
Tensor remainder(const Tensor& a, Scalar b);
Tensor fmod(const Tensor& a, const Tensor& b);
Tensor fmod(const Tensor& a, Scalar b);
Tensor randint(int64_t low, int64_t high, IntArrayRef shape, TensorOptions options = kInt64);  // [low, high)
Tensor randint(int64_t high, IntArrayRef shape, TensorOptions options = kInt64);               // [0, high)
Tensor randperm(int64_t n, TensorOptions options = kInt64);
Tensor bernoulli(const Tensor& probabilities);
Tensor bernoulli(const Tensor& x, double p);
Tensor bernoulli(const Tensor& x, const Tensor& p);  // x's shape and dtype, p broadcast to it
Tensor multinomial(const Tensor& probabilities, int64_t num_samples, bool replacement = false);

// --- gather/scatter, layout and products (ops_layout.cpp, ops_einsum.cpp)
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index, bool sparse_grad = false);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, Scalar value);
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1);
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, Scalar value);
Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha = 1);
Tensor masked_select(const Tensor& self, const Tensor& mask);
Tensor nonzero(const Tensor& self);
Tensor flip(const Tensor& self, IntArrayRef dims);
Tensor roll(const Tensor& self, IntArrayRef shifts, IntArrayRef dims = {});
Tensor roll(const Tensor& self, int64_t shifts, std::optional<int64_t> dim = std::nullopt);
Tensor repeat(const Tensor& self, IntArrayRef repeats);
Tensor tile(const Tensor& self, IntArrayRef reps);
std::vector<Tensor> chunk(const Tensor& self, int64_t chunks, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& self, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& self, IntArrayRef split_sizes, int64_t dim = 0);
std::vector<Tensor> split_with_sizes(const Tensor& self, IntArrayRef split_sizes, int64_t dim = 0);
std::vector<Tensor> unbind(const Tensor& self, int64_t dim = 0);
Tensor outer(const Tensor& self, const Tensor& vec2);
Tensor dot(const Tensor& self, const Tensor& other);
Tensor mv(const Tensor& self, const Tensor& vec);
Tensor bmm(const Tensor& self, const Tensor& mat2);
// One or two operands (contracted with one bmm): einsum("bij,bjk->bik", {a, b}); "..." and implicit output
// as in PyTorch; a subscript repeated within an operand takes its diagonal ("ii->i").
Tensor einsum(const std::string& equation, const std::vector<Tensor>& tensors);
Tensor tril(const Tensor& self, int64_t diagonal = 0);
Tensor triu(const Tensor& self, int64_t diagonal = 0);
Tensor& tril_(Tensor& self, int64_t diagonal = 0);
Tensor& triu_(Tensor& self, int64_t diagonal = 0);
// int64 classes to int64 one-hot rows [..., num_classes]; -1 infers max + 1 (torch::nn::functional::one_hot).
Tensor one_hot(const Tensor& self, int64_t num_classes = -1);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, Scalar b) { return add(a, b); }
inline Tensor operator+(Scalar a, const Tensor& b) { return add(b, a); }
inline Tensor operator-(const Tensor& a, Scalar b) { return sub(a, b); }
inline Tensor operator-(Scalar a, const Tensor& b) { return rsub(b, a); }
inline Tensor operator*(const Tensor& a, Scalar b) { return mul(a, b); }
inline Tensor operator*(Scalar a, const Tensor& b) { return mul(b, a); }
inline Tensor operator/(const Tensor& a, Scalar b) { return div(a, b); }
inline Tensor operator/(Scalar a, const Tensor& b) { return rdiv(b, a); }

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

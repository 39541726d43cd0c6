// The Tensor handle, tensor bodies, factories, printing and grad mode.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <limits>
#include <new>
#include <ostream>
#include <sstream>

#include "engine.hpp"
#include "node.hpp"
#include "ops_internal.hpp"
#include "random.hpp"
#include "tensor_impl.hpp"

namespace xgrad {

// ---------------------------------------------------------------- reference counting

namespace {
// Objects whose count reached zero while another destruction runs, linked through next_pending. Plain
// thread_locals: the hot path needs no TLS wrapper call and no allocation.
thread_local bool draining = false;
thread_local RefCounted* pending = nullptr;
}  // namespace

void destroy_deferred(RefCounted* object) {
  // Destroying one object may release others; queue them instead of recursing.
  if (draining) {
    object->next_pending = pending;
    pending = object;
    return;
  }
  draining = true;
  object->destroy();
  while (pending) {
    RefCounted* next = pending;
    pending = next->next_pending;
    next->destroy();
  }
  draining = false;
}

Storage* Storage::allocate(size_t bytes) {
  char* memory = static_cast<char*>(pool_allocate(block_size(bytes)));
  Storage* storage = ::new (memory) Storage();
  uintptr_t start = reinterpret_cast<uintptr_t>(memory) + sizeof(Storage);
  uintptr_t aligned = (start + kAlignment - 1) & ~static_cast<uintptr_t>(kAlignment - 1);
  storage->offset = static_cast<std::ptrdiff_t>(aligned - reinterpret_cast<uintptr_t>(memory));
  storage->bytes = bytes;
  return storage;
}

Storage* Storage::borrow(void* data, size_t bytes, std::function<void(void*)> deleter) {
  std::unique_ptr<std::function<void(void*)>> owned;
  if (deleter) owned = std::make_unique<std::function<void(void*)>>(std::move(deleter));
  Storage* storage = ::new (pool_allocate(sizeof(Storage))) Storage();
  storage->offset = static_cast<std::ptrdiff_t>(reinterpret_cast<uintptr_t>(data) - reinterpret_cast<uintptr_t>(storage));
  storage->bytes = bytes;
  storage->borrowed = true;
  storage->deleter = owned.release();
  return storage;
}

void Storage::destroy() {
  if (borrowed) {
    std::unique_ptr<std::function<void(void*)>> deleter_of_data(deleter);
    void* memory = data();
    this->~Storage();
    pool_free(this, sizeof(Storage));
    if (deleter_of_data) (*deleter_of_data)(memory);
    return;
  }
  size_t total = block_size(bytes);
  this->~Storage();
  pool_free(this, total);
}

int64_t checked_numel(const Shape& shape, const char* op) {
  // Every tensor is made through here: an overflow test instead of a division per dimension.
  int64_t count = 1;
  bool overflow = false;
  for (int64_t extent : shape) {
    if (extent < 0) throw Error(std::string(op) + ": negative dimension in shape " + shape_string(shape));
    overflow |= __builtin_mul_overflow(count, extent, &count);
  }
  // Bytes must fit too (8 per element at most); a zero extent anywhere makes any product fine.
  if ((overflow || count > std::numeric_limits<int64_t>::max() / 8) &&
      std::find(shape.begin(), shape.end(), 0) == shape.end())
    throw std::length_error(std::string(op) + ": shape " + shape_string(shape) + " has too many elements");
  return overflow ? 0 : count;
}

TensorImpl::TensorImpl(Shape shape_in, Dtype dtype_in) : shape(std::move(shape_in)), dtype(dtype_in) {
  numel = checked_numel(shape, "tensor");
  size_t bytes = static_cast<size_t>(numel) * dtype_size(dtype);
  try {
    storage = Ref<Storage>(Storage::allocate(bytes));
    storage->views.store(1, std::memory_order_relaxed);
  } catch (const std::bad_alloc&) {
    throw std::length_error("tensor: cannot allocate " + std::to_string(bytes) + " bytes for a " + dtype_name(dtype) +
                            " tensor of shape " + shape_string(shape));
  }
}

TensorImpl::TensorImpl(Ref<Storage> storage_in, Shape shape_in, Dtype dtype_in)
    : storage(std::move(storage_in)), shape(std::move(shape_in)), dtype(dtype_in) {
  numel = checked_numel(shape, "tensor");  // may throw: count the view only once constructed
  storage->views.fetch_add(1, std::memory_order_relaxed);
}

void TensorImpl::set_storage(Ref<Storage> replacement) {
  replacement->views.fetch_add(1, std::memory_order_relaxed);
  storage->views.fetch_sub(1, std::memory_order_relaxed);
  storage = std::move(replacement);
}

TensorImpl::~TensorImpl() {
  if (storage) storage->views.fetch_sub(1, std::memory_order_relaxed);
  if (Node* accumulator = grad_accumulator.load(std::memory_order_acquire)) {
    static_cast<AccumulateGrad*>(accumulator)->detach_leaf();  // graphs may still hold it
    release(accumulator);
  }
  if (retains_grad && grad_fn && grad_fn->retained_output == this) grad_fn->retained_output = nullptr;
}

Tensor make_tensor(Shape shape, Dtype dtype) {
  TensorImpl* impl = new TensorImpl(std::move(shape), dtype);
  retain(impl);
  return Tensor(impl);
}

Tensor make_alias(const Tensor& source, Shape shape) {
  const TensorImpl& from = *source.impl();
  TensorImpl* impl = new TensorImpl(from.storage, std::move(shape), from.dtype);
  impl->offset = from.offset;
  if (impl->shape == from.shape) {
    if (!from.is_contiguous()) impl->layout_for().strides = from.layout->strides;
  } else if (impl->numel != from.numel || !from.is_contiguous()) {
    std::string message = "reshape: shape " + shape_string(impl->shape) + " is invalid for input of shape " +
                          shape_string(from.shape);
    delete impl;
    throw Error(message);
  }
  retain(impl);
  return Tensor(impl);
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t step = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = step;
    step *= std::max<int64_t>(shape[d], 1);
  }
  return strides;
}

Tensor make_view(const Tensor& source, Shape shape, Shape strides, int64_t offset) {
  const TensorImpl& from = *source.impl();
  TensorImpl* impl = new TensorImpl(from.storage, std::move(shape), from.dtype);
  impl->offset = offset;
  // Row-major strides are not stored (dims of extent 1 may have any stride), so kernels see contiguity.
  bool row_major = true;
  for (size_t d = 0, step = 1; d < strides.size() && row_major; ++d) {
    size_t r = strides.size() - 1 - d;
    if (impl->shape[r] != 1 && strides[r] != static_cast<int64_t>(step)) row_major = false;
    step *= static_cast<size_t>(impl->shape[r]);
  }
  TensorImpl::Layout& layout = impl->layout_for();
  if (!row_major && impl->numel > 1) layout.strides = std::move(strides);
  layout.base = Ref<TensorImpl>(from.view_base() ? from.view_base() : source.impl());
  layout.base_history = layout.base->history;
  retain(impl);
  return Tensor(impl);
}

const Tensor& dense_copy(const Tensor& x, Tensor& holder) {
  const TensorImpl& from = *x.impl();
  holder = make_tensor(from.shape, from.dtype);
  XG_DISPATCH_ALL(from.dtype, {
    const T* in = from.data<T>();
    T* out = holder.impl()->data<T>();
    for_each_element(from.shape, from.layout->strides, contiguous_strides(from.shape),
                     [in, out](int64_t a, int64_t b) { out[b] = in[a]; });
  });
  return holder;
}

int64_t normalize_dim(int64_t dim, int64_t rank, const char* op) {
  int64_t extent = rank == 0 ? 1 : rank;  // a 0-d tensor accepts dim 0 and -1, like PyTorch
  if (dim < -extent || dim >= extent)
    throw Error(std::string(op) + ": dimension " + std::to_string(dim) +
                                " out of range for a tensor of " + std::to_string(rank) + " dimensions");
  return dim < 0 ? dim + extent : dim;
}

const char* dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
    case Dtype::Int64: return "int64";
    case Dtype::Int32: return "int32";
    case Dtype::Bool: return "bool";
  }
  return "unknown";
}

void unsupported_dtype(Dtype dtype) {
  throw Error(std::string("this operation is not implemented for ") + dtype_name(dtype) +
                              " tensors (it needs float32 or float64)");
}

// ---------------------------------------------------------------- devices (CPU only)

Device::Device(const std::string& text) : type_(DeviceType::CPU), index_(-1) {
  const size_t colon = text.find(':');
  const std::string name = text.substr(0, colon);
  if (name == "cuda") type_ = DeviceType::CUDA;
  else if (name != "cpu")
    throw Error("Device: expected one of cpu, cuda device type at start of device string: " + text);
  if (colon != std::string::npos) {
    const std::string digits = text.substr(colon + 1);
    if (digits.empty() || digits.size() > 2 || digits.find_first_not_of("0123456789") != std::string::npos)
      throw Error("Device: invalid device string: '" + text + "'");
    index_ = static_cast<int8_t>(std::stoi(digits));
  }
}
std::string Device::str() const {
  std::string text = is_cuda() ? "cuda" : "cpu";
  return has_index() ? text + ":" + std::to_string(index_) : text;
}
std::ostream& operator<<(std::ostream& out, const Device& device) { return out << device.str(); }

void check_device(const char* op, const TensorOptions& options) {
  if (options.device().is_cuda())
    throw Error(std::string(op) + ": xgrad computes on the CPU only and has no CUDA device (" +
                options.device().str() + "); use xg::kCPU, or check xg::cuda::is_available()");
}
Tensor Tensor::to_device(Device device) const {
  check_device("to", TensorOptions().device(device));
  check_defined("to", *this);
  return *this;  // already there, as LibTorch returns self
}
Tensor Tensor::to(Device device, Dtype dtype) const { return to_device(device).to(dtype); }
Tensor Tensor::to(TensorOptions options) const {
  to_device(options.device());
  return options.has_dtype() ? to(options.dtype()) : *this;
}
int64_t Tensor::element_size() const { return static_cast<int64_t>(dtype_size(dtype())); }

std::ostream& operator<<(std::ostream& out, const Scalar& scalar) {
  if (scalar.isFloatingPoint()) return out << scalar.toDouble();
  if (scalar.isBoolean()) return out << (scalar.toBool() ? "true" : "false");
  return out << scalar.toLong();
}

std::string shape_string(const Shape& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// ---------------------------------------------------------------- handle

void Tensor::retain_impl(TensorImpl* impl) noexcept { retain(impl); }
void Tensor::release_impl(TensorImpl* impl) noexcept { release(impl); }
Tensor& Tensor::operator=(const Tensor& other) && { return copy_(other); }
Tensor& Tensor::operator=(Tensor&& other) && { return copy_(other); }
Tensor& Tensor::operator=(Scalar value) && { return fill_(value); }
Tensor& Tensor::operator=(const Tensor& other) & {
  if (other.impl_) retain(other.impl_);
  if (impl_) release(impl_);
  impl_ = other.impl_;
  return *this;
}

static TensorImpl& checked(const Tensor& tensor, const char* what) {
  if (!tensor.defined()) throw std::logic_error(std::string(what) + ": the tensor is undefined");
  return *tensor.impl();
}

const Shape& Tensor::shape() const { return checked(*this, "shape").shape; }
int64_t Tensor::dim() const { return static_cast<int64_t>(checked(*this, "dim").shape.size()); }
int64_t Tensor::numel() const { return checked(*this, "numel").numel; }
int64_t Tensor::size(int64_t d) const {
  const Shape& sizes = shape();
  const int64_t rank = static_cast<int64_t>(sizes.size());
  if (rank == 0)
    throw std::out_of_range("size: dimension specified as " + std::to_string(d) + " but the tensor has no dimensions");
  if (d < -rank || d >= rank)
    throw std::out_of_range("size: dimension " + std::to_string(d) + " out of range (expected to be in range of [" +
                            std::to_string(-rank) + ", " + std::to_string(rank - 1) + "])");
  return sizes[d < 0 ? d + rank : d];
}
Dtype Tensor::dtype() const { return checked(*this, "dtype").dtype; }
bool Tensor::requires_grad() const {
  if (impl_ && impl_->view_base()) refresh_view(*impl_);
  return impl_ && impl_->requires_grad;
}
bool Tensor::is_leaf() const {
  TensorImpl& impl = checked(*this, "is_leaf");
  if (impl.view_base()) refresh_view(impl);
  return !impl.grad_fn;
}

Tensor& Tensor::requires_grad_(bool value) {
  TensorImpl& impl = checked(*this, "requires_grad_");
  if (impl.grad_fn) {
    if (value) return *this;
    throw std::logic_error(
        "requires_grad_: you can only change requires_grad flags of leaf tensors; use detach() to get a tensor "
        "without history");
  }
  if (value && !xgrad::is_floating_point(impl.dtype))
    throw Error(std::string("requires_grad_: only tensors of floating point dtype can require gradients, "
                                            "got ") + dtype_name(impl.dtype));
  impl.requires_grad = value;
  return *this;
}

Tensor Tensor::grad() const { return checked(*this, "grad").grad; }
Tensor& Tensor::mutable_grad() { return checked(*this, "mutable_grad").grad; }

void Tensor::retain_grad() {
  TensorImpl& impl = checked(*this, "retain_grad");
  if (!impl.requires_grad) throw std::logic_error("retain_grad: cannot retain the grad of a tensor that does not require grad");
  if (!impl.grad_fn) return;  // leaves keep their grad anyway
  impl.retains_grad = true;
  impl.grad_fn->retained_output = impl_;
}
bool Tensor::retains_grad() const { return impl_ && impl_->retains_grad; }

std::string Tensor::grad_fn_name() const {
  TensorImpl& impl = checked(*this, "grad_fn_name");
  if (impl.view_base()) refresh_view(impl);
  return impl.grad_fn ? impl.grad_fn->name : "";
}

void Tensor::backward() const { backward(Tensor()); }
void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  checked(*this, "backward");
  // As in PyTorch, building a graph of the gradients keeps the forward graph (it is part of it).
  run_backward({*this}, {gradient}, retain_graph || create_graph, create_graph, nullptr);
}

Tensor Tensor::detach() const { return make_alias(*this, checked(*this, "detach").shape); }

namespace {
const char* type_name(float) { return "float"; }
const char* type_name(double) { return "double"; }
const char* type_name(int) { return "int"; }
const char* type_name(int64_t) { return "int64_t"; }

// A value converted to the caller's type, refusing what the type cannot hold (casting NaN, an infinity or
// an out-of-range value to an integer is undefined behaviour), as PyTorch's item() does.
template <class Out, class In>
Out convert(In value, const char* op) {
  if constexpr (std::is_same<Out, bool>::value) {
    return value != In(0);  // NaN is true, as in PyTorch
  } else if constexpr (std::is_same<In, bool>::value) {
    return static_cast<Out>(value);
  } else {
    bool fits = true;
    if constexpr (std::is_integral<Out>::value && std::is_floating_point<In>::value) {
      const In low = static_cast<In>(std::numeric_limits<Out>::min());  // -2^(bits-1): exact in float and double
      fits = value >= low && value < -low;
    } else if constexpr (std::is_integral<Out>::value) {
      fits = value >= std::numeric_limits<Out>::min() && value <= std::numeric_limits<Out>::max();
    } else if constexpr (std::is_floating_point<In>::value && sizeof(Out) < sizeof(In)) {
      fits = !std::isfinite(value) || std::abs(value) <= static_cast<In>(std::numeric_limits<Out>::max());
    }
    if (!fits) {
      std::ostringstream message;
      message << op << ": value " << value << " cannot be converted to type " << type_name(Out{}) << " without overflow";
      throw std::out_of_range(message.str());
    }
    return static_cast<Out>(value);
  }
}
}  // namespace

template <class Out>
Out Tensor::item() const {
  const TensorImpl& impl = checked(*this, "item");
  if (impl.numel != 1)
    throw Error("item: a tensor with " + std::to_string(impl.numel) +
                                " elements cannot be converted to a scalar");
  Out value{};
  XG_DISPATCH_ALL(impl.dtype, value = convert<Out>(*impl.data<T>(), "item"));
  return value;
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int Tensor::item<int>() const;
template int64_t Tensor::item<int64_t>() const;
template bool Tensor::item<bool>() const;

template <class Out>
std::vector<Out> Tensor::to_vector() const {
  checked(*this, "to_vector");
  Tensor hold;
  const TensorImpl& impl = *dense(*this, hold).impl();
  std::vector<Out> values(static_cast<size_t>(impl.numel));
  XG_DISPATCH_ALL(impl.dtype, {
    const T* source = impl.data<T>();
    for (size_t i = 0; i < values.size(); ++i) values[i] = convert<Out>(source[i], "to_vector");
  });
  return values;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int> Tensor::to_vector<int>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<bool> Tensor::to_vector<bool>() const;

template <class T>
static T* typed_data(const Tensor& tensor) {
  const TensorImpl& impl = checked(tensor, "data_ptr");
  Dtype wanted = std::is_same<T, double>::value    ? kFloat64
                 : std::is_same<T, int64_t>::value ? kInt64
                 : std::is_same<T, int32_t>::value ? kInt32
                 : std::is_same<T, bool>::value    ? kBool
                                                   : kFloat32;
  if (impl.dtype != wanted)
    throw Error(std::string("data_ptr: tensor is ") + dtype_name(impl.dtype) + ", requested " +
                                dtype_name(wanted));
  return impl.data<T>();
}
template <class T> T* Tensor::data_ptr() { return typed_data<T>(*this); }
template <class T> const T* Tensor::data_ptr() const { return typed_data<T>(*this); }
template float* Tensor::data_ptr<float>();
template double* Tensor::data_ptr<double>();
template const float* Tensor::data_ptr<float>() const;
template const double* Tensor::data_ptr<double>() const;
template int64_t* Tensor::data_ptr<int64_t>();
template int32_t* Tensor::data_ptr<int32_t>();
template bool* Tensor::data_ptr<bool>();
template const int64_t* Tensor::data_ptr<int64_t>() const;
template const int32_t* Tensor::data_ptr<int32_t>() const;
template const bool* Tensor::data_ptr<bool>() const;

// ---------------------------------------------------------------- printing (PyTorch's layout)

namespace {
// Nested brackets, walked with an explicit position per dimension: a tensor's rank can be far larger
// than the call stack is deep. Summarized dimensions show their first and last three entries.
void print_values(std::ostream& out, const std::vector<double>& values, const Shape& shape, Dtype dtype,
                  int64_t indent, bool summarize) {
  out << std::fixed << std::setprecision(4);
  auto show = [&out, dtype](double value) {
    if (dtype == kBool) out << (value != 0 ? "true" : "false");
    else if (is_floating_point(dtype)) out << value;
    else out << static_cast<int64_t>(value);
  };
  const size_t rank = shape.size();
  if (rank == 0) {
    show(values[0]);
    return;
  }
  std::vector<int64_t> strides(rank, 1);
  for (size_t d = rank - 1; d-- > 0;) strides[d] = strides[d + 1] * shape[d + 1];
  auto shown = [&](size_t d) { return summarize && shape[d] > 6 ? int64_t(7) : shape[d]; };  // 7: 3 + "..." + 3
  auto entry = [&](size_t d, int64_t k) { return shown(d) == shape[d] || k < 3 ? k : shape[d] - 7 + k; };
  auto separator = [&](size_t d) {
    return d + 1 == rank ? std::string(", ") : ",\n" + std::string(static_cast<size_t>(indent) + d + 1, ' ');
  };
  std::vector<int64_t> position(rank, 0), offset(rank + 1, 0);
  size_t d = 0;
  out << "[";
  while (true) {
    if (position[d] == shown(d)) {  // this dimension is done: close it and move on in the one above
      out << "]";
      if (d == 0) break;
      position[d] = 0;
      --d;
      if (++position[d] < shown(d)) out << separator(d);
      continue;
    }
    if (shown(d) != shape[d] && position[d] == 3) {
      out << "..." << separator(d);
      ++position[d];
      continue;
    }
    offset[d + 1] = offset[d] + entry(d, position[d]) * strides[d];
    if (d + 1 == rank) {
      show(values[static_cast<size_t>(offset[d + 1])]);
      if (++position[d] < shown(d)) out << separator(d);
    } else {
      ++d;
      out << "[";
    }
  }
}
}  // namespace

std::ostream& operator<<(std::ostream& out, const Tensor& tensor) {
  if (!tensor.defined()) return out << "[ undefined tensor ]";
  std::ios_base::fmtflags flags = out.flags();
  std::streamsize precision = out.precision();
  out << "tensor(";
  print_values(out, tensor.to_vector<double>(), tensor.shape(), tensor.dtype(), 7, tensor.numel() > 1000);
  out << ", shape=" << shape_string(tensor.shape()) << ", dtype=" << dtype_name(tensor.dtype());
  if (!tensor.grad_fn_name().empty())
    out << ", grad_fn=<" << tensor.grad_fn_name() << ">";
  else if (tensor.requires_grad())
    out << ", requires_grad=true";
  out.flags(flags);
  out.precision(precision);
  return out << ")";
}

// ---------------------------------------------------------------- factories

static Tensor finish(Tensor tensor, const TensorOptions& options) {
  check_device("tensor", options);
  if (options.requires_grad()) tensor.requires_grad_(true);
  return tensor;
}

Tensor tensor(std::vector<double> values, IntArrayRef shape_ref, TensorOptions options) {
  Shape shape = shape_ref.vec();  // owned: the argument may be a braced list
  check_device("tensor", options);
  int64_t count = checked_numel(shape, "tensor");
  if (count != static_cast<int64_t>(values.size()))
    throw Error("tensor: " + std::to_string(values.size()) + " values do not fill shape " +
                                shape_string(shape));
  Tensor result = make_tensor(shape, options.dtype());
  XG_DISPATCH_ALL(options.dtype(), {
    T* data = result.impl()->data<T>();
    for (size_t i = 0; i < values.size(); ++i) data[i] = convert<T>(values[i], "tensor");
  });
  return finish(result, options);
}

// ---------------------------------------------------------------- default dtype, tensor(...)

namespace {
std::atomic<Dtype> default_dtype_value{kFloat32};
}  // namespace

Dtype get_default_dtype() { return default_dtype_value.load(std::memory_order_relaxed); }

void set_default_dtype(Dtype dtype) {
  if (!is_floating_point(dtype))
    throw TypeError(std::string("set_default_dtype: only floating-point types are supported as the default type, got ") +
                    dtype_name(dtype));
  default_dtype_value.store(dtype, std::memory_order_relaxed);
}

namespace {
const char* written_name(TensorDataContainer::Written written) {
  static const char* const names[] = {"Bool", "Byte", "Char", "Short", "Int", "Long", "Float", "Double"};
  return names[static_cast<int>(written)];
}
bool is_floating_written(TensorDataContainer::Written written) {
  return written == TensorDataContainer::Written::Float || written == TensorDataContainer::Written::Double;
}

// Values [begin, begin + numel(sizes)) as nested braces, as LibTorch prints a TensorDataContainer.
void print_nested(std::ostream& out, const std::vector<Scalar>& values, const Shape& sizes, size_t dim, size_t& next) {
  if (dim == sizes.size()) {
    const Scalar& value = values[next++];
    if (value.isBoolean()) out << value.toBool();
    else out << value;
    return;
  }
  out << "{";
  for (int64_t i = 0; i < sizes[dim]; ++i) {
    if (i > 0) out << ", ";
    print_nested(out, values, sizes, dim + 1, next);
  }
  out << "}";
}
}  // namespace

std::ostream& operator<<(std::ostream& out, const TensorDataContainer& data) {
  size_t next = 0;
  print_nested(out, data.values_, data.sizes_, 0, next);
  return out;
}

TensorDataContainer::TensorDataContainer() : sizes_{0}, written_(Written::Float) {}

TensorDataContainer::TensorDataContainer(const std::vector<bool>& values)
    : sizes_{static_cast<int64_t>(values.size())}, written_(Written::Bool) {
  values_.reserve(values.size());
  for (bool value : values) values_.emplace_back(value);
}

TensorDataContainer::TensorDataContainer(std::initializer_list<TensorDataContainer> list) : written_(Written::Float) {
  sizes_ = {static_cast<int64_t>(list.size())};
  if (list.size() == 0) return;
  const TensorDataContainer& first = *list.begin();
  written_ = first.written_;
  for (const TensorDataContainer& element : list) {
    if (element.sizes_ != first.sizes_)
      throw ValueError("tensor: Expected all sub-lists to have sizes: " + str(Join(", ", first.sizes_)) + " (e.g. " +
                       str(first) + "), but got sub-list " + str(element) + " with sizes: " +
                       str(Join(", ", element.sizes_)));
    if (element.written_ != first.written_) {
      if (is_floating_written(element.written_) && is_floating_written(first.written_)) {
        written_ = Written::Double;  // float literals (NAN, INFINITY) among doubles
      } else {
        throw TypeError(std::string("tensor: Expected all elements of the tensor to have the same scalar type: ") +
                        written_name(first.written_) + ", but got element of scalar type: " +
                        written_name(element.written_) + " (write every number of a braced list the same way, e.g. {1.0, 2.5})");
      }
    }
  }
  sizes_.insert(sizes_.end(), first.sizes_.begin(), first.sizes_.end());
  values_.reserve(list.size() * first.values_.size());
  for (const TensorDataContainer& element : list) values_.insert(values_.end(), element.values_.begin(), element.values_.end());
}

// As torch.tensor: integers give int64, bools bool, floating values the default dtype.
Dtype TensorDataContainer::scalar_type() const {
  if (written_ == Written::Bool) return kBool;
  return is_floating_written(written_) ? get_default_dtype() : kInt64;
}

Tensor TensorDataContainer::convert_to_tensor(TensorOptions options) const {
  check_device("tensor", options);
  const Dtype dtype = options.has_dtype() ? options.dtype() : scalar_type();
  Tensor result = make_tensor(sizes_, dtype);
  XG_DISPATCH_ALL(dtype, {
    T* data = result.impl()->data<T>();
    for (size_t i = 0; i < values_.size(); ++i) {
      check_fill_value("tensor", values_[i], dtype);
      data[i] = values_[i].to<T>();
    }
  });
  if (options.requires_grad()) result.requires_grad_(true);
  return result;
}

Tensor tensor(const TensorDataContainer& values, TensorOptions options) { return values.convert_to_tensor(options); }

// ---------------------------------------------------------------- from_blob

Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const std::function<void(void*)>& deleter,
                 const TensorOptions& options) {
  check_device("from_blob", options);
  const Shape shape = sizes.vec();
  const int64_t count = checked_numel(shape, "from_blob");
  const Dtype dtype = options.dtype();
  const size_t element = dtype_size(dtype);
  if (strides.size() != shape.size())
    throw Error("from_blob: " + std::to_string(strides.size()) + " strides given for a shape of " +
                std::to_string(shape.size()) + " dimensions " + shape_string(shape));
  if (data == nullptr && count > 0) throw Error("from_blob: null data for a tensor of shape " + shape_string(shape));
  if (reinterpret_cast<uintptr_t>(data) % element != 0)
    throw Error(std::string("from_blob: the data is not aligned to ") + std::to_string(element) + " bytes, as a " +
                dtype_name(dtype) + " tensor needs");
  // The elements reached: one past the largest offset.
  int64_t extent = count > 0 ? 1 : 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (strides[d] < 0)
      throw Error("from_blob: negative stride " + std::to_string(strides[d]) + " in dimension " + std::to_string(d));
    if (count > 0) extent += (shape[d] - 1) * strides[d];
  }
  Ref<Storage> storage(Storage::borrow(data, static_cast<size_t>(extent) * element, deleter));
  TensorImpl* impl = new TensorImpl(std::move(storage), shape, dtype);
  retain(impl);
  Tensor result(impl);
  const Shape row_major = contiguous_strides(shape);
  bool contiguous = true;
  for (size_t d = 0; d < shape.size(); ++d) contiguous &= shape[d] == 1 || strides[d] == row_major[d];
  if (!contiguous) result.impl()->layout_for().strides = strides.vec();
  return finish(result, options);
}

Tensor from_blob(void* data, IntArrayRef sizes, const std::function<void(void*)>& deleter, const TensorOptions& options) {
  const Shape shape = sizes.vec();
  return from_blob(data, shape, contiguous_strides(shape), deleter, options);
}
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& options) {
  return from_blob(data, sizes, strides, std::function<void(void*)>(), options);
}
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options) {
  return from_blob(data, sizes, std::function<void(void*)>(), options);
}

// A new tensor of a user-given shape: errors name the factory the user called.
static Tensor make_for(const char* op, Shape shape, Dtype dtype) {
  checked_numel(shape, op);
  return make_tensor(std::move(shape), dtype);
}

static Tensor filled(const char* op, Shape shape, const Scalar& value, TensorOptions options) {
  check_device(op, options);
  check_fill_value(op, value, options.dtype());
  Tensor result = make_for(op, std::move(shape), options.dtype());
  XG_DISPATCH_ALL(options.dtype(), std::fill_n(result.impl()->data<T>(), result.numel(), value.to<T>()));
  return finish(result, options);
}

Tensor scalar_tensor(Scalar value, TensorOptions options) { return filled("scalar_tensor", {}, value, options); }
Tensor empty(IntArrayRef shape, TensorOptions options) { return finish(make_for("empty", shape, options.dtype()), options); }
Tensor full(IntArrayRef shape_ref, Scalar value, TensorOptions options) {
  Shape shape = shape_ref.vec();  // owned: the argument may be a braced list
  if (!options.has_dtype()) options = options.dtype(value.isBoolean() ? kBool : value.isIntegral(false) ? kInt64 : get_default_dtype());
  return filled("full", std::move(shape), value, options);
}
Tensor zeros(IntArrayRef shape, TensorOptions options) { return filled("zeros", std::move(shape), 0, options); }
Tensor ones(IntArrayRef shape, TensorOptions options) { return filled("ones", std::move(shape), 1, options); }
Tensor zeros_like(const Tensor& like, TensorOptions options) {
  return zeros(checked(like, "zeros_like").shape, options);
}
// The shape comes from a tensor and the value fits every dtype: no checks needed (the engine seeds every
// backward with ones_like).
static Tensor filled_like(const Tensor& like, const char* op, int value) {
  const TensorImpl& impl = checked(like, op);
  Tensor result = make_tensor(impl.shape, impl.dtype);
  XG_DISPATCH_ALL(impl.dtype, std::fill_n(result.impl()->data<T>(), impl.numel, static_cast<T>(value)));
  return result;
}
Tensor zeros_like(const Tensor& like) { return filled_like(like, "zeros_like", 0); }
Tensor ones_like(const Tensor& like) { return filled_like(like, "ones_like", 1); }

Tensor arange(Scalar end, TensorOptions options) { return arange(0, end, 1, options); }
Tensor arange(Scalar start, Scalar end, TensorOptions options) { return arange(start, end, 1, options); }

Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options) {
  check_device("arange", options);
  const bool integral = !start.isFloatingPoint() && !end.isFloatingPoint() && !step.isFloatingPoint();
  if (!options.has_dtype()) options = options.dtype(integral ? kInt64 : get_default_dtype());
  const double first = start.toDouble(), last = end.toDouble(), delta = step.toDouble();
  if (delta == 0 || !std::isfinite(first) || !std::isfinite(last) || !std::isfinite(delta))
    throw Error("arange: step must be nonzero and bounds finite, got start " + str(start) + ", end " + str(end) +
                ", step " + str(step));
  if ((last - first) * delta < 0)
    throw Error("arange: upper bound and larger bound inconsistent with step sign (start " + str(start) + ", end " +
                str(end) + ", step " + str(step) + ")");
  const double span = std::ceil((last - first) / delta);
  if (span > 4.0e18) throw std::length_error("arange: the range has too many elements");
  int64_t count = span > 0 ? static_cast<int64_t>(span) : 0;
  if (integral) {  // exactly, where doubles cannot tell the bounds apart (beyond 2^53)
    const __int128 difference = static_cast<__int128>(end.toLong()) - start.toLong(), by = step.toLong();
    if ((difference < 0 && by > 0) || (difference > 0 && by < 0))
      throw Error("arange: upper bound and larger bound inconsistent with step sign (start " + str(start) + ", end " +
                  str(end) + ", step " + str(step) + ")");
    const __int128 whole = difference / by;
    count = static_cast<int64_t>(whole + (whole * by != difference ? 1 : 0));
  }
  const Dtype dtype = options.dtype();
  if (count > 0) {
    check_fill_value("arange", start, dtype);
    check_fill_value("arange", Scalar(first + static_cast<double>(count - 1) * delta), dtype);
  }
  Tensor result = make_tensor({count}, dtype);
  XG_DISPATCH_ALL(dtype, {
    T* data = result.impl()->data<T>();
    if (integral && !is_floating_point(dtype)) {  // exact integer steps, whatever the magnitude
      const int64_t from = start.toLong(), by = step.toLong();
      for (int64_t i = 0; i < count; ++i) data[i] = static_cast<T>(from + i * by);
    } else {
      for (int64_t i = 0; i < count; ++i) data[i] = static_cast<T>(first + static_cast<double>(i) * delta);
    }
  });
  return finish(result, options);
}

Tensor linspace(Scalar start_value, Scalar end_value, int64_t steps, TensorOptions options) {
  check_device("linspace", options);
  if (steps < 0) throw Error("linspace: number of steps must be non-negative, got " + std::to_string(steps));
  const double start = start_value.toDouble(), end = end_value.toDouble();
  Tensor result = make_for("linspace", {steps}, options.dtype());
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  XG_DISPATCH(options.dtype(), {
    T* data = result.impl()->data<T>();
    // Like PyTorch: fill the first half from start and the second half from end, so both ends are exact.
    int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; ++i)
      data[i] = static_cast<T>(i < half ? start + step * static_cast<double>(i)
                                        : end - step * static_cast<double>(steps - 1 - i));
  });
  return finish(result, options);
}

std::mt19937_64& generator() {
  thread_local std::mt19937_64 engine(67280421310721ULL);  // PyTorch's default CPU seed
  return engine;
}
void manual_seed(uint64_t seed) { generator().seed(seed); }

Tensor rand(IntArrayRef shape_ref, TensorOptions options) {
  Shape shape = shape_ref.vec();  // owned: the argument may be a braced list
  check_device("rand", options);
  Tensor result = make_for("rand", shape, options.dtype());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  XG_DISPATCH(options.dtype(), {
    T* data = result.impl()->data<T>();
    for (int64_t i = 0, n = result.numel(); i < n; ++i) {
      T value = static_cast<T>(uniform(generator()));
      data[i] = value < T(1) ? value : T(0);  // rounding to float may reach 1; keep the half-open range
    }
  });
  return finish(result, options);
}

Tensor randn(IntArrayRef shape_ref, TensorOptions options) {
  Shape shape = shape_ref.vec();  // owned: the argument may be a braced list
  check_device("randn", options);
  Tensor result = make_for("randn", shape, options.dtype());
  std::normal_distribution<double> normal(0.0, 1.0);
  XG_DISPATCH(options.dtype(), {
    T* data = result.impl()->data<T>();
    for (int64_t i = 0, n = result.numel(); i < n; ++i) data[i] = static_cast<T>(normal(generator()));
  });
  return finish(result, options);
}

// ---------------------------------------------------------------- grad mode

// Out of line on purpose: an `extern thread_local` read from other translation units trips UBSan's null
// check (a false positive of GCC 12's TLS wrappers), and inlining it saved nothing measurable.
namespace {
thread_local bool grad_mode_enabled = true;
}
bool GradMode::is_enabled() { return grad_mode_enabled; }
void GradMode::set_enabled(bool enabled) { grad_mode_enabled = enabled; }

}  // namespace xgrad

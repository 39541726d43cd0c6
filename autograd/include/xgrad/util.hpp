// LibTorch's small c10 utilities, as ported code uses them: irange, str, Join, Error (and XGRAD_CHECK, the
// rename of TORCH_CHECK), the warning channel (Warning, WarningHandler, XGRAD_WARN), and ArrayRef /
// IntArrayRef. Standard library only.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace xgrad {

// ---------------------------------------------------------------- irange

// for (const auto i : irange(n)) ... counts 0, 1, ..., n - 1 (nothing when n <= 0); irange(a, b) from a.
template <class Integer>
class IntegerRangeView {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Integer;
    using difference_type = std::ptrdiff_t;
    using pointer = const Integer*;
    using reference = const Integer&;
    explicit iterator(Integer value) : value_(value) {}
    const Integer& operator*() const { return value_; }
    iterator& operator++() {
      ++value_;
      return *this;
    }
    bool operator==(const iterator& other) const { return value_ == other.value_; }
    bool operator!=(const iterator& other) const { return value_ != other.value_; }

   private:
    Integer value_;
  };
  IntegerRangeView(Integer begin, Integer end) : begin_(begin), end_(end < begin ? begin : end) {}
  iterator begin() const { return iterator(begin_); }
  iterator end() const { return iterator(end_); }

 private:
  Integer begin_, end_;
};

template <class Integer, std::enable_if_t<std::is_integral<Integer>::value, int> = 0>
IntegerRangeView<Integer> irange(Integer end) {
  return {Integer(0), end};
}
template <class Integer1, class Integer2,
          std::enable_if_t<std::is_integral<Integer1>::value && std::is_integral<Integer2>::value, int> = 0>
IntegerRangeView<Integer2> irange(Integer1 begin, Integer2 end) {
  return {static_cast<Integer2>(begin), end};
}

// ---------------------------------------------------------------- str, Join

// Every argument streamed into one string: str("expected ", 3, " dims").
template <class... Args>
std::string str(const Args&... args) {
  std::ostringstream out;
  (void)out;
  ((out << args), ...);
  return out.str();
}
inline std::string str(const std::string& text) { return text; }
inline std::string str(const char* text) { return text; }

// The elements of a container streamed with `delimiter` between them.
template <class Container>
std::string Join(const std::string& delimiter, const Container& values) {
  std::ostringstream out;
  bool first = true;
  for (const auto& value : values) {
    if (!first) out << delimiter;
    out << value;
    first = false;
  }
  return out.str();
}

// ---------------------------------------------------------------- errors

struct SourceLocation {
  const char* function;
  const char* file;
  uint32_t line;
};
std::ostream& operator<<(std::ostream& out, const SourceLocation& location);

// What xgrad throws for bad arguments, as LibTorch's c10::Error. It is also a std::invalid_argument, so
// code catching either (or std::exception) sees it. msg() is the message alone; what() the same text.
class Error : public std::invalid_argument {
 public:
  explicit Error(const std::string& message) : std::invalid_argument(message), msg_(message) {}
  Error(SourceLocation location, const std::string& message);
  const std::string& msg() const { return msg_; }
  const char* what_without_backtrace() const noexcept { return msg_.c_str(); }

 private:
  std::string msg_;
};
// LibTorch's refinements (Python's exception types).
class IndexError : public Error {
  using Error::Error;
};
class ValueError : public Error {
  using Error::Error;
};
class TypeError : public Error {
  using Error::Error;
};
class NotImplementedError : public Error {
  using Error::Error;
};
class LinAlgError : public Error {
  using Error::Error;
};

namespace detail {
[[noreturn]] void check_failed(const char* function, const char* file, uint32_t line, const char* condition,
                               const std::string& message);
inline std::string check_message() { return ""; }
template <class... Args>
std::string check_message(const Args&... args) {
  return str(args...);
}
}  // namespace detail

// LibTorch's TORCH_CHECK / TORCH_INTERNAL_ASSERT (renamed): throws xgrad::Error with the streamed message,
// or "Expected <condition> to be true, but got false." without one.
#define XGRAD_CHECK(condition, ...)                                                         \
  do {                                                                                      \
    if (!(condition))                                                                       \
      ::xgrad::detail::check_failed(__func__, __FILE__, static_cast<uint32_t>(__LINE__), #condition, \
                                    ::xgrad::detail::check_message(__VA_ARGS__));           \
  } while (false)
#define XGRAD_INTERNAL_ASSERT(condition, ...) XGRAD_CHECK(condition, __VA_ARGS__)

// ---------------------------------------------------------------- warnings

// Receives every warning; the default prints "Warning: <message> (<function> at <file>:<line>)" to stderr.
class WarningHandler {
 public:
  virtual ~WarningHandler() = default;
  virtual void process(const SourceLocation& source_location, const std::string& msg, const bool verbatim);
};

namespace Warning {
void warn(const SourceLocation& source_location, const std::string& msg, bool verbatim);
// The handler is per thread, as LibTorch's; nullptr restores the default. The caller keeps it alive.
void set_warning_handler(WarningHandler* handler) noexcept;
WarningHandler* get_warning_handler() noexcept;
// XGRAD_WARN_ONCE warns once per call site unless "warn always" is set (a process-wide setting).
void set_warnAlways(bool setting) noexcept;
bool get_warnAlways() noexcept;
struct WarnAlways {
  explicit WarnAlways(bool setting = true) : previous_(get_warnAlways()) { set_warnAlways(setting); }
  ~WarnAlways() { set_warnAlways(previous_); }
  WarnAlways(const WarnAlways&) = delete;
  WarnAlways& operator=(const WarnAlways&) = delete;

 private:
  bool previous_;
};
class WarningHandlerGuard {
 public:
  explicit WarningHandlerGuard(WarningHandler* handler) : previous_(get_warning_handler()) {
    set_warning_handler(handler);
  }
  ~WarningHandlerGuard() { set_warning_handler(previous_); }
  WarningHandlerGuard(const WarningHandlerGuard&) = delete;
  WarningHandlerGuard& operator=(const WarningHandlerGuard&) = delete;

 private:
  WarningHandler* previous_;
};
}  // namespace Warning

#define XGRAD_WARN(...) \
  ::xgrad::Warning::warn({__func__, __FILE__, static_cast<uint32_t>(__LINE__)}, ::xgrad::str(__VA_ARGS__), false)
#define XGRAD_WARN_ONCE(...)                                                    \
  do {                                                                          \
    static bool xgrad_warned_ = false;                                          \
    if (!xgrad_warned_ || ::xgrad::Warning::get_warnAlways()) {                 \
      xgrad_warned_ = true;                                                     \
      XGRAD_WARN(__VA_ARGS__);                                                  \
    }                                                                           \
  } while (false)

// ---------------------------------------------------------------- ArrayRef

// A non-owning view of contiguous values, as LibTorch's ArrayRef: made from a vector, a braced list (for the
// duration of the call it is passed to), a pointer and a length, or one value. IntArrayRef is what sizes()
// returns and what shape arguments accept: zeros(5), zeros({2, 3}) and zeros(shape_vector) all work.
template <class T>
class ArrayRef {
 public:
  using value_type = T;
  using iterator = const T*;
  using const_iterator = const T*;
  using size_type = size_t;

  constexpr ArrayRef() = default;
  constexpr ArrayRef(const T& one) : data_(&one), size_(1) {}
  constexpr ArrayRef(const T* data, size_t size) : data_(data), size_(size) {}
  constexpr ArrayRef(const T* begin, const T* end) : data_(begin), size_(static_cast<size_t>(end - begin)) {}
  template <class Allocator>
  ArrayRef(const std::vector<T, Allocator>& values) : data_(values.data()), size_(values.size()) {}
  template <size_t N>
  constexpr ArrayRef(const T (&values)[N]) : data_(values), size_(N) {}
  // Borrows the braced list for the duration of the call it is passed to, exactly as LibTorch's ArrayRef
  // (GCC's -Winit-list-lifetime warns about storing it; the pointer never outlives the full expression).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
  constexpr ArrayRef(const std::initializer_list<T>& values)
      : data_(values.begin() == values.end() ? nullptr : values.begin()), size_(values.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

  constexpr const T* begin() const { return data_; }
  constexpr const T* end() const { return data_ + size_; }
  constexpr const T* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  const T& front() const { return at(0); }
  const T& back() const { return at(size_ - 1); }
  constexpr const T& operator[](size_t index) const { return data_[index]; }
  const T& at(size_t index) const {
    if (index >= size_)
      throw IndexError("ArrayRef: index " + std::to_string(index) + " out of range for a size of " + std::to_string(size_));
    return data_[index];
  }
  ArrayRef slice(size_t start, size_t count) const {
    if (start + count > size_) throw IndexError("ArrayRef::slice: out of range");
    return {data_ + start, count};
  }
  ArrayRef slice(size_t start) const { return slice(start, size_ - start); }
  bool equals(ArrayRef other) const {
    if (size_ != other.size_) return false;
    for (size_t i = 0; i < size_; ++i)
      if (!(data_[i] == other.data_[i])) return false;
    return true;
  }
  std::vector<T> vec() const { return std::vector<T>(begin(), end()); }
  operator std::vector<T>() const { return vec(); }

 private:
  const T* data_ = nullptr;
  size_t size_ = 0;
};
using IntArrayRef = ArrayRef<int64_t>;

template <class T>
bool operator==(ArrayRef<T> a, ArrayRef<T> b) { return a.equals(b); }
template <class T>
bool operator!=(ArrayRef<T> a, ArrayRef<T> b) { return !a.equals(b); }
template <class T>
bool operator==(ArrayRef<T> a, const std::vector<T>& b) { return a.equals(b); }
template <class T>
bool operator==(const std::vector<T>& a, ArrayRef<T> b) { return b.equals(a); }
template <class T>
bool operator!=(ArrayRef<T> a, const std::vector<T>& b) { return !a.equals(b); }
template <class T>
bool operator!=(const std::vector<T>& a, ArrayRef<T> b) { return !b.equals(a); }
template <class T>
std::ostream& operator<<(std::ostream& out, ArrayRef<T> values) {
  return out << "[" << Join(", ", values) << "]";
}

}  // namespace xgrad

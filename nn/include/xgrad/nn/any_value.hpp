// xgrad::nn::AnyValue: LibTorch's type-erased value (torch/nn/modules/container/any_value.h). Sequential and
// AnyModule pass the inputs and outputs of modules with arbitrary forward() signatures as AnyValues.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "xgrad/util.hpp"

namespace xgrad {

// The readable name of a mangled C++ type name (typeid(T).name()), as c10::demangle.
std::string demangle(const char* name);

namespace nn {

class AnyValue {
 public:
  AnyValue(AnyValue&&) = default;
  AnyValue& operator=(AnyValue&&) = default;
  AnyValue(const AnyValue& other) : content_(other.content_->clone()) {}
  AnyValue& operator=(const AnyValue& other) {
    content_ = other.content_->clone();
    return *this;
  }

  // Stores `value` decayed (a copy or a move).
  template <typename T>
  explicit AnyValue(T&& value) : content_(std::make_unique<Holder<std::decay_t<T>>>(std::forward<T>(value))) {}

  // A pointer to the value if it is a T, else nullptr.
  template <typename T>
  T* try_get() {
    static_assert(!std::is_reference<T>::value, "AnyValue stores decayed types, you cannot cast it to a reference type");
    static_assert(!std::is_array<T>::value, "AnyValue stores decayed types, you must cast it to T* instead of T[]");
    if (typeid(T) == type_info()) return &static_cast<Holder<T>&>(*content_).value;
    return nullptr;
  }

  // The value as a T; another type throws xgrad::Error naming both.
  template <typename T>
  T get() {
    if (auto* maybe_value = try_get<T>()) return *maybe_value;
    throw Error("Attempted to cast AnyValue to " + demangle(typeid(T).name()) +
                                ", but its actual type is " + demangle(type_info().name()));
  }

  const std::type_info& type_info() const noexcept { return content_->type_info; }

 private:
  friend struct AnyModulePlaceholder;

  struct Placeholder {
    explicit Placeholder(const std::type_info& type_info_in) noexcept : type_info(type_info_in) {}
    virtual ~Placeholder() = default;
    virtual std::unique_ptr<Placeholder> clone() const {
      throw Error("clone() should only be called on `AnyValue::Holder`");
    }
    const std::type_info& type_info;
  };

  template <typename T>
  struct Holder : public Placeholder {
    template <typename U>
    explicit Holder(U&& value_in) noexcept : Placeholder(typeid(T)), value(std::forward<U>(value_in)) {}
    std::unique_ptr<Placeholder> clone() const override { return std::make_unique<Holder<T>>(value); }
    T value;
  };

  std::unique_ptr<Placeholder> content_;
};

}  // namespace nn
}  // namespace xgrad

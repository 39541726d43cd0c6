// XGRAD_ARG: LibTorch's TORCH_ARG (torch/arg.h). Declares a private member `name_` of type T and chainable
// public accessors, so options read like LibTorch's: LinearOptions(5, 2).bias(false), options.bias().
//   struct MyOptions {
//     MyOptions(int64_t size) : size_(size) {}
//     XGRAD_ARG(int64_t, size);
//     XGRAD_ARG(double, scale) = 1.0;  // a default value
//   };
#pragma once

#include <utility>

#define XGRAD_ARG(T, name)                                 \
 public:                                                   \
  inline auto name(const T& new_##name)->decltype(*this) { \
    this->name##_ = new_##name;                            \
    return *this;                                          \
  }                                                        \
  inline auto name(T&& new_##name)->decltype(*this) {      \
    this->name##_ = std::move(new_##name);                 \
    return *this;                                          \
  }                                                        \
  inline const T& name() const noexcept {                  \
    return this->name##_;                                  \
  }                                                        \
  inline T& name() noexcept {                              \
    return this->name##_;                                  \
  }                                                        \
                                                           \
 private:                                                  \
  T name##_

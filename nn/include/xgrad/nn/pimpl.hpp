// xgrad::nn::ModuleHolder: LibTorch's module holder (torch/nn/pimpl.h). `nn::Linear` holds a
// std::shared_ptr<nn::LinearImpl>: copies share the module, `->` reaches its members, `()` calls forward().
//   auto model = xg::nn::Linear(3, 1);     // model->weight, model->parameters(), model(x)
//   xg::nn::Linear later = nullptr;        // empty until assigned
// XGRAD_MODULE(Name) makes the holder `Name` of a user's `NameImpl`, as TORCH_MODULE does.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "xgrad/util.hpp"

namespace xgrad {
namespace nn {

class Module;

namespace detail {
// Lets templates tell a ModuleHolder<anything> from other types.
struct ModuleHolderIndicator {};

template <typename T>
using is_module_holder = std::is_base_of<ModuleHolderIndicator, std::decay_t<T>>;
template <typename T>
using disable_if_module_holder_t = std::enable_if_t<!is_module_holder<T>::value>;

// Whether T is a ModuleHolder whose contained type is C (T::ContainedType is only read when T is a holder).
template <bool is_module_holder_value, typename T, typename C>
struct is_module_holder_of_impl : std::false_type {};
template <typename T, typename C>
struct is_module_holder_of_impl<true, T, C> : std::is_same<typename T::ContainedType, C> {};
template <typename T, typename C>
struct is_module_holder_of
    : is_module_holder_of_impl<is_module_holder<T>::value, std::decay_t<T>, std::decay_t<C>> {};

// Whether M is an nn::Module (Module must be complete where this is used).
template <typename M>
using is_module = std::is_base_of<Module, std::decay_t<M>>;
template <typename M, typename T = void>
using enable_if_module_t = std::enable_if_t<is_module<M>::value, T>;

// Whether T has a single, non-template forward() (so &T::forward names one function).
template <typename T>
struct has_forward {
  template <typename U>
  static std::true_type test(decltype(&U::forward));
  template <typename U>
  static std::false_type test(...);
  static constexpr bool value = decltype(test<T>(nullptr))::value;
};

// The return type of C::forward(Args...), or void when C has no such forward.
template <typename C, typename = void, typename... Args>
struct return_type_of_forward_impl {
  using type = void;
};
template <typename C, typename... Args>
struct return_type_of_forward_impl<C, std::void_t<decltype(std::declval<C&>().forward(std::declval<Args>()...))>, Args...> {
  using type = decltype(std::declval<C&>().forward(std::declval<Args>()...));
};
template <typename C, typename... Args>
using return_type_of_forward_t = typename return_type_of_forward_impl<C, void, Args...>::type;

[[noreturn]] inline void empty_holder() { throw Error("Accessing empty ModuleHolder"); }
}  // namespace detail

template <typename Contained>
class ModuleHolder : detail::ModuleHolderIndicator {
 protected:
  std::shared_ptr<Contained> impl_;

 public:
  using ContainedType = Contained;

  // Default-constructs the module; a module without a default constructor must be given `nullptr`.
  ModuleHolder() : impl_(default_construct()) {
    static_assert(std::is_default_constructible<Contained>::value,
                  "You are trying to default construct a module which has no default constructor. Use = nullptr "
                  "to give it the empty state (e.g. `Linear linear = nullptr;` instead of `Linear linear;`).");
  }
  // The empty holder: using it throws until a module is assigned.
  /* implicit */ ModuleHolder(std::nullptr_t) : impl_(nullptr) {}
  // Constructs the module from the arguments: Linear(3, 4) makes a LinearImpl(3, 4).
  template <typename Head, typename... Tail,
            typename = std::enable_if_t<!(detail::is_module_holder_of<Head, ContainedType>::value && (sizeof...(Tail) == 0))>>
  explicit ModuleHolder(Head&& head, Tail&&... tail)
      : impl_(new Contained(std::forward<Head>(head), std::forward<Tail>(tail)...)) {}
  /* implicit */ ModuleHolder(std::shared_ptr<Contained> module) : impl_(std::move(module)) {}

  explicit operator bool() const noexcept { return !is_empty(); }
  Contained* operator->() { return get(); }
  const Contained* operator->() const { return get(); }
  Contained& operator*() { return *get(); }
  const Contained& operator*() const { return *get(); }
  const std::shared_ptr<Contained>& ptr() const {
    if (is_empty()) detail::empty_holder();
    return impl_;
  }
  Contained* get() {
    if (is_empty()) detail::empty_holder();
    return impl_.get();
  }
  const Contained* get() const {
    if (is_empty()) detail::empty_holder();
    return impl_.get();
  }

  // Calls the module's forward() with the arguments, whatever its signature.
  template <typename... Args, typename C = Contained>
  auto operator()(Args&&... args) -> decltype(std::declval<C&>().forward(std::forward<Args>(args)...)) {
    return get()->forward(std::forward<Args>(args)...);
  }
  // The module's own subscript: sequential[0], dict["name"].
  template <typename Arg>
  decltype(auto) operator[](Arg&& arg) {
    return (*get())[std::forward<Arg>(arg)];
  }

  bool is_empty() const noexcept { return impl_ == nullptr; }

 private:
  static std::shared_ptr<Contained> default_construct() {
    if constexpr (std::is_default_constructible<Contained>::value) return std::make_shared<Contained>();
    else return nullptr;
  }
};

}  // namespace nn
}  // namespace xgrad

// Defines `Name`, a ModuleHolder of `ImplType`; Name::Impl is ImplType.
#define XGRAD_MODULE_IMPL(Name, ImplType)                       \
  class Name : public xgrad::nn::ModuleHolder<ImplType> {       \
   public:                                                      \
    using xgrad::nn::ModuleHolder<ImplType>::ModuleHolder;      \
    using Impl = ImplType;                                    \
  }

// Like XGRAD_MODULE_IMPL with ImplType `Name##Impl`: XGRAD_MODULE(Net) holds a NetImpl.
#define XGRAD_MODULE(Name) XGRAD_MODULE_IMPL(Name, Name##Impl)

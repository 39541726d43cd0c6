// xgrad::nn::AnyModule: LibTorch's type-erased module (torch/nn/modules/container/any.h). It holds any
// module with a forward() method, whatever its signature, and calls it with AnyValue arguments: Sequential
// stores its layers as AnyModules. Also NamedAnyModule ({"name", module} in Sequential's braced list) and
// FORWARD_HAS_DEFAULT_ARGS, for modules whose forward() has default arguments.
//
// Unlike LibTorch, an AnyModule (so a Sequential) may also hold a Sequential: its inputs pass through.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "xgrad/nn/module.hpp"

namespace xgrad {
namespace nn {

// The type-erased part of an AnyModule.
struct AnyModulePlaceholder : public AnyValue::Placeholder {
  using AnyValue::Placeholder::Placeholder;
  virtual AnyValue forward(std::vector<AnyValue>&& arguments) = 0;
  virtual std::shared_ptr<Module> ptr() = 0;
  virtual std::unique_ptr<AnyModulePlaceholder> copy() const = 0;
  virtual std::unique_ptr<AnyModulePlaceholder> clone_module() const = 0;
};

namespace detail {
// Modules that run on type-erased inputs (Sequential): AnyValue any_forward(std::vector<AnyValue>).
template <typename M, typename = void>
struct has_any_forward : std::false_type {};
template <typename M>
struct has_any_forward<M, std::enable_if_t<std::is_same<
                              decltype(std::declval<M&>().any_forward(std::declval<std::vector<AnyValue>>())), AnyValue>::value>>
    : std::true_type {};

template <typename Head = void, typename... Tail>
constexpr bool check_not_lvalue_references() {
  if constexpr (std::is_void<Head>::value) return true;
  else
    return (!std::is_lvalue_reference<Head>::value || std::is_const<std::remove_reference_t<Head>>::value) &&
           check_not_lvalue_references<Tail...>();
}

[[noreturn]] void wrong_argument_count(const std::string& module, size_t expected_min, size_t expected_max, size_t received,
                                       bool has_default_args);
[[noreturn]] void wrong_argument_type(size_t index, const std::type_info& expected, const std::type_info& received);
}  // namespace detail

// Calls ModuleType::forward(ArgumentTypes...) with arguments unpacked from AnyValues.
template <typename ModuleType, typename... ArgumentTypes>
struct AnyModuleHolder : public AnyModulePlaceholder {
  explicit AnyModuleHolder(std::shared_ptr<ModuleType>&& module_in)
      : AnyModulePlaceholder(typeid(ModuleType)), module(std::move(module_in)) {}

  AnyValue forward(std::vector<AnyValue>&& arguments) override {
    if (module->_forward_has_default_args()) {
      const size_t required = module->_forward_num_required_args();
      if (arguments.size() < required || arguments.size() > sizeof...(ArgumentTypes))
        detail::wrong_argument_count(demangle(type_info.name()), required, sizeof...(ArgumentTypes), arguments.size(), true);
      arguments = module->_forward_populate_default_args(std::move(arguments));
    } else if (arguments.size() != sizeof...(ArgumentTypes)) {
      detail::wrong_argument_count(demangle(type_info.name()), sizeof...(ArgumentTypes), sizeof...(ArgumentTypes),
                                   arguments.size(), false);
    }
    return invoke(arguments, std::index_sequence_for<ArgumentTypes...>());
  }

  std::shared_ptr<Module> ptr() override { return module; }
  std::unique_ptr<AnyModulePlaceholder> copy() const override { return std::make_unique<AnyModuleHolder>(*this); }
  std::unique_ptr<AnyModulePlaceholder> clone_module() const override {
    return std::make_unique<AnyModuleHolder>(std::dynamic_pointer_cast<ModuleType>(module->clone()));
  }

  std::shared_ptr<ModuleType> module;

 private:
  template <typename T>
  static std::decay_t<T>&& argument(std::vector<AnyValue>& arguments, size_t index) {
    if (auto* value = arguments[index].template try_get<std::decay_t<T>>()) return std::move(*value);
    detail::wrong_argument_type(index, typeid(std::decay_t<T>), arguments[index].type_info());
  }
  template <size_t... Index>
  AnyValue invoke(std::vector<AnyValue>& arguments, std::index_sequence<Index...>) {
    // The arguments live in `arguments` for the duration of the call.
    return AnyValue(module->forward(argument<ArgumentTypes>(arguments, Index)...));
  }
};

// Holds a module that runs on type-erased inputs (a Sequential inside a Sequential).
template <typename ModuleType>
struct AnyChainHolder : public AnyModulePlaceholder {
  explicit AnyChainHolder(std::shared_ptr<ModuleType>&& module_in)
      : AnyModulePlaceholder(typeid(ModuleType)), module(std::move(module_in)) {}
  AnyValue forward(std::vector<AnyValue>&& arguments) override { return module->any_forward(std::move(arguments)); }
  std::shared_ptr<Module> ptr() override { return module; }
  std::unique_ptr<AnyModulePlaceholder> copy() const override { return std::make_unique<AnyChainHolder>(*this); }
  std::unique_ptr<AnyModulePlaceholder> clone_module() const override {
    return std::make_unique<AnyChainHolder>(std::dynamic_pointer_cast<ModuleType>(module->clone()));
  }
  std::shared_ptr<ModuleType> module;
};

class AnyModule {
 public:
  AnyModule() = default;
  template <typename ModuleType>
  explicit AnyModule(std::shared_ptr<ModuleType> module) : content_(make_holder(std::move(module))) {}
  // A module by value is moved (or copied) into a new shared_ptr.
  template <typename ModuleType, typename = detail::enable_if_module_t<ModuleType>>
  explicit AnyModule(ModuleType&& module)
      : AnyModule(std::make_shared<std::decay_t<ModuleType>>(std::forward<ModuleType>(module))) {}
  template <typename ModuleType>
  explicit AnyModule(const ModuleHolder<ModuleType>& module_holder) : AnyModule(module_holder.ptr()) {}
  AnyModule(AnyModule&&) = default;
  AnyModule& operator=(AnyModule&&) = default;
  // Copies share the module.
  AnyModule(const AnyModule& other) : content_(other.content_ ? other.content_->copy() : nullptr) {}
  AnyModule& operator=(const AnyModule& other) {
    if (this != &other) content_ = other.content_ ? other.content_->copy() : nullptr;
    return *this;
  }
  template <typename ModuleType>
  AnyModule& operator=(std::shared_ptr<ModuleType> module) {
    return (*this = AnyModule(std::move(module)));
  }

  // A deep copy of the module (its clone()).
  AnyModule clone() const {
    AnyModule clone;
    clone.content_ = content_ ? content_->clone_module() : nullptr;
    return clone;
  }

  // Calls forward() and returns its result as an AnyValue.
  template <typename... ArgumentTypes>
  AnyValue any_forward(ArgumentTypes&&... arguments) {
    std::vector<AnyValue> values;
    values.reserve(sizeof...(ArgumentTypes));
    (values.push_back(AnyValue(std::forward<ArgumentTypes>(arguments))), ...);
    return forward_values(std::move(values));
  }
  // Calls forward() and returns its result as a ReturnType (another type throws).
  template <typename ReturnType = Tensor, typename... ArgumentTypes>
  ReturnType forward(ArgumentTypes&&... arguments) {
    return any_forward(std::forward<ArgumentTypes>(arguments)...).template get<ReturnType>();
  }

  // The module as a T (the exact type stored; another throws xgrad::Error).
  template <typename T, typename = detail::enable_if_module_t<T>>
  T& get() {
    check_not_empty("get");
    return get_<T>();
  }
  template <typename T, typename = detail::enable_if_module_t<T>>
  const T& get() const {
    check_not_empty("get");
    return get_<T>();
  }
  // The module in its holder type: any.get<nn::Linear>().
  template <typename T, typename ContainedType = typename T::ContainedType>
  T get() const {
    return T(ptr<ContainedType>());
  }
  std::shared_ptr<Module> ptr() const {
    check_not_empty("ptr");
    return content_->ptr();
  }
  template <typename T, typename = detail::enable_if_module_t<T>>
  std::shared_ptr<T> ptr() const {
    check_not_empty("ptr");
    get_<T>();  // checks the type
    return std::dynamic_pointer_cast<T>(ptr());
  }
  const std::type_info& type_info() const {
    check_not_empty("type_info");
    return content_->type_info;
  }
  bool is_empty() const noexcept { return content_ == nullptr; }

  // Calls forward() with type-erased arguments (what Sequential does).
  AnyValue forward_values(std::vector<AnyValue>&& arguments) {
    check_not_empty("forward");
    return content_->forward(std::move(arguments));
  }

 private:
  template <typename ModuleType>
  static std::unique_ptr<AnyModulePlaceholder> make_holder(std::shared_ptr<ModuleType>&& module) {
    static_assert(detail::is_module<ModuleType>::value, "Can only store object derived from nn::Module into AnyModule");
    if (!module) throw Error("AnyModule: the module is null");
    using M = std::remove_cv_t<ModuleType>;
    if constexpr (detail::has_forward<M>::value) {
      return make_forward_holder(std::move(module), &M::forward);
    } else if constexpr (detail::has_any_forward<M>::value) {
      return std::make_unique<AnyChainHolder<M>>(std::move(module));
    } else {
      static_assert(detail::has_forward<M>::value,
                    "Can only store a module with a forward() method that has a non-templatized argument type and "
                    "return type into AnyModule (or a Sequential)");
      return nullptr;
    }
  }
  template <typename ModuleType, typename Class, typename ReturnType, typename... ArgumentTypes>
  static std::unique_ptr<AnyModulePlaceholder> make_forward_holder(std::shared_ptr<ModuleType>&& module,
                                                                   ReturnType (Class::*)(ArgumentTypes...)) {
    static_assert(detail::check_not_lvalue_references<ArgumentTypes...>(),
                  "Modules stored inside AnyModule must not take references. Use pointers instead.");
    static_assert(!std::is_void<ReturnType>::value,
                  "AnyModule cannot store modules that return void (you can return a dummy value).");
    return std::make_unique<AnyModuleHolder<std::decay_t<ModuleType>, ArgumentTypes...>>(std::move(module));
  }
  template <typename ModuleType, typename Class, typename ReturnType, typename... ArgumentTypes>
  static std::unique_ptr<AnyModulePlaceholder> make_forward_holder(std::shared_ptr<ModuleType>&& module,
                                                                   ReturnType (Class::*)(ArgumentTypes...) const) {
    return make_forward_holder(std::move(module), static_cast<ReturnType (Class::*)(ArgumentTypes...)>(nullptr));
  }

  template <typename ModuleType>
  ModuleType& get_() const {
    using M = std::remove_reference_t<ModuleType>;
    if (typeid(M) == type_info()) return *dynamic_cast<M*>(content_->ptr().get());  // Module may be a virtual base
    throw Error("Attempted to cast module of type " + demangle(type_info().name()) + " to type " +
                                demangle(typeid(M).name()));
  }
  void check_not_empty(const char* op) const {
    if (!content_) throw Error(std::string("Cannot call ") + op + "() on an empty AnyModule");
  }

  std::unique_ptr<AnyModulePlaceholder> content_;
};

// A module with a name, for Sequential's braced list: Sequential({{"fc", Linear(3, 4)}, {"act", ReLU()}}).
class NamedAnyModule {
 public:
  template <typename ModuleType>
  NamedAnyModule(std::string name, std::shared_ptr<ModuleType> module_ptr)
      : NamedAnyModule(std::move(name), AnyModule(std::move(module_ptr))) {}
  template <typename M, typename = detail::enable_if_module_t<M>>
  NamedAnyModule(std::string name, M&& module)
      : NamedAnyModule(std::move(name), std::make_shared<std::decay_t<M>>(std::forward<M>(module))) {}
  template <typename M>
  NamedAnyModule(std::string name, const ModuleHolder<M>& module_holder)
      : NamedAnyModule(std::move(name), module_holder.ptr()) {}
  NamedAnyModule(std::string name, AnyModule any_module) : name_(std::move(name)), module_(std::move(any_module)) {}

  const std::string& name() const noexcept { return name_; }
  AnyModule& module() noexcept { return module_; }
  const AnyModule& module() const noexcept { return module_; }

 private:
  std::string name_;
  AnyModule module_;
};

}  // namespace nn
}  // namespace xgrad

// In a module whose forward() has default arguments, lists them so Sequential and AnyModule may leave them
// out: {index of the first default argument, AnyValue(its default)}, one pair per default argument.
//   Tensor forward(const Tensor& x, int64_t k = 2);
//   FORWARD_HAS_DEFAULT_ARGS({1, xgrad::nn::AnyValue(int64_t(2))})
#define FORWARD_HAS_DEFAULT_ARGS(...)                                                                      \
  template <typename ModuleType, typename... ArgumentTypes>                                                \
  friend struct xgrad::nn::AnyModuleHolder;                                                                \
  bool _forward_has_default_args() override { return true; }                                             \
  unsigned int _forward_num_required_args() override {                                                     \
    std::vector<std::pair<unsigned int, xgrad::nn::AnyValue>> args_info = {__VA_ARGS__};                   \
    return args_info[0].first;                                                                             \
  }                                                                                                        \
  std::vector<xgrad::nn::AnyValue> _forward_populate_default_args(std::vector<xgrad::nn::AnyValue>&& arguments) \
      override {                                                                                           \
    std::vector<std::pair<unsigned int, xgrad::nn::AnyValue>> args_info = {__VA_ARGS__};                   \
    std::vector<xgrad::nn::AnyValue> ret;                                                                  \
    ret.reserve(args_info.back().first + 1);                                                               \
    for (auto& argument : arguments) ret.emplace_back(std::move(argument));                                \
    for (auto& arg_info : args_info)                                                                       \
      if (arg_info.first >= ret.size()) ret.emplace_back(std::move(arg_info.second));                      \
    return ret;                                                                                            \
  }

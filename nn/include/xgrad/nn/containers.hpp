// Containers, as LibTorch's (torch/nn/modules/container/): Sequential, ModuleList, ModuleDict and
// Functional. Each is a holder (`Sequential seq(Linear(3, 4), ReLU())`, `seq->push_back(...)`,
// `seq(x)`) of an Impl that registers its elements as submodules, so parameters(), to(), train(),
// clone() and printing reach them.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "xgrad/nn/any.hpp"
#include "xgrad/nn/cloneable.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/ordered_dict.hpp"

namespace xgrad {
namespace nn {

namespace detail {
[[noreturn]] void index_out_of_range(size_t index, size_t size);
[[noreturn]] void wrong_return_type(const std::type_info& actual, const std::type_info& requested);
[[noreturn]] void wrong_module_type(const char* container, const std::string& where, const Module& module,
                                    const std::type_info& requested);
template <typename Self, typename... Arguments>
struct is_single : std::false_type {};
template <typename Self, typename Argument>
struct is_single<Self, Argument> : std::is_same<std::decay_t<Argument>, Self> {};
}  // namespace detail

// ---------------------------------------------------------------- Sequential

// Runs its modules in order, each one's output the next one's input: forward(x) returns the last output.
// The first module may take several inputs; forward<T>(...) asks for a last output of another type than
// Tensor. Modules are named "0", "1", ... unless given names ({"name", module} or push_back(name, module)).
// A module added by value is moved or copied into a new shared_ptr; a holder or shared_ptr is shared, so
// the same layer twice shares its parameters (listed once by parameters()). Unlike LibTorch, a Sequential
// may hold a Sequential.
class SequentialImpl : public Cloneable<SequentialImpl> {
 public:
  using Iterator = std::vector<AnyModule>::iterator;
  using ConstIterator = std::vector<AnyModule>::const_iterator;

  SequentialImpl() = default;
  // A single SequentialImpl argument is a copy, not an element.
  template <typename... Modules, typename = std::enable_if_t<!detail::is_single<SequentialImpl, Modules...>::value>>
  explicit SequentialImpl(Modules&&... modules) {
    modules_.reserve(sizeof...(Modules));
    push_back(std::forward<Modules>(modules)...);
  }
  explicit SequentialImpl(OrderedDict<std::string, AnyModule>&& ordered_dict);
  explicit SequentialImpl(std::initializer_list<NamedAnyModule> named_modules);

  // Clones every module (keeping their names).
  std::shared_ptr<Module> clone() const override;
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;

  // Feeds `inputs` to the first module and chains the outputs; an empty Sequential throws xgrad::Error.
  template <typename ReturnType = Tensor, typename... InputTypes>
  ReturnType forward(InputTypes&&... inputs) {
    std::vector<AnyValue> values;
    values.reserve(sizeof...(InputTypes));
    (values.push_back(AnyValue(std::forward<InputTypes>(inputs))), ...);
    AnyValue output = any_forward(std::move(values));
    if (auto* value = output.template try_get<ReturnType>()) return std::move(*value);
    detail::wrong_return_type(output.type_info(), typeid(ReturnType));
  }
  // forward() on type-erased inputs.
  AnyValue any_forward(std::vector<AnyValue> inputs);

  template <typename ModuleType>
  void push_back(std::shared_ptr<ModuleType> module_ptr) {
    push_back(std::to_string(modules_.size()), std::move(module_ptr));
  }
  template <typename ModuleType>
  void push_back(std::string name, std::shared_ptr<ModuleType> module_ptr) {
    if (!module_ptr) throw Error("Sequential::push_back: module '" + name + "' is null");
    push_back(std::move(name), AnyModule(std::move(module_ptr)));
  }
  template <typename M, typename = detail::enable_if_module_t<M>>
  void push_back(M&& module) {
    push_back(std::to_string(modules_.size()), std::forward<M>(module));
  }
  template <typename M, typename = detail::enable_if_module_t<M>>
  void push_back(std::string name, M&& module) {
    push_back(std::move(name), std::make_shared<std::decay_t<M>>(std::forward<M>(module)));
  }
  template <typename M>
  void push_back(const ModuleHolder<M>& module_holder) {
    push_back(std::to_string(modules_.size()), module_holder);
  }
  template <typename M>
  void push_back(std::string name, const ModuleHolder<M>& module_holder) {
    push_back(std::move(name), module_holder.ptr());
  }
  void push_back(AnyModule any_module) { push_back(std::to_string(modules_.size()), std::move(any_module)); }
  void push_back(std::string name, AnyModule any_module);

  // push_back()s every element of `container` (another Sequential's modules, a vector of shared_ptrs).
  template <typename Container>
  void extend(const Container& container) {
    for (const auto& module : container) push_back(module);
  }

  Iterator begin() { return modules_.begin(); }
  ConstIterator begin() const { return modules_.begin(); }
  Iterator end() { return modules_.end(); }
  ConstIterator end() const { return modules_.end(); }

  // The module at `index` as a T (its exact type; another throws xgrad::Error); a bad index
  // throws xgrad::IndexError ("Index out of range").
  template <typename T>
  T& at(size_t index) {
    static_assert(detail::is_module<T>::value, "Can only call Sequential::at with an nn::Module type");
    check_index(index);
    return modules_[index].get<T>();
  }
  template <typename T>
  const T& at(size_t index) const {
    static_assert(detail::is_module<T>::value, "Can only call Sequential::at with an nn::Module type");
    check_index(index);
    return modules_[index].get<T>();
  }
  std::shared_ptr<Module> ptr(size_t index) const {
    check_index(index);
    return modules_[index].ptr();
  }
  template <typename T>
  std::shared_ptr<T> ptr(size_t index) const {
    static_assert(detail::is_module<T>::value, "Can only call Sequential::ptr with an nn::Module type");
    check_index(index);
    return modules_[index].ptr<T>();
  }
  std::shared_ptr<Module> operator[](size_t index) const { return ptr(index); }
  size_t size() const noexcept { return modules_.size(); }
  bool is_empty() const noexcept { return size() == 0; }

 private:
  // Two or more modules: each is pushed back in turn (a name first is the named push_back instead).
  template <typename First, typename Second, typename... Rest,
            typename = std::enable_if_t<!std::is_same<std::decay_t<First>, std::string>::value &&
                                        !std::is_same<std::decay_t<First>, const char*>::value &&
                                        !std::is_same<std::decay_t<First>, char*>::value>>
  void push_back(First&& first, Second&& second, Rest&&... rest) {
    push_back(std::forward<First>(first));
    push_back(std::forward<Second>(second), std::forward<Rest>(rest)...);
  }
  void push_back() {}
  void check_index(size_t index) const {
    if (index >= size()) detail::index_out_of_range(index, size());
  }

  std::vector<AnyModule> modules_;
};

class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder<SequentialImpl>::ModuleHolder;
  Sequential() : ModuleHolder() {}
  // Sequential seq({{"fc", Linear(3, 4)}, {"act", ReLU()}});
  Sequential(std::initializer_list<NamedAnyModule> named_modules)
      : ModuleHolder(std::make_shared<SequentialImpl>(named_modules)) {}
};

// ---------------------------------------------------------------- ModuleList

// A list of modules registered as "0", "1", ...; it has no forward(): the owner decides how to call them.
class ModuleListImpl : public Cloneable<ModuleListImpl> {
 public:
  using Iterator = std::vector<std::shared_ptr<Module>>::iterator;
  using ConstIterator = std::vector<std::shared_ptr<Module>>::const_iterator;

  ModuleListImpl() = default;
  template <typename... Modules, typename = std::enable_if_t<!detail::is_single<ModuleListImpl, Modules...>::value>>
  explicit ModuleListImpl(Modules&&... modules) {
    modules_.reserve(sizeof...(Modules));
    (push_back(std::forward<Modules>(modules)), ...);
  }

  std::shared_ptr<Module> clone() const override;
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;

  void push_back(std::shared_ptr<Module> module);
  template <typename M, typename = detail::enable_if_module_t<M>>
  void push_back(M&& module) {
    push_back(std::make_shared<std::decay_t<M>>(std::forward<M>(module)));
  }
  template <typename M>
  void push_back(const ModuleHolder<M>& module_holder) {
    push_back(module_holder.ptr());
  }
  template <typename Container>
  void extend(const Container& container) {
    for (const auto& module : container) push_back(module);
  }

  Iterator begin() { return modules_.begin(); }
  ConstIterator begin() const { return modules_.begin(); }
  Iterator end() { return modules_.end(); }
  ConstIterator end() const { return modules_.end(); }

  template <typename T>
  T& at(size_t index) {
    static_assert(detail::is_module<T>::value, "Can only call ModuleList::at with an nn::Module type");
    return *typed<T>(index);
  }
  template <typename T>
  const T& at(size_t index) const {
    static_assert(detail::is_module<T>::value, "Can only call ModuleList::at with an nn::Module type");
    return *typed<T>(index);
  }
  std::shared_ptr<Module> ptr(size_t index) const {
    check_index(index);
    return modules_[index];
  }
  // The module as a T, or nullptr when it is not one.
  template <typename T>
  std::shared_ptr<T> ptr(size_t index) const {
    static_assert(detail::is_module<T>::value, "Can only call ModuleList::ptr with an nn::Module type");
    check_index(index);
    return std::dynamic_pointer_cast<T>(modules_[index]);
  }
  std::shared_ptr<Module> operator[](size_t index) const { return ptr(index); }
  size_t size() const noexcept { return modules_.size(); }
  bool is_empty() const noexcept { return size() == 0; }

  // Inserts before `index` (size() appends); the later modules move up one name.
  void insert(size_t index, std::shared_ptr<Module> module);
  template <typename M>
  void insert(size_t index, const ModuleHolder<M>& module_holder) {
    insert(index, module_holder.ptr());
  }
  template <typename M, typename = detail::enable_if_module_t<M>>
  void insert(size_t index, M&& module) {
    insert(index, std::make_shared<std::decay_t<M>>(std::forward<M>(module)));
  }

 private:
  void check_index(size_t index) const {
    if (index >= size()) detail::index_out_of_range(index, size());
  }
  template <typename T>
  T* typed(size_t index) const {
    check_index(index);
    T* module = modules_[index]->as<T>();
    if (!module) detail::wrong_module_type("ModuleList", std::to_string(index), *modules_[index], typeid(T));
    return module;
  }

  std::vector<std::shared_ptr<Module>> modules_;
};

XGRAD_MODULE(ModuleList);

// ---------------------------------------------------------------- ModuleDict

// Modules by name, in insertion order; updating an existing name replaces its module in place. pop() and
// clear() leave the modules registered (as LibTorch and PyTorch do).
class ModuleDictImpl : public Cloneable<ModuleDictImpl> {
 public:
  using Iterator = OrderedDict<std::string, std::shared_ptr<Module>>::Iterator;
  using ConstIterator = OrderedDict<std::string, std::shared_ptr<Module>>::ConstIterator;

  ModuleDictImpl() = default;
  explicit ModuleDictImpl(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) { update(modules); }
  explicit ModuleDictImpl(const OrderedDict<std::string, std::shared_ptr<Module>>& modules) { update(modules); }

  std::vector<std::pair<std::string, std::shared_ptr<Module>>> items() const { return modules_.pairs(); }
  std::vector<std::string> keys() const { return modules_.keys(); }
  std::vector<std::shared_ptr<Module>> values() const { return modules_.values(); }
  Iterator begin() { return modules_.begin(); }
  ConstIterator begin() const { return modules_.begin(); }
  Iterator end() { return modules_.end(); }
  ConstIterator end() const { return modules_.end(); }
  size_t size() const noexcept { return modules_.size(); }
  bool empty() const noexcept { return modules_.is_empty(); }
  bool contains(const std::string& key) const noexcept { return modules_.contains(key); }
  void clear() { modules_.clear(); }

  std::shared_ptr<Module> clone() const override;
  void reset() override {}
  void pretty_print(std::ostream& stream) const override;

  // A missing key throws xgrad::Error ("Key 'x' is not defined").
  std::shared_ptr<Module> operator[](const std::string& key) const { return modules_[key]; }
  template <typename T>
  T& at(const std::string& key) {
    static_assert(detail::is_module<T>::value, "Can only call ModuleDict::at with an nn::Module type");
    return *typed<T>(key);
  }
  template <typename T>
  const T& at(const std::string& key) const {
    static_assert(detail::is_module<T>::value, "Can only call ModuleDict::at with an nn::Module type");
    return *typed<T>(key);
  }
  std::shared_ptr<Module> pop(const std::string& key);

  void update(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
    for (auto& item : modules) insert(item.first, item.second);
  }
  // From anything whose items have key() and value(): an OrderedDict, another ModuleDict.
  template <typename Container>
  void update(const Container& container) {
    for (auto& item : container) insert(item.key(), item.value());
  }

 private:
  void insert(const std::string& key, std::shared_ptr<Module> module);
  template <typename T>
  T* typed(const std::string& key) const {
    const std::shared_ptr<Module>& module = modules_[key];
    T* result = module->as<T>();
    if (!result) detail::wrong_module_type("ModuleDict", "'" + key + "'", *module, typeid(T));
    return result;
  }

  OrderedDict<std::string, std::shared_ptr<Module>> modules_{"Key"};
};

XGRAD_MODULE(ModuleDict);

// ---------------------------------------------------------------- Functional

// A function as a module, for Sequential: Functional(xg::relu), Functional(f, extra arguments...) binds the
// extra arguments after the input.
class FunctionalImpl : public Cloneable<FunctionalImpl> {
 public:
  using Function = std::function<Tensor(Tensor)>;

  explicit FunctionalImpl(Function function);
  template <typename SomeFunction, typename... Args, typename = std::enable_if_t<(sizeof...(Args) > 0)>>
  explicit FunctionalImpl(SomeFunction original_function, Args&&... args)
      : function_(std::bind(original_function, std::placeholders::_1, std::forward<Args>(args)...)) {}

  void reset() override {}
  void pretty_print(std::ostream& stream) const override;
  Tensor forward(Tensor input);
  Tensor operator()(Tensor input);
  bool is_serializable() const override;

 private:
  Function function_;
};

XGRAD_MODULE(Functional);

// Compiled once in containers.cpp rather than in every file that uses a container (compile time).
extern template class Cloneable<SequentialImpl>;
extern template class Cloneable<ModuleListImpl>;
extern template class Cloneable<ModuleDictImpl>;
extern template class Cloneable<FunctionalImpl>;
extern template struct AnyChainHolder<SequentialImpl>;
extern template struct AnyModuleHolder<FunctionalImpl, Tensor>;

}  // namespace nn
}  // namespace xgrad

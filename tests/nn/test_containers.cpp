// Containers as LibTorch defines them (torch/nn/modules/container/): Sequential, ModuleList, ModuleDict,
// Functional and AnyModule. Expectations follow LibTorch 1.13's headers and behaviour; where xgrad differs
// on purpose (a Sequential inside a Sequential, clone() keeping names, ModuleList::insert renaming every
// later module) the test says so.
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "helpers.hpp"

namespace nn = xg::nn;

namespace {
struct Value : nn::Module {  // a module with a non-Tensor forward
  explicit Value(int value_in) : value(value_in) {}
  int forward() { return value; }
  int value;
};

struct Copied : nn::Module {
  static int copies;
  explicit Copied(int value_in) : value(value_in) {}
  Copied(const Copied& other) : nn::Module(other), value(other.value) { ++copies; }
  int forward(int x) { return x + value; }
  int value;
};
int Copied::copies = 0;

struct Adder : nn::Cloneable<Adder> {
  explicit Adder(int amount_in) : amount(amount_in) {}
  void reset() override {}
  int forward(int x) { return x + amount; }
  int amount;
};

struct Pair : nn::Module {  // several inputs, a tuple out
  std::tuple<xg::Tensor, xg::Tensor> forward(const xg::Tensor& a, const xg::Tensor& b) { return {a + b, a * b}; }
};

// forward() with a default argument, declared with FORWARD_HAS_DEFAULT_ARGS (LibTorch's macro).
struct Scale : nn::Module {
  xg::Tensor forward(const xg::Tensor& x, double factor = 2.0) { return x * factor; }

 protected:
  FORWARD_HAS_DEFAULT_ARGS({1, nn::AnyValue(2.0)})
};

struct DefaultArgsNotDeclared : nn::Module {
  xg::Tensor forward(const xg::Tensor& x, double factor = 2.0) { return x * factor; }
};
}  // namespace

TEST_CASE("Sequential: constructed from shared_ptrs, values (copied once), holders and names") {
  nn::Sequential from_pointers(std::make_shared<Value>(1), std::make_shared<Value>(2), std::make_shared<Value>(3));
  CHECK(from_pointers->size() == 3);
  Copied::copies = 0;
  nn::Sequential from_values(Copied(1), Copied(2), Copied(3));
  CHECK(from_values->size() == 3);
  CHECK(Copied::copies == 3);  // moved into make_shared: each copied exactly once, as LibTorch
  nn::Sequential from_holders(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
  CHECK(from_holders->named_children().keys() == std::vector<std::string>{"0", "1", "2"});
  nn::Sequential named({{"first", nn::Linear(2, 3)}, {std::string("act"), std::make_shared<nn::TanhImpl>()}, {"copy", Copied(4)}});
  CHECK(named->named_children().keys() == std::vector<std::string>{"first", "act", "copy"});
  xg::OrderedDict<std::string, nn::AnyModule> dict;
  dict.insert("a", nn::AnyModule(nn::ReLU()));
  dict.insert("b", nn::AnyModule(nn::Tanh()));
  nn::Sequential from_dict(nn::SequentialImpl(std::move(dict)));
  CHECK(from_dict->named_children().keys() == std::vector<std::string>{"a", "b"});
}

TEST_CASE("Sequential::push_back names: the index unless given; AnyModules too") {
  nn::Sequential sequential;
  CHECK(sequential->is_empty());
  sequential->push_back(nn::Linear(3, 4));
  sequential->push_back(std::string("linear2"), nn::Linear(4, 4));
  sequential->push_back("shared", std::make_shared<Value>(1));
  sequential->push_back(std::make_shared<Value>(2));
  sequential->push_back(Value(3));
  sequential->push_back("value", Value(4));
  nn::AnyModule any(nn::Linear(1, 2));
  sequential->push_back(any);
  sequential->push_back("fc", any);
  CHECK(sequential->named_children().keys() ==
        std::vector<std::string>{"0", "linear2", "shared", "3", "4", "value", "6", "fc"});
  CHECK(sequential->size() == 8);
  CHECK_THROWS_WITH_AS(sequential->push_back("fc", nn::ReLU()), doctest::Contains("Submodule 'fc' already defined"),
                       xg::Error);
  CHECK(sequential->size() == 8);  // nothing half-added
}

TEST_CASE("Sequential access: at<T>, ptr, ptr<T>, [], iteration, extend") {
  std::vector<std::shared_ptr<Value>> values = {std::make_shared<Value>(1), std::make_shared<Value>(2)};
  nn::Sequential sequential;
  for (auto& value : values) sequential->push_back(value);
  for (size_t i = 0; i < values.size(); ++i) {
    CHECK(&sequential->at<Value>(i) == values[i].get());
    CHECK(sequential->ptr(i).get() == values[i].get());
    CHECK(sequential[i].get() == values[i].get());
    CHECK(sequential->ptr<Value>(i).get() == values[i].get());
  }
  CHECK_THROWS_WITH_AS(sequential->at<Value>(3), doctest::Contains("Index out of range"), xg::IndexError);
  CHECK_THROWS_WITH_AS(sequential->ptr(1000000), doctest::Contains("Index out of range"), xg::IndexError);
  CHECK_THROWS_WITH_AS(sequential->at<Adder>(0), doctest::Contains("Attempted to cast module of type (anonymous namespace)::Value"),
                       xg::Error);
  int total = 0;
  for (nn::AnyModule& module : *sequential) total += module.forward<int>();
  CHECK(total == 3);
  nn::Sequential other(Adder(10));
  other->extend(*sequential);
  CHECK(other->size() == 3);
  CHECK(other[2].get() == values[1].get());
  std::vector<std::shared_ptr<Adder>> more = {std::make_shared<Adder>(1)};
  other->extend(more);
  CHECK(other[3]->as<Adder>()->amount == 1);
}

TEST_CASE("Sequential forward: chains values of any type, forward<T> checks the result type") {
  nn::Sequential chain(Adder(1), Adder(2), Adder(3));
  CHECK(chain->forward<int>(1) == 7);
  CHECK_THROWS_WITH_AS(chain->forward<float>(1), "The type of the return value is int, but you asked for type float",
                       xg::Error);
  CHECK_THROWS_WITH_AS(chain->forward<int>(1.5), doctest::Contains("Expected argument #0 to be of type int, but received value of type double"),
                       xg::Error);
  nn::Sequential value(Value(5));
  CHECK(value->forward<int>() == 5);
  nn::Sequential empty;
  CHECK_THROWS_WITH_AS(empty->forward<int>(), "Cannot call forward() on an empty Sequential", xg::Error);
  // The first module may take several inputs.
  nn::Sequential pair(Pair{});
  auto [sum, product] = pair->forward<std::tuple<xg::Tensor, xg::Tensor>>(xg::tensor({2.0}), xg::tensor({3.0}));
  CHECK(sum.item() == 5.0);
  CHECK(product.item() == 6.0);
  // Tensors through layers: the result and its gradient are those of calling them in turn.
  xg::manual_seed(3);
  nn::Sequential mlp(nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 2));
  xg::Tensor x = random_input({5, 3}).to(xg::kFloat32).detach();
  xg::Tensor direct = mlp[2]->as<nn::Linear>()->forward(xg::tanh(mlp[0]->as<nn::Linear>()->forward(x)));
  CHECK(mlp(x).to_vector<float>() == direct.to_vector<float>());
  CHECK(mlp->forward(x).to_vector<float>() == direct.to_vector<float>());
}

TEST_CASE("FORWARD_HAS_DEFAULT_ARGS lets Sequential and AnyModule leave default arguments out") {
  nn::Sequential sequential(Scale{});
  check_values(sequential->forward(xg::tensor({1.0, 2.0})), {2.0, 4.0});
  check_values(sequential->forward(xg::tensor({1.0, 2.0}), 3.0), {3.0, 6.0});
  nn::AnyModule any(Scale{});
  CHECK_THROWS_WITH_AS(any.forward(), doctest::Contains("expects at least 1 argument(s) and at most 2 argument(s), but received 0"),
                       xg::Error);
  nn::AnyModule undeclared(DefaultArgsNotDeclared{});
  CHECK_THROWS_WITH_AS(undeclared.forward(xg::ones({1})),
                       doctest::Contains("forward() method expects 2 argument(s), but received 1. If (anonymous "
                                         "namespace)::DefaultArgsNotDeclared's forward() method has default arguments"),
                       xg::Error);
}

TEST_CASE("Sequential has reference semantics, is cloneable (deep) and registers its elements") {
  nn::Sequential first(nn::Linear(2, 3), nn::Linear(3, 4));
  nn::Sequential second(first);
  CHECK(first.get() == second.get());
  nn::Sequential original({{"fc", nn::Linear(3, 4)}, {"act", nn::Functional(xg::relu)}, {"out", nn::Linear(4, 1)}});
  nn::Sequential clone = std::dynamic_pointer_cast<nn::SequentialImpl>(original->clone());
  REQUIRE(clone);
  CHECK(clone->size() == original->size());
  CHECK(clone->named_children().keys() == original->named_children().keys());  // LibTorch renames them "0", "1", ...
  for (size_t i = 0; i < original->size(); ++i) {
    CHECK(original[i]->name() == clone[i]->name());
    CHECK(original[i] != clone[i]);
  }
  xg::NoGradGuard no_grad;
  auto params = original->named_parameters(), cloned = clone->named_parameters();
  REQUIRE(params.size() == cloned.size());
  for (auto& param : params) {
    CHECK(param->impl() != cloned[param.key()].impl());
    CHECK(param->to_vector<float>() == cloned[param.key()].to_vector<float>());
    param->add_(2);
  }
  for (auto& param : params) CHECK(param->to_vector<float>() != cloned[param.key()].to_vector<float>());
  xg::Tensor x = xg::ones({2, 3});
  CHECK(clone(x).shape() == xg::Shape{2, 1});
  auto children = original->children();
  CHECK(children[0]->as<nn::Linear>());
  CHECK(children[1]->as<nn::Functional>());
}

TEST_CASE("a Sequential may hold a Sequential (LibTorch cannot): inputs and outputs pass through") {
  nn::Sequential inner(Adder(1), Adder(2));
  nn::Sequential outer(Adder(10), inner, Adder(100));
  CHECK(outer->forward<int>(0) == 113);
  CHECK(outer->named_modules().keys() == std::vector<std::string>{"", "0", "1", "1.0", "1.1", "2"});
  nn::Sequential first_is_sequential(nn::Sequential(Pair{}), nn::Functional([](xg::Tensor t) { return t; }));
  CHECK_THROWS_WITH_AS(first_is_sequential->forward(xg::ones({1}), xg::ones({1})),
                       doctest::Contains("Expected argument #0 to be of type xgrad::Tensor, but received value of type std::tuple"),
                       xg::Error);
  auto copy = std::dynamic_pointer_cast<nn::SequentialImpl>(outer->clone());
  CHECK(copy->forward<int>(0) == 113);
  CHECK(copy->ptr(1).get() != inner.get());
}

TEST_CASE("ModuleList: construction, push_back, insert, access, extend, iteration, clone") {
  nn::ModuleList list(std::make_shared<Value>(1), Value(2), nn::Linear(1, 1));
  CHECK(list->size() == 3);
  CHECK(list->at<Value>(0).value == 1);
  CHECK(list->ptr<Value>(1)->value == 2);
  CHECK(list->ptr<Adder>(1) == nullptr);
  CHECK(list[2]->as<nn::Linear>() != nullptr);
  CHECK_THROWS_WITH_AS(list->at<Adder>(0), doctest::Contains("ModuleList::at: module 0 is a (anonymous namespace)::Value, not a"),
                       xg::Error);
  CHECK_THROWS_WITH_AS(list->at<Value>(3), doctest::Contains("Index out of range"), xg::IndexError);
  // Inserting renames every later module (LibTorch 1.13 re-registers only the first of them).
  list->insert(0, Value(0));
  list->insert(2, std::make_shared<Value>(15));
  list->insert(list->size(), Value(99));
  CHECK_THROWS_AS(list->insert(list->size() + 1, Value(7)), xg::IndexError);
  std::vector<int> in_order;
  for (size_t i = 0; i < list->size(); ++i)
    if (auto* value = list[i]->as<Value>()) in_order.push_back(value->value);
  CHECK(in_order == std::vector<int>{0, 1, 15, 2, 99});
  for (auto& item : list->named_children()) CHECK(item.value().get() == list[std::stoul(item.key())].get());
  CHECK(list->named_children().keys() == std::vector<std::string>{"0", "1", "2", "3", "4", "5"});
  int count = 0;
  for (const std::shared_ptr<nn::Module>& module : *list) count += module != nullptr;
  CHECK(count == 6);
  nn::ModuleList other;
  other->extend(*list);
  CHECK(other->size() == 6);
  nn::ModuleList shared(list);
  CHECK(shared.get() == list.get());
  nn::ModuleList nested(nn::ModuleList(nn::ReLU(), nn::Tanh()), nn::Linear(2, 2));
  CHECK(nested->parameters().size() == 2);
  auto clone = std::dynamic_pointer_cast<nn::ModuleListImpl>(nested->clone());
  CHECK(clone->size() == 2);
  CHECK(clone->ptr(1).get() != nested->ptr(1).get());
  CHECK(clone->parameters()[0].to_vector<float>() == nested->parameters()[0].to_vector<float>());
  CHECK(clone->parameters()[0].impl() != nested->parameters()[0].impl());
}

TEST_CASE("ModuleDict: update, replace in place, pop, clear, keys, values, items, at, clone") {
  std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>> list = {
      {"one", std::make_shared<Value>(1)}, {"two", std::make_shared<Value>(2)}};
  nn::ModuleDict dict(list);
  CHECK(dict->size() == 2);
  CHECK(dict->at<Value>("two").value == 2);
  xg::OrderedDict<std::string, std::shared_ptr<nn::Module>> ordered = {{"two", std::make_shared<Value>(20)},
                                                                      {"three", nn::Linear(1, 1).ptr()}};
  dict->update(ordered);  // "two" is replaced where it was; "three" appended
  CHECK(dict->keys() == std::vector<std::string>{"one", "two", "three"});
  CHECK(dict->at<Value>("two").value == 20);
  CHECK(dict->named_children()["two"].get() == dict["two"].get());
  CHECK(dict->values().size() == 3);
  CHECK(dict->items()[2].first == "three");
  CHECK(dict->contains("three"));
  CHECK_FALSE(dict->empty());
  nn::ModuleDict other(list);
  dict->update(*other);
  CHECK(dict->at<Value>("two").value == 2);
  CHECK_THROWS_WITH_AS(dict->at<Adder>("one"), doctest::Contains("ModuleDict::at: module 'one' is a"), xg::Error);
  CHECK_THROWS_WITH_AS(dict["four"], doctest::Contains("'four' is not defined"), xg::Error);
  std::shared_ptr<nn::Module> popped = dict->pop("one");
  CHECK(popped->as<Value>()->value == 1);
  CHECK(dict->size() == 2);
  CHECK_THROWS_WITH_AS(dict->pop("one"), doctest::Contains(" 'one' is not defined"), xg::Error);
  CHECK(dict->children().size() == 3);  // pop leaves it registered, as LibTorch
  dict->update(std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>>{{"one", std::make_shared<Adder>(5)}});
  CHECK(dict->at<Adder>("one").amount == 5);  // LibTorch throws "Submodule 'one' already defined" here
  CHECK(dict->named_children()["one"]->as<Adder>() != nullptr);
  CHECK_THROWS_WITH_AS(dict->clone(), doctest::Contains("clone() has not been implemented for (anonymous namespace)::Value"),
                       xg::Error);
  dict->pop("two");  // what is left is Cloneable
  auto clone = std::dynamic_pointer_cast<nn::ModuleDictImpl>(dict->clone());
  CHECK(clone->keys() == dict->keys());
  CHECK(clone->at<Adder>("one").amount == 5);
  CHECK(clone->parameters()[0].impl() != dict->parameters()[0].impl());
  CHECK(clone->parameters()[0].to_vector<float>() == dict->parameters()[0].to_vector<float>());
  dict->clear();
  CHECK(dict->empty());
}

TEST_CASE("Functional wraps a function, with bound extra arguments") {
  bool called = false;
  nn::Functional function([&called](xg::Tensor input) {
    called = true;
    return input * 2.0;
  });
  check_values(function(xg::ones({2})), {2, 2});
  CHECK(called);
  check_values(nn::Functional(xg::relu)(xg::tensor({-1.0, 1.0})), {0, 1});
  check_values(nn::Functional(nn::functional::leaky_relu, 0.5)(xg::tensor({-2.0, 1.0})), {-1, 1});
  check_values(nn::Functional(xg::softmax, 0)(xg::tensor({0.0, 0.0})), {0.5, 0.5});
  CHECK_FALSE(function->is_serializable());
  CHECK_THROWS_WITH_AS(nn::Functional(nn::FunctionalImpl::Function{}), doctest::Contains("Functional: the function is empty"),
                       xg::Error);
}

TEST_CASE("AnyModule: typed forward, get, ptr, copies share and clones are deep; empty and mistyped use refused") {
  nn::AnyModule any(nn::Linear(2, 1));
  CHECK(any.forward(xg::ones({3, 2})).shape() == xg::Shape{3, 1});
  CHECK(any.any_forward(xg::ones({3, 2})).get<xg::Tensor>().shape() == xg::Shape{3, 1});
  CHECK(any.get<nn::LinearImpl>().options.in_features() == 2);
  nn::Linear holder = any.get<nn::Linear>();
  CHECK(holder.get() == any.ptr().get());
  CHECK(any.ptr<nn::LinearImpl>().get() == holder.get());
  CHECK(any.type_info() == typeid(nn::LinearImpl));
  CHECK_THROWS_WITH_AS(any.get<nn::ReLUImpl>(), doctest::Contains("Attempted to cast module of type xgrad::nn::LinearImpl to type xgrad::nn::ReLUImpl"),
                       xg::Error);
  nn::AnyModule copy = any;
  CHECK(copy.ptr().get() == any.ptr().get());
  nn::AnyModule clone = any.clone();
  CHECK(clone.ptr().get() != any.ptr().get());
  CHECK(clone.get<nn::LinearImpl>().weight.to_vector<float>() == holder->weight.to_vector<float>());
  nn::AnyModule empty;
  CHECK(empty.is_empty());
  CHECK_THROWS_WITH_AS(empty.forward(xg::ones({1})), "Cannot call forward() on an empty AnyModule", xg::Error);
  CHECK_THROWS_WITH_AS(empty.ptr(), "Cannot call ptr() on an empty AnyModule", xg::Error);
  CHECK_THROWS_AS(nn::AnyModule(std::shared_ptr<nn::LinearImpl>()), xg::Error);
  nn::AnyValue value(3);
  CHECK(value.get<int>() == 3);
  CHECK(value.try_get<double>() == nullptr);
  CHECK_THROWS_WITH_AS(value.get<double>(), "Attempted to cast AnyValue to double, but its actual type is int",
                       xg::Error);
  nn::AnyValue copied = value;
  *copied.try_get<int>() = 4;
  CHECK(value.get<int>() == 3);
}

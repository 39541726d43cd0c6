// Module holders and the Module API as LibTorch defines them (torch/nn/pimpl.h, module.h, cloneable.h,
// ordered_dict.h, arg.h): the expectations follow LibTorch 1.13's headers and behaviour (checked against
// libtorch-dev where noted); numbers come from torch 1.13 (tests/nn/holders_reference.py).
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "helpers.hpp"

namespace nn = xg::nn;

namespace {
template <typename T>
std::string printed(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

struct CounterImpl : nn::Module {
  CounterImpl() : CounterImpl(123) {}
  explicit CounterImpl(int start) : value(start) {}
  int64_t forward(const xg::Tensor& x, int64_t extra) { return x.numel() + extra + value; }
  int value;
};
XGRAD_MODULE(Counter);

struct NoDefaultImpl : nn::Module {
  explicit NoDefaultImpl(int64_t size) { w = register_parameter("w", xg::ones({size})); }
  xg::Tensor forward(const xg::Tensor& x) { return x * w; }
  xg::Tensor w;
};
XGRAD_MODULE(NoDefault);

// A model in the LibTorch style: holders as members, registered in the constructor.
struct NetImpl : nn::Module {
  NetImpl() {
    fc1 = register_module("fc1", nn::Linear(3, 4));
    act = register_module("act", nn::ReLU());
    fc2 = register_module("fc2", nn::Linear(nn::LinearOptions(4, 2).bias(false)));
    scale = register_parameter("scale", xg::ones({2}));
    count = register_buffer("count", xg::zeros({1}));
  }
  xg::Tensor forward(const xg::Tensor& x) { return fc2(act(fc1(x))) * scale; }
  nn::Linear fc1{nullptr}, fc2{nullptr};
  nn::ReLU act{nullptr};
  xg::Tensor scale, count;
};
XGRAD_MODULE(Net);

// Cloneable: everything registered in reset().
struct BlockImpl : nn::Cloneable<BlockImpl> {
  BlockImpl() { reset(); }
  void reset() override {
    linear = register_module("linear", nn::Linear(2, 2));
    gain = register_parameter("gain", xg::full({2}, 3.0));
    running = register_buffer("running", xg::zeros({2}));
  }
  xg::Tensor forward(const xg::Tensor& x) { return linear(x) * gain; }
  nn::Linear linear{nullptr};
  xg::Tensor gain, running;
  int tag = 0;  // plain state is copied
};
XGRAD_MODULE(Block);

struct Leaf : nn::Module {  // not Cloneable
  Leaf() { w = register_parameter("w", xg::ones({2})); }
  xg::Tensor w;
};
struct WithPlainChild : nn::Cloneable<WithPlainChild> {
  WithPlainChild() { reset(); }
  void reset() override { leaf = register_module("leaf", std::make_shared<Leaf>()); }
  std::shared_ptr<Leaf> leaf;
};

struct Named : nn::Module {
  Named() : nn::Module("MyName") {}
};
}  // namespace

TEST_CASE("ModuleHolder: construction, access, empty state, shared copies (torch/nn/pimpl.h)") {
  Counter by_default;  // default-constructs the Impl
  CHECK(by_default);
  CHECK_FALSE(by_default.is_empty());
  CHECK(by_default->value == 123);
  Counter with_argument(5);  // forwards the arguments to the Impl's constructor
  CHECK(with_argument->value == 5);
  CHECK((*with_argument).value == 5);
  CHECK(with_argument.get()->value == 5);
  CHECK(with_argument.ptr()->value == 5);
  // operator() forwards any arguments to forward(), whatever it returns.
  CHECK(with_argument(xg::ones({2, 3}), int64_t(10)) == 6 + 10 + 5);

  Counter empty = nullptr;
  CHECK_FALSE(empty);
  CHECK(empty.is_empty());
  CHECK_THROWS_WITH_AS((void)empty->value, "Accessing empty ModuleHolder", xg::Error);
  CHECK_THROWS_WITH_AS((void)*empty, "Accessing empty ModuleHolder", xg::Error);
  CHECK_THROWS_WITH_AS(empty.ptr(), "Accessing empty ModuleHolder", xg::Error);
  CHECK_THROWS_WITH_AS(empty(xg::ones({1}), int64_t(0)), "Accessing empty ModuleHolder", xg::Error);
  empty = with_argument;  // copies share the module
  CHECK(empty.get() == with_argument.get());
  empty->value = 7;
  CHECK(with_argument->value == 7);

  // From a shared_ptr, implicitly; the holder's Impl type.
  NoDefault from_pointer = std::make_shared<NoDefaultImpl>(3);
  CHECK(from_pointer->w.shape() == xg::Shape{3});
  static_assert(std::is_same<NoDefault::Impl, NoDefaultImpl>::value, "XGRAD_MODULE names the Impl");
  static_assert(std::is_same<NoDefault::ContainedType, NoDefaultImpl>::value, "ContainedType");
  const NoDefault& constant = from_pointer;
  CHECK(constant->w.shape() == xg::Shape{3});

  // A built-in layer is used the same way.
  auto model = nn::Linear(3, 1);
  CHECK(model->weight.shape() == xg::Shape{1, 3});
  CHECK(model->parameters().size() == 2);
  CHECK(model(xg::ones({2, 3})).shape() == xg::Shape{2, 1});
  nn::Linear alias = model;
  CHECK(alias->weight.impl() == model->weight.impl());
}

TEST_CASE("register_module takes and returns holders and shared_ptrs; replace and unregister") {
  Net net;
  CHECK(net->named_children().keys() == std::vector<std::string>{"fc1", "act", "fc2"});
  CHECK(net->fc1.get() == net->named_children()["fc1"].get());
  CHECK(net(xg::ones({5, 3})).shape() == xg::Shape{5, 2});
  // LibTorch's replace_module: the member must be reassigned too.
  net->fc1 = net->replace_module("fc1", nn::Linear(3, 4));
  CHECK(net->named_modules()["fc1"]->as<nn::Linear>() == net->fc1.get());
  auto shared = std::make_shared<nn::TanhImpl>();
  std::shared_ptr<nn::TanhImpl> returned = net->register_module("extra", shared);
  CHECK(returned == shared);
  net->unregister_module("extra");
  CHECK(net->children().size() == 3);
}

TEST_CASE("an undefined parameter is registered but never listed; requires_grad = true on it warns, as LibTorch") {
  struct Capture : xg::WarningHandler {
    void process(const xg::SourceLocation&, const std::string& msg, const bool) override { messages.push_back(msg); }
    std::vector<std::string> messages;
  } capture;
  xg::Warning::WarningHandlerGuard guard(&capture);
  nn::Module module;
  module.register_parameter("quiet", xg::Tensor(), /*requires_grad=*/false);
  CHECK(capture.messages.empty());
  module.register_parameter("loud", xg::Tensor());
  REQUIRE(capture.messages.size() == 1);
  CHECK(capture.messages[0] == "An undefined tensor cannot require grad. Ignoring the `requires_grad=true` function parameter.");
  CHECK(module.parameters().empty());
  CHECK(module.named_parameters().is_empty());
  CHECK(module.state_dict().empty());
  nn::Linear no_bias(nn::LinearOptions(2, 2).bias(false));  // registers its undefined bias without a warning
  CHECK(capture.messages.size() == 1);
}

TEST_CASE("name() is the dynamic type's name, or the one given to the constructor") {
  CHECK(nn::Linear(1, 1)->name() == "xgrad::nn::LinearImpl");  // as LibTorch: torch::nn::LinearImpl
  CHECK(nn::Sequential()->name() == "xgrad::nn::SequentialImpl");
  CHECK(Net()->name() == "(anonymous namespace)::NetImpl");
  CHECK(Named().name() == "MyName");
  nn::Module plain;
  CHECK(plain.name() == "xgrad::nn::Module");
  CHECK(&plain.name() == &plain.name());  // computed once
}

TEST_CASE("as<T>() casts to an Impl or to a holder's Impl, else nullptr") {
  nn::Linear linear(3, 4);
  CHECK(linear->as<nn::Linear>() == linear.get());
  CHECK(linear->as<nn::LinearImpl>() == linear.get());
  CHECK(linear->as<nn::Module>() == linear.get());
  CHECK(linear->as<nn::ReLU>() == nullptr);
  std::shared_ptr<nn::Module> base = linear.ptr();
  CHECK(base->as<nn::Linear>() == linear.get());
  const nn::Module& constant = *base;
  CHECK(constant.as<nn::LinearImpl>() == linear.get());
  CHECK(constant.as<nn::TanhImpl>() == nullptr);
}

TEST_CASE("OrderedDict: LibTorch's interface, errors and structured bindings (torch/ordered_dict.h)") {
  xg::OrderedDict<std::string, int> dict("Thing");
  CHECK(dict.is_empty());
  CHECK_THROWS_WITH_AS(dict.front(), "Called front() on an empty OrderedDict", xg::Error);
  CHECK_THROWS_WITH_AS(dict.back(), "Called back() on an empty OrderedDict", xg::Error);
  CHECK(dict.insert("b", 2) == 2);
  dict.insert("a", 1);
  dict.insert(std::string("c"), 3);
  CHECK_THROWS_WITH_AS(dict.insert("a", 9), "Thing 'a' already defined", xg::Error);
  CHECK(dict.size() == 3);
  CHECK(dict.keys() == std::vector<std::string>{"b", "a", "c"});  // insertion order
  CHECK(dict.values() == std::vector<int>{2, 1, 3});
  CHECK(dict.pairs()[1] == std::make_pair(std::string("a"), 1));
  CHECK(dict["c"] == 3);
  CHECK(dict[0].key() == "b");
  CHECK(*dict[0] == 2);
  CHECK(dict[2].value() == 3);
  CHECK(dict.front().key() == "b");
  CHECK(dict.back().key() == "c");
  CHECK_THROWS_WITH_AS(dict["zz"], "Thing 'zz' is not defined", xg::Error);
  CHECK_THROWS_WITH_AS(dict[3], "Index 3 is out of bounds", xg::IndexError);
  CHECK(dict.contains("a"));
  CHECK(dict.find("zz") == nullptr);
  *dict.find("a") = 10;
  CHECK(dict["a"] == 10);
  dict["a"] = 1;
  std::string keys;
  int total = 0;
  for (auto& [key, value] : dict) {  // structured bindings: the key is const, the value a reference
    keys += key;
    value *= 2;
  }
  for (const auto& [key, value] : dict) total += value;
  CHECK(keys == "bac");
  CHECK(total == 12);
  auto [first_key, first_value] = dict[0];  // a copy
  CHECK(first_key == "b");
  CHECK(first_value == 4);
  dict.erase("a");
  CHECK(dict.keys() == std::vector<std::string>{"b", "c"});
  CHECK(dict["c"] == 6);  // the index is shifted
  CHECK_THROWS_WITH_AS(dict.erase("a"), "Key 'a' doesn't exist", xg::Error);
  xg::OrderedDict<std::string, int> copy = dict;
  copy["b"] = 100;
  CHECK(dict["b"] == 4);  // copies are independent
  CHECK_FALSE(copy == dict);
  copy["b"] = 4;
  CHECK(copy == dict);
  xg::OrderedDict<std::string, int> more = {{"x", 1}, {"y", 2}};
  copy.update(more);
  CHECK(copy.keys() == std::vector<std::string>{"b", "c", "x", "y"});
  CHECK_THROWS_AS(copy.update(more), xg::Error);
  CHECK(copy.items().size() == 4);
  copy.clear();
  CHECK(copy.is_empty());
  CHECK(dict.key_description() == "Thing");
}

TEST_CASE("parameters, buffers, children and modules as LibTorch lists them") {
  Net net;
  auto parameters = net->named_parameters();
  CHECK(parameters.keys() == std::vector<std::string>{"scale", "fc1.weight", "fc1.bias", "fc2.weight"});
  CHECK(parameters["fc1.weight"].impl() == net->fc1->weight.impl());
  for (auto& [name, tensor] : net->named_parameters()) CHECK(tensor.requires_grad());
  CHECK(net->parameters().size() == 4);
  CHECK(net->parameters(/*recurse=*/false).size() == 1);
  CHECK(net->named_buffers().keys() == std::vector<std::string>{"count"});
  CHECK(net->buffers()[0].impl() == net->count.impl());
  CHECK_FALSE(net->count.requires_grad());
  CHECK(net->children().size() == 3);
  CHECK(net->named_modules().keys() == std::vector<std::string>{"", "fc1", "act", "fc2"});
  CHECK(net->named_modules("net").keys() == std::vector<std::string>{"net", "net.fc1", "net.act", "net.fc2"});
  CHECK(net->named_modules("", /*include_self=*/false).keys() == std::vector<std::string>{"fc1", "act", "fc2"});
  CHECK(net->modules()[0].get() == net.get());
  CHECK(net->modules(false).size() == 3);
  // state_dict: parameters and buffers, a module's own before its children's (PyTorch's order).
  std::vector<std::string> state_names;
  for (auto& entry : net->state_dict()) state_names.push_back(entry.first);
  CHECK(state_names == std::vector<std::string>{"scale", "count", "fc1.weight", "fc1.bias", "fc2.weight"});
  // include_self needs the module in a shared_ptr.
  NetImpl on_stack;
  CHECK_THROWS_WITH_AS(on_stack.modules(), doctest::Contains("It looks like you attempted to retrieve your top-level module as a shared_ptr"),
                       xg::Error);
  CHECK(on_stack.modules(false).size() == 3);
}

TEST_CASE("apply visits every module depth first, with dotted names") {
  Net net;
  std::vector<std::string> visited;
  net->apply([&](nn::Module& module) { visited.push_back(module.name()); });
  CHECK(visited == std::vector<std::string>{"(anonymous namespace)::NetImpl", "xgrad::nn::LinearImpl", "xgrad::nn::ReLUImpl",
                                            "xgrad::nn::LinearImpl"});
  std::vector<std::string> keys;
  net->apply([&](const std::string& key, nn::Module&) { keys.push_back(key); }, "root");
  CHECK(keys == std::vector<std::string>{"root", "root.fc1", "root.act", "root.fc2"});
  keys.clear();
  const NetImpl& constant = *net;
  constant.apply([&](const std::string& key, const nn::Module&) { keys.push_back(key); });
  CHECK(keys == std::vector<std::string>{"", "fc1", "act", "fc2"});
  int count = 0;
  constant.apply([&](const nn::Module&) { ++count; });
  net->apply([&](const std::shared_ptr<nn::Module>& module) { count += module != nullptr; });
  net->apply([&](const std::string&, const std::shared_ptr<nn::Module>&) { ++count; });
  CHECK(count == 12);
  // LibTorch's idiom: initialize every Linear.
  net->apply([](nn::Module& module) {
    if (auto* linear = module.as<nn::Linear>()) nn::init::constant_(linear->weight, 0.5);
  });
  CHECK(net->fc1->weight.max().item() == 0.5);
  CHECK(net->fc2->weight.min().item() == 0.5);
}

TEST_CASE("buffers are saved in state_dict and checkpoints, checked on load, and never optimized") {
  Net net;
  {
    xg::NoGradGuard no_grad;
    net->count.fill_(7);
  }
  const std::string path = "/tmp/xgrad_test_holders_buffers.npz";
  xg::save(net, path);
  Net other;
  xg::load(other, path);
  CHECK(other->count.item() == 7.0);
  CHECK(other->fc1->weight.to_vector<float>() == net->fc1->weight.to_vector<float>());
  // A checkpoint without the buffer is refused, naming it as a buffer.
  xg::StateDict without;
  for (auto& entry : net->state_dict())
    if (entry.first != "count") without.push_back(entry);
  xg::save(without, path);
  CHECK_THROWS_WITH_AS(xg::load(other, path), doctest::Contains("missing buffer 'count'"), std::runtime_error);
  CHECK_THROWS_WITH_AS(other->load_state_dict(without), doctest::Contains("missing buffer 'count'"), xg::Error);
  xg::StateDict reshaped = net->state_dict();
  reshaped[1].second = xg::zeros({2});
  CHECK_THROWS_WITH_AS(other->load_state_dict(reshaped), doctest::Contains("buffer 'count' has shape [2] but the model expects [1]"),
                       xg::Error);
  CHECK(other->count.item() == 7.0);
  // Through a training checkpoint as well.
  xg::optim::SGD sgd(net->parameters(), xg::optim::SGDOptions(0.1));
  xg::optim::save_checkpoint(path, net, sgd);
  Net resumed;
  xg::optim::SGD resumed_sgd(resumed->parameters(), xg::optim::SGDOptions(0.1));
  xg::optim::load_checkpoint(path, resumed, resumed_sgd);
  CHECK(resumed->count.item() == 7.0);
  std::remove(path.c_str());
  // The optimizer gets parameters only.
  for (const xg::Tensor& p : net->parameters()) CHECK(p.impl() != net->count.impl());
}

TEST_CASE("to(dtype) converts parameters, buffers and gradients in place; refuses what cannot require grad") {
  Net net;
  net(xg::ones({1, 3})).sum().backward();
  xg::Tensor weight = net->fc1->weight;  // a handle taken before: sees the conversion
  std::vector<float> before = weight.to_vector<float>();
  net->to(xg::kFloat64);
  CHECK(weight.dtype() == xg::kFloat64);
  CHECK(net->fc1->weight.dtype() == xg::kFloat64);
  CHECK(net->count.dtype() == xg::kFloat64);
  CHECK(weight.grad().dtype() == xg::kFloat64);
  CHECK(weight.is_leaf());
  CHECK(weight.requires_grad());
  std::vector<double> after = weight.to_vector<double>();
  for (size_t i = 0; i < before.size(); ++i) CHECK(after[i] == static_cast<double>(before[i]));
  CHECK(net->named_parameters()["fc1.weight"].impl() == weight.impl());
  xg::Tensor out = net(xg::ones({1, 3}, xg::dtype(xg::kFloat64)));
  CHECK(out.dtype() == xg::kFloat64);
  out.sum().backward();  // gradients accumulate in float64
  xg::optim::SGD sgd(net->parameters(), xg::optim::SGDOptions(0.1));
  sgd.step();
  // LibTorch: "data set to a tensor that requires gradients must be floating point"; nothing changes.
  CHECK_THROWS_WITH_AS(net->to(xg::kInt64), doctest::Contains("Module::to: cannot convert parameter 'scale' to int64"),
                       xg::Error);
  CHECK(net->count.dtype() == xg::kFloat64);
  CHECK(weight.dtype() == xg::kFloat64);
  // Without gradients required, integer dtypes are allowed (as LibTorch).
  nn::Linear frozen(2, 2);
  for (auto& p : frozen->parameters()) p.requires_grad_(false);
  frozen->to(xg::kInt32);
  CHECK(frozen->weight.dtype() == xg::kInt32);
  // An undefined (optional) parameter stays undefined.
  nn::Linear no_bias(nn::LinearOptions(2, 2).bias(false));
  no_bias->to(xg::kFloat64, /*non_blocking=*/true);
  CHECK_FALSE(no_bias->bias.defined());
  CHECK(no_bias->weight.dtype() == xg::kFloat64);
}

TEST_CASE("clone() is deep: distinct storage, same values, requires_grad and mode kept (torch/nn/cloneable.h)") {
  Block block;
  {
    xg::NoGradGuard no_grad;
    block->gain.fill_(5);
    block->running.fill_(2);
  }
  block->tag = 42;
  block->linear->bias.requires_grad_(false);
  block->eval();
  auto copy = std::dynamic_pointer_cast<BlockImpl>(block->clone());
  REQUIRE(copy);
  CHECK(copy->tag == 42);
  CHECK_FALSE(copy->is_training());
  CHECK_FALSE(copy->linear->is_training());
  CHECK_FALSE(copy->linear->bias.requires_grad());
  CHECK(copy->linear->weight.requires_grad());
  auto original = block->named_parameters(), cloned = copy->named_parameters();
  REQUIRE(original.keys() == cloned.keys());
  for (auto& item : original) {
    CAPTURE(item.key());
    CHECK(item->impl() != cloned[item.key()].impl());
    CHECK(item->to_vector<double>() == cloned[item.key()].to_vector<double>());
  }
  // Members alias the registered tensors of the copy, not of the original.
  CHECK(copy->gain.impl() == cloned["gain"].impl());
  CHECK(copy->linear->weight.impl() == cloned["linear.weight"].impl());
  CHECK(copy->linear.get() == copy->named_children()["linear"].get());
  CHECK(copy->running.to_vector<float>() == std::vector<float>{2, 2});
  CHECK(copy->running.impl() != block->running.impl());
  {
    xg::NoGradGuard no_grad;
    block->gain.add_(1.0);
    block->linear->weight.add_(1.0);
  }
  CHECK(copy->gain.to_vector<float>() == std::vector<float>{5, 5});
  CHECK(copy->linear->weight.to_vector<float>() != block->linear->weight.to_vector<float>());
  // A built-in layer, and a dtype other than the default.
  nn::Linear linear(3, 2);
  linear->to(xg::kFloat64);
  auto linear_copy = std::dynamic_pointer_cast<nn::LinearImpl>(linear->clone());
  CHECK(linear_copy->weight.dtype() == xg::kFloat64);
  CHECK(linear_copy->weight.to_vector<double>() == linear->weight.to_vector<double>());
  CHECK(linear_copy->options.out_features() == 2);
  // A module that is not Cloneable refuses; a non-Cloneable child of a Cloneable gets the original's values
  // (LibTorch leaves it as reset() made it).
  CHECK_THROWS_WITH_AS(Leaf().clone(), doctest::Contains("clone() has not been implemented for (anonymous namespace)::Leaf"),
                       xg::Error);
  WithPlainChild parent;
  {
    xg::NoGradGuard no_grad;
    parent.leaf->w.fill_(9);
  }
  auto parent_copy = std::dynamic_pointer_cast<WithPlainChild>(parent.clone());
  CHECK(parent_copy->leaf->w.to_vector<float>() == std::vector<float>{9, 9});
  CHECK(parent_copy->leaf->w.impl() != parent.leaf->w.impl());
  CHECK(parent_copy->leaf.get() != parent.leaf.get());
}

TEST_CASE("printing: LibTorch's format, with xgrad::nn:: names (checked against libtorch 1.13)") {
  CHECK(printed(nn::Linear(3, 4)) == "xgrad::nn::Linear(in_features=3, out_features=4, bias=true)");
  CHECK(printed(nn::Linear(nn::LinearOptions(3, 4).bias(false))) == "xgrad::nn::Linear(in_features=3, out_features=4, bias=false)");
  CHECK(printed(nn::ReLU()) == "xgrad::nn::ReLU()");
  CHECK(printed(nn::ReLU(true)) == "xgrad::nn::ReLU(inplace=true)");
  CHECK(printed(nn::ReLU(nn::ReLUOptions().inplace(true))) == "xgrad::nn::ReLU(inplace=true)");
  CHECK(printed(nn::LeakyReLU()) == "xgrad::nn::LeakyReLU(negative_slope=0.01)");
  CHECK(printed(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.42).inplace(true))) ==
        "xgrad::nn::LeakyReLU(negative_slope=0.42, inplace=true)");
  CHECK(printed(nn::GELU(nn::GELUOptions().approximate("tanh"))) == "xgrad::nn::GELU()");
  CHECK(printed(nn::Tanh()) == "xgrad::nn::Tanh()");
  CHECK(printed(nn::Sigmoid()) == "xgrad::nn::Sigmoid()");
  CHECK(printed(nn::Softmax(nn::SoftmaxOptions(1))) == "xgrad::nn::Softmax(dim=1)");
  CHECK(printed(nn::MSELoss(xg::kSum)) == "xgrad::nn::MSELoss()");
  CHECK(printed(nn::L1Loss()) == "xgrad::nn::L1Loss()");
  CHECK(printed(nn::HuberLoss(nn::HuberLossOptions().delta(2))) == "xgrad::nn::HuberLoss");  // no parentheses, as LibTorch
  CHECK(printed(nn::Functional(xg::relu)) == "xgrad::nn::Functional()");
  CHECK(printed(nn::Module()) == "xgrad::nn::Module");
  CHECK(printed(Named()) == "MyName");
  CHECK(printed(Net()) ==
        "(anonymous namespace)::NetImpl(\n"
        "  (fc1): xgrad::nn::Linear(in_features=3, out_features=4, bias=true)\n"
        "  (act): xgrad::nn::ReLU()\n"
        "  (fc2): xgrad::nn::Linear(in_features=4, out_features=2, bias=false)\n"
        ")");
  struct Holder : nn::Module {
    Holder() : nn::Module("Holder") {
      register_module("seq", nn::Sequential(nn::Linear(2, 3), nn::ReLU()));
      register_module("list", nn::ModuleList(nn::Tanh()));
    }
  };
  CHECK(printed(Holder()) ==
        "Holder(\n"
        "  (seq): xgrad::nn::Sequential(\n"
        "    (0): xgrad::nn::Linear(in_features=2, out_features=3, bias=true)\n"
        "    (1): xgrad::nn::ReLU()\n"
        "  )\n"
        "  (list): xgrad::nn::ModuleList(\n"
        "    (0): xgrad::nn::Tanh()\n"
        "  )\n"
        ")");
  struct Custom : nn::Module {
    void pretty_print(std::ostream& stream) const override { stream << "Custom(x=" << 1 << ")"; }
  };
  CHECK(printed(Custom()) == "Custom(x=1)");
}

TEST_CASE("options: XGRAD_ARG accessors chain and read back, with LibTorch's defaults") {
  nn::LinearOptions linear(5, 2);
  CHECK(linear.bias());
  CHECK(&linear.bias(false) == &linear);
  CHECK_FALSE(linear.bias());
  CHECK(linear.in_features() == 5);
  linear.out_features() = 7;  // the non-const accessor is a reference
  CHECK(linear.out_features() == 7);
  CHECK(nn::LeakyReLUOptions().negative_slope() == 0.01);
  CHECK_FALSE(nn::LeakyReLUOptions().inplace());
  CHECK(nn::GELUOptions().approximate() == "none");
  CHECK(nn::MSELossOptions().reduction() == xg::kMean);
  CHECK(nn::MSELossOptions(xg::kSum).reduction() == xg::kSum);
  CHECK(nn::HuberLossOptions().delta() == 1.0);
  CHECK(nn::HuberLossOptions(xg::kNone).delta(0.5).reduction() == nn::Reduction::None);
  CHECK(nn::L1Loss(xg::kSum)->options.reduction() == xg::kSum);
  nn::Linear model(nn::LinearOptions(5, 2).bias(false));
  CHECK(model->options.in_features() == 5);
  CHECK_FALSE(model->options.bias());
  CHECK(nn::Softmax(2)->options.dim() == 2);
  CHECK_THROWS_WITH_AS(nn::GELU(nn::GELUOptions().approximate("fast")),
                       doctest::Contains("GELU: approximate argument must be either none or tanh"), xg::Error);
  CHECK_THROWS_AS(nn::functional::gelu(xg::ones({1}), "erf"), xg::Error);
}

TEST_CASE("GELU(approximate=tanh) and in-place ReLU/LeakyReLU match torch 1.13 (tests/nn/holders_reference.py)") {
  xg::Tensor x = xg::tensor({-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0}, f64());
  xg::Tensor y = nn::GELU(nn::GELUOptions().approximate("tanh"))(x);
  check_values(y, {-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606, 0.0, 0.34571400982514394,
                   0.8411919906082768, 2.996362607918227}, 1e-12);
  y.sum().backward();
  check_values(x.grad(), {-0.011584166630969648, -0.08296408384578252, 0.13263009646535764, 0.5, 0.8673699035346424,
                          1.0829640838457826, 1.0115841666309695}, 1e-12);
  CHECK(xg::autograd::gradcheck([](const std::vector<xg::Tensor>& in) { return nn::functional::gelu(in[0], "tanh"); },
                                {random_input({3, 4}, -3, 3)}));
  CHECK(xg::autograd::gradgradcheck([](const std::vector<xg::Tensor>& in) { return nn::functional::gelu(in[0], "tanh"); },
                                    {random_input({5}, -3, 3)}));

  // inplace: the result is written into the input, which is returned; the gradient reaches the leaf.
  struct Case {
    nn::AnyModule module;
    std::vector<double> values, grad;
  };
  std::vector<Case> cases = {
      {nn::AnyModule(nn::ReLU(true)), {0.0, 1.5, 9.0}, {0.0, 6.0, 9.0}},
      {nn::AnyModule(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true))),
       {-1.2000000000000002, 1.5, 9.0},
       {0.6000000000000001, 6.0, 9.0}},
  };
  for (auto& c : cases) {
    xg::Tensor a = xg::tensor({-2.0, 0.5, 3.0}, f64());
    xg::Tensor h = a * 3.0;
    xg::Tensor out = c.module.forward(h);
    CHECK(out.impl() == h.impl());
    check_values(h, c.values, 1e-12);
    (out * xg::tensor({1.0, 2.0, 3.0}, f64(false))).sum().backward();
    check_values(a.grad(), c.grad, 1e-12);
  }
  // On a leaf that requires grad the in-place write is refused, as torch's relu_ is.
  xg::Tensor leaf = xg::ones({2}, xg::requires_grad());
  CHECK_THROWS_AS(nn::ReLU(true)(leaf), std::logic_error);
  xg::Tensor plain = xg::tensor({-1.0, 1.0});
  nn::ReLU(true)(plain);
  check_values(plain, {0.0, 1.0});
}

TEST_CASE("train(), eval() and zero_grad() reach every submodule") {
  Net net;
  net->eval();
  CHECK_FALSE(net->is_training());
  CHECK_FALSE(net->fc1->is_training());
  net->train();
  CHECK(net->fc2->is_training());
  net->train(false);
  CHECK_FALSE(net->act->is_training());
  net(xg::ones({2, 3})).sum().backward();
  CHECK(net->fc1->weight.grad().defined());
  net->zero_grad(/*set_to_none=*/false);
  check_values(net->fc1->bias.grad(), {0, 0, 0, 0});
  net->zero_grad();  // set_to_none = true (LibTorch 2.x's default)
  CHECK_FALSE(net->fc1->bias.grad().defined());
  CHECK_FALSE(net->scale.grad().defined());
}

TEST_CASE("Module::to(Device): the CPU is a no-op, CUDA is refused clearly") {
  xg::nn::Linear model(2, 3);
  model->to(xg::kCPU);
  model->to(xg::Device("cpu"), xg::kFloat64);
  CHECK(model->weight.dtype() == xg::kFloat64);
  CHECK_THROWS_WITH_AS(model->to(xg::kCUDA), doctest::Contains("CPU only"), xg::Error);
  CHECK(model->weight.dtype() == xg::kFloat64);
}

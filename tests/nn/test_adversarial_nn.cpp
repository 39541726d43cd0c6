// Misuse of nn, tried systematically: empty and 0-d tensors through every layer, activation and loss, bad
// constructor arguments, shared layers, initializers with bad bounds, clipping with mismatched gradients,
// module registration misuse, load_state_dict misuse and train/eval on nested modules. Expected values
// of PyTorch 1.13 were printed by torch (noted where they are not obvious).
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>

#include "helpers.hpp"

namespace nn = xg::nn;

namespace {
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Exact bits of a tensor's values (NaN equal to the same NaN).
std::vector<double> bits(const xg::Tensor& t) { return t.to_vector<double>(); }
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// A module that registers whatever the test asks for (register_* are public, as in LibTorch).
struct Open : nn::Module {
  Open() : nn::Module("Open") {}
};

// Every single-input layer of nn, as a fresh module behind an AnyModule.
std::vector<std::pair<std::string, std::function<nn::AnyModule()>>> activations() {
  return {
      {"ReLU", [] { return nn::AnyModule(nn::ReLU()); }},
      {"Tanh", [] { return nn::AnyModule(nn::Tanh()); }},
      {"Sigmoid", [] { return nn::AnyModule(nn::Sigmoid()); }},
      {"LeakyReLU", [] { return nn::AnyModule(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1))); }},
      {"GELU", [] { return nn::AnyModule(nn::GELU()); }},
      {"Softmax(-1)", [] { return nn::AnyModule(nn::Softmax(-1)); }},
  };
}
}  // namespace

namespace {
void empty_through(const std::string& name, const std::function<nn::AnyModule()>& make,
                   const xg::Shape& shape, bool backward) {
  CAPTURE(name);
  CAPTURE(xg::shape_string(shape));
  xg::Tensor x = xg::zeros(shape, xg::requires_grad());
  xg::Tensor y = make().forward(x);
  CHECK(y.shape() == shape);
  if (!backward) return;
  y.sum().backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().shape() == shape);
}
const std::vector<xg::Shape> kEmptyShapes = {{0}, {0, 3}, {3, 0}, {2, 0, 4}};
}  // namespace

TEST_CASE("empty tensors keep their shape through every activation, forward and backward") {
  for (auto& [name, make] : activations())
    for (const xg::Shape& shape : kEmptyShapes) empty_through(name, make, shape, name.rfind("Softmax", 0) != 0);
  // Softmax's backward sums over its dim; that works where the sum is not empty.
  for (const xg::Shape& shape : {xg::Shape{0}, xg::Shape{3, 0}})
    empty_through("Softmax(-1)", [] { return nn::AnyModule(nn::Softmax(-1)); }, shape, true);
}

// Softmax's backward sums over the softmax dim: for a [0, 3] or [2, 0, 4] input that reduction has an empty
// result (it once wrote past its allocation; torch gives a [0, 1] tensor).
TEST_CASE("softmax backward on empty tensors whose other dims are empty") {
  for (const xg::Shape& shape : {xg::Shape{0, 3}, xg::Shape{2, 0, 4}})
    empty_through("Softmax(-1)", [] { return nn::AnyModule(nn::Softmax(-1)); }, shape, true);
}

TEST_CASE("0-d tensors through every activation: values and gradients as torch 1.13") {
  // torch: relu(-1) = 0, tanh(-1) = -0.7616, sigmoid(-1) = 0.2689, leaky_relu(-1, 0.1) = -0.1,
  // gelu(-1) = -0.1587, softmax of a 0-d tensor = 1 (dims 0 and -1).
  const std::vector<double> values = {0, std::tanh(-1.0), 1 / (1 + std::exp(1.0)), -0.1, -0.15865525393145707, 1};
  const std::vector<double> grads = {0, 1 - std::tanh(-1.0) * std::tanh(-1.0),
                                     std::exp(-1.0) / ((1 + std::exp(-1.0)) * (1 + std::exp(-1.0))), 0.1,
                                     -0.08331547058768381,  // d/dx x Phi(x) at -1 = Phi(-1) - phi(-1)
                                     0};
  auto list = activations();
  for (size_t i = 0; i < list.size(); ++i) {
    CAPTURE(list[i].first);
    xg::Tensor x = xg::scalar_tensor(-1.0, f64());
    xg::Tensor y = list[i].second().forward(x);
    CHECK(y.dim() == 0);
    CHECK(y.item() == doctest::Approx(values[i]).epsilon(1e-12));
    y.backward();
    CHECK(x.grad().dim() == 0);
    CHECK(x.grad().item() == doctest::Approx(grads[i]).epsilon(1e-9));
  }
  CHECK(nn::Softmax(0)(xg::scalar_tensor(3.0)).item() == 1.0);
  CHECK_THROWS_AS(nn::Softmax(1)(xg::scalar_tensor(3.0)), std::invalid_argument);  // torch: IndexError
}

TEST_CASE("Linear with empty batches, zero features, 0-d input and bad sizes") {
  nn::Linear layer(2, 3);
  CHECK(layer(xg::zeros({0, 2})).shape() == xg::Shape{0, 3});
  CHECK(layer(xg::zeros({0, 4, 2})).shape() == xg::Shape{0, 4, 3});
  CHECK(layer(xg::zeros({4, 0, 2})).shape() == xg::Shape{4, 0, 3});
  xg::Tensor empty_batch = xg::zeros({0, 2}, xg::requires_grad());
  layer(empty_batch).sum().backward();
  check_values(layer->weight.grad(), {0, 0, 0, 0, 0, 0});  // a sum over no rows
  check_values(layer->bias.grad(), {0, 0, 0});
  CHECK(empty_batch.grad().shape() == xg::Shape{0, 2});
  // torch: "both arguments to matmul need to be at least 1D".
  CHECK_THROWS_WITH_AS(layer(xg::scalar_tensor(1.0)), doctest::Contains("linear: input of shape []"), std::invalid_argument);
  CHECK_THROWS_AS(layer(xg::zeros({0, 3})), std::invalid_argument);

  // Linear(0, 3) is allowed in PyTorch: the weight is [3, 0], the bias 0, the output the bias.
  nn::Linear no_inputs(0, 3);
  CHECK(no_inputs->weight.shape() == xg::Shape{3, 0});
  check_values(no_inputs->bias, {0, 0, 0});
  xg::Tensor out = no_inputs(xg::zeros({2, 0}));
  CHECK(out.shape() == xg::Shape{2, 3});
  check_values(out, {0, 0, 0, 0, 0, 0});
  out.sum().backward();
  CHECK(no_inputs->weight.grad().shape() == xg::Shape{3, 0});
  check_values(no_inputs->bias.grad(), {2, 2, 2});
  nn::Linear no_outputs(3, 0);
  CHECK(no_outputs(xg::ones({2, 3})).shape() == xg::Shape{2, 0});
  CHECK(nn::Linear(nn::LinearOptions(0, 0).bias(false))(xg::zeros({5, 0})).shape() == xg::Shape{5, 0});
  // An optimizer steps empty parameters without complaint.
  xg::optim::SGD sgd(no_inputs->parameters(), xg::optim::SGDOptions(0.5));
  sgd.step();
  check_values(no_inputs->bias, {-1, -1, -1});

  // torch: "Trying to create tensor with negative dimension -1".
  CHECK_THROWS_WITH_AS(nn::Linear(-1, 3), doctest::Contains("Linear: in_features and out_features must be >= 0, got in_features=-1"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::Linear(3, -7), doctest::Contains("out_features=-7"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::Linear(int64_t(1) << 40, int64_t(1) << 40), doctest::Contains("Linear(1099511627776, 1099511627776)"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(kNan)),
                       doctest::Contains("LeakyReLU: negative_slope must be finite"), std::invalid_argument);
  CHECK_THROWS_AS(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(kInf)), std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::functional::leaky_relu(xg::ones({2}), kNan), doctest::Contains("leaky_relu: negative_slope"),
                       std::invalid_argument);
  CHECK_THROWS_AS(nn::Softmax(2)(xg::ones({2, 2})), std::invalid_argument);
}

TEST_CASE("Sequential: empty, empty inputs, null modules and misuse of at()") {
  nn::Sequential empty_model;
  xg::Tensor x = xg::ones({2, 2});
  // LibTorch refuses forward() on an empty Sequential (PyTorch's Python one returns its input).
  CHECK_THROWS_WITH_AS(empty_model(x), doctest::Contains("Cannot call forward() on an empty Sequential"), xg::Error);
  CHECK(empty_model->parameters().empty());
  nn::Sequential model(nn::Linear(2, 3), nn::ReLU(), nn::Linear(3, 1));
  CHECK(model(xg::zeros({0, 2})).shape() == xg::Shape{0, 1});
  CHECK_THROWS_WITH_AS(model->push_back(std::shared_ptr<nn::LinearImpl>()), doctest::Contains("Sequential::push_back: module '3' is null"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(model->push_back(nn::Linear(nullptr)), doctest::Contains("Accessing empty ModuleHolder"), xg::Error);
  CHECK_THROWS_WITH_AS(model->push_back(nn::AnyModule()), doctest::Contains("Cannot call ptr() on an empty AnyModule"),
                       xg::Error);
  CHECK(model->size() == 3);
  CHECK_THROWS_WITH_AS(model[3], doctest::Contains("Index out of range"), xg::IndexError);
  CHECK_THROWS_AS(model->at<nn::LinearImpl>(7), xg::IndexError);
  CHECK_THROWS_AS(model->ptr<nn::LinearImpl>(3), xg::IndexError);
  CHECK_THROWS_WITH_AS(model->at<nn::LinearImpl>(1),
                       doctest::Contains("Attempted to cast module of type xgrad::nn::ReLUImpl to type xgrad::nn::LinearImpl"),
                       std::invalid_argument);
  // Inputs of the wrong number or type are refused by the first module.
  CHECK_THROWS_WITH_AS(model->forward(x, x), doctest::Contains("xgrad::nn::LinearImpl's forward() method expects 1 argument(s), but received 2"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(model->forward(2.0), doctest::Contains("Expected argument #0 to be of type xgrad::Tensor, but received value of type double"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(model->forward<double>(x), doctest::Contains("The type of the return value is xgrad::Tensor, but you asked for type double"),
                       std::invalid_argument);
}

TEST_CASE("losses: empty tensors give NaN for Mean and 0 for Sum, 0-d tensors work (torch 1.13)") {
  using Loss = std::function<xg::Tensor(const xg::Tensor&, const xg::Tensor&, nn::Reduction)>;
  std::vector<std::pair<const char*, Loss>> losses = {
      {"mse_loss", [](auto& a, auto& b, auto r) { return nn::functional::mse_loss(a, b, r); }},
      {"l1_loss", [](auto& a, auto& b, auto r) { return nn::functional::l1_loss(a, b, r); }},
      {"huber_loss", [](auto& a, auto& b, auto r) { return nn::functional::huber_loss(a, b, r); }},
      {"MSELoss", [](auto& a, auto& b, auto r) { return nn::MSELoss(r)(a, b); }},
      {"L1Loss", [](auto& a, auto& b, auto r) { return nn::L1Loss(nn::L1LossOptions().reduction(r))->forward(a, b); }},
      {"HuberLoss", [](auto& a, auto& b, auto r) { return nn::HuberLoss(r)(a, b); }},
  };
  // torch on 0-d input 2.0, target 0.5: mse 2.25, l1 1.5, huber 1.0; gradients 3, 1, 1.
  const std::vector<double> scalar_values = {2.25, 1.5, 1.0, 2.25, 1.5, 1.0}, scalar_grads = {3, 1, 1, 3, 1, 1};
  for (size_t i = 0; i < losses.size(); ++i) {
    auto& [name, loss] = losses[i];
    CAPTURE(name);
    for (const xg::Shape& shape : {xg::Shape{0}, xg::Shape{3, 0}}) {
      xg::Tensor input = xg::zeros(shape, f64()), target = xg::zeros(shape, f64(false));
      xg::Tensor mean = loss(input, target, nn::Reduction::Mean);
      CHECK(mean.dim() == 0);
      CHECK(std::isnan(mean.item()));
      xg::Tensor total = loss(input, target, nn::Reduction::Sum);
      CHECK(total.item() == 0.0);
      CHECK(loss(input, target, nn::Reduction::None).shape() == shape);
      total.backward();
      CHECK(input.grad().shape() == shape);
      input.mutable_grad() = xg::Tensor();
      mean.backward();
      CHECK(input.grad().shape() == shape);
    }
    for (nn::Reduction reduction : {nn::Reduction::Mean, nn::Reduction::Sum, nn::Reduction::None}) {
      xg::Tensor input = xg::scalar_tensor(2.0, f64()), target = xg::scalar_tensor(0.5, f64(false));
      xg::Tensor value = loss(input, target, reduction);
      CHECK(value.dim() == 0);
      CHECK(value.item() == doctest::Approx(scalar_values[i]));
      value.backward();
      CHECK(input.grad().item() == doctest::Approx(scalar_grads[i]));
    }
    // Mismatched shapes (torch broadcasts [4, 1] with [4] silently; xgrad refuses), dtypes, undefined.
    CHECK_THROWS_AS(loss(xg::zeros({0}), xg::zeros({1}), nn::Reduction::Mean), std::invalid_argument);
    CHECK_THROWS_AS(loss(xg::scalar_tensor(1.0), xg::zeros({1}), nn::Reduction::Sum), std::invalid_argument);
    CHECK_THROWS_AS(loss(xg::zeros({0, 3}), xg::zeros({3, 0}), nn::Reduction::None), std::invalid_argument);
    CHECK_THROWS_AS(loss(xg::zeros({2}), xg::zeros({2}, xg::dtype(xg::kFloat64)), nn::Reduction::Mean), std::invalid_argument);
    CHECK_THROWS_AS(loss(xg::Tensor(), xg::zeros({2}), nn::Reduction::Mean), std::invalid_argument);
    CHECK_THROWS_AS(loss(xg::zeros({2}), xg::Tensor(), nn::Reduction::Mean), std::invalid_argument);
    // A Reduction that is none of the three (a cast integer) used to be read as Sum or Mean.
    CHECK_THROWS_WITH_AS(loss(xg::zeros({2}), xg::zeros({2}), static_cast<nn::Reduction>(7)),
                         doctest::Contains("invalid reduction 7"), std::invalid_argument);
  }
}

TEST_CASE("huber_loss delta: non-positive and NaN refused, infinity is half the squared error (torch 1.13)") {
  xg::Tensor input = xg::tensor({0.0, 3.0}), target = xg::tensor({0.5, 0.0});
  for (double delta : {0.0, -1.0, kNan, -kInf}) {
    CAPTURE(delta);
    CHECK_THROWS_WITH_AS(nn::functional::huber_loss(input, target, nn::Reduction::Mean, delta),
                         doctest::Contains("huber_loss: delta must be positive"), std::invalid_argument);
  }
  // torch.nn.functional.huber_loss([0, 3], [0.5, 0], delta=inf) = 2.3125
  CHECK(nn::functional::huber_loss(input, target, nn::Reduction::Mean, kInf).item() == doctest::Approx(2.3125));
  CHECK(nn::HuberLoss(nn::HuberLossOptions(xg::kSum).delta(kInf))(input, target).item() == doctest::Approx(4.625));
  for (double delta : {0.0, -1.0, kNan})
    CHECK_THROWS_WITH_AS(nn::HuberLoss(nn::HuberLossOptions().delta(delta)), doctest::Contains("HuberLoss: delta must be positive"),
                         std::invalid_argument);
  xg::Tensor x = xg::tensor({0.0, 3.0}, f64());
  nn::functional::huber_loss(x, xg::tensor({0.5, 0.0}, f64(false)), nn::Reduction::Sum, kInf).backward();
  check_values(x.grad(), {-0.5, 3.0});
}

TEST_CASE("a shared layer is listed once: Sequential(l, l) steps its parameters once (torch de-duplicates)") {
  auto check_shared = [](nn::Sequential& model, nn::LinearImpl& layer) {
    // torch: named_parameters ['0.weight', '0.bias'], state_dict keys 0.weight, 0.bias, 1.weight, 1.bias.
    CHECK(model->parameters().size() == 2);
    auto named = model->named_parameters();
    REQUIRE(named.size() == 2);
    CHECK(named[0].key() == "0.weight");
    CHECK(named[1].key() == "0.bias");
    auto state = model->state_dict();
    REQUIRE(state.size() == 4);
    CHECK(state[2].first == "1.weight");
    CHECK(state[2].second.impl() == state[0].second.impl());
    xg::optim::SGD sgd(model->parameters(), xg::optim::SGDOptions(0.1));  // no duplicate: accepted
    {
      xg::NoGradGuard guard;
      layer.weight.copy_(xg::tensor({1, 0, 0, 1}, {2, 2}));
      layer.bias.copy_(xg::tensor({0.0, 0.0}));
    }
    model(xg::tensor({1, 2}, {1, 2})).sum().backward();  // y = W W x; d/dW of sum = both uses
    std::vector<float> grad = layer.weight.grad().to_vector<float>();
    sgd.step();
    std::vector<float> weight = layer.weight.to_vector<float>();
    const std::vector<float> identity = {1, 0, 0, 1};
    for (size_t i = 0; i < 4; ++i) CHECK(weight[i] == doctest::Approx(identity[i] - 0.1 * grad[i]));
    model->zero_grad();
    CHECK_FALSE(layer.weight.grad().defined());
  };
  nn::Linear holder(2, 2);
  nn::Sequential twice(holder, holder);  // a holder is shared: the same module twice
  CHECK(twice[0].get() == twice[1].get());
  check_shared(twice, *holder);
  nn::Linear original(2, 2);
  nn::Sequential copies(*original, *original);  // two module copies sharing the same parameter tensors
  CHECK(copies[0].get() != copies[1].get());
  check_shared(copies, *original);
  auto pointer = std::make_shared<nn::LinearImpl>(2, 2);
  nn::Sequential same(pointer, pointer);  // the same module twice
  check_shared(same, *pointer);

  // One tensor registered under two names, and one child under two names.
  Open open;
  xg::Tensor shared = xg::ones({2});
  open.register_parameter("a", shared);
  open.register_parameter("b", shared);
  auto child = nn::Linear(1, 1);
  open.register_module("first", child);
  open.register_module("second", child);
  CHECK(open.named_parameters().keys() == std::vector<std::string>{"a", "first.weight", "first.bias"});
  CHECK(open.state_dict().size() == 6);
  CHECK(open.parameters(false).size() == 1);
  // Buffers too: each tensor once in buffers(), every name in the state.
  xg::Tensor statistic = xg::zeros({3});
  open.register_buffer("mean", statistic);
  open.register_buffer("mean_again", statistic);
  CHECK(open.named_buffers().keys() == std::vector<std::string>{"mean"});
  CHECK(open.state_dict().size() == 8);
}

TEST_CASE("load_state_dict with shared parameters takes every name; the last one wins, as in torch") {
  nn::Linear layer(1, 1);
  nn::Sequential model(layer, layer);
  xg::StateDict state = {{"0.weight", xg::tensor({1}, {1, 1})}, {"0.bias", xg::tensor({2.0})},
                         {"1.weight", xg::tensor({3}, {1, 1})}, {"1.bias", xg::tensor({4.0})}};
  model->load_state_dict(state);
  check_values(layer->weight, {3});
  check_values(layer->bias, {4});
  state.pop_back();
  CHECK_THROWS_WITH_AS(model->load_state_dict(state), doctest::Contains("missing parameter '1.bias'"), std::invalid_argument);
}

TEST_CASE("module registration misuse is refused with the offending name") {
  Open open;
  open.register_parameter("w", xg::ones({1}));
  auto refuses = [](const std::function<void()>& run, const char* fragment) {
    CAPTURE(fragment);
    CHECK_THROWS_WITH_AS(run(), doctest::Contains(fragment), std::invalid_argument);
  };
  // LibTorch's messages, after the operation's name.
  refuses([&] { open.register_parameter("w", xg::ones({1})); }, "register_parameter: Parameter 'w' already defined");
  refuses([&] { open.register_parameter("a.b", xg::ones({1})); }, "register_parameter: Parameter name must not contain a dot (got 'a.b')");
  refuses([&] { open.register_parameter("", xg::ones({1})); }, "register_parameter: Parameter name must not be empty");
  refuses([&] { open.register_module("w", nn::ReLU()); }, "register_module: 'w' is already registered as a parameter");
  open.register_module("act", nn::ReLU());
  refuses([&] { open.register_module("act", nn::ReLU()); }, "register_module: Submodule 'act' already defined");
  refuses([&] { open.register_parameter("act", xg::ones({1})); }, "register_parameter: 'act' is already registered as a submodule");
  refuses([&] { open.register_module("x.y", std::make_shared<nn::ReLUImpl>()); }, "register_module: Submodule name must not contain a dot (got 'x.y')");
  refuses([&] { open.register_module("", nn::ReLU()); }, "register_module: Submodule name must not be empty");
  refuses([&] { open.register_module("null", std::shared_ptr<nn::ReLUImpl>()); }, "register_module: module 'null' is null");
  refuses([&] { open.register_buffer("w", xg::ones({1})); }, "register_buffer: 'w' is already registered as a parameter");
  refuses([&] { open.register_buffer("act", xg::ones({1})); }, "register_buffer: 'act' is already registered as a submodule");
  refuses([&] { open.register_buffer("b.c", xg::ones({1})); }, "register_buffer: Buffer name must not contain a dot (got 'b.c')");
  refuses([&] { open.register_buffer("", xg::ones({1})); }, "register_buffer: Buffer name must not be empty");
  open.register_buffer("stat", xg::ones({1}));
  refuses([&] { open.register_buffer("stat", xg::ones({1})); }, "register_buffer: Buffer 'stat' already defined");
  refuses([&] { open.register_parameter("stat", xg::ones({1})); }, "register_parameter: 'stat' is already registered as a buffer");
  refuses([&] { open.register_module("stat", nn::ReLU()); }, "register_module: 'stat' is already registered as a buffer");
  refuses([&] { open.replace_module("missing", nn::ReLU()); }, "Submodule 'missing' is not defined");
  refuses([&] { open.unregister_module("missing"); }, "No Module with name `missing` is registered");
  // torch: "Cannot assign non-leaf Tensor to parameter".
  xg::Tensor leaf = xg::ones({1}, xg::requires_grad());
  refuses([&] { open.register_parameter("made", leaf * 2.0); }, "cannot register the non-leaf tensor 'made'");
  CHECK(open.named_parameters().size() == 1);
  CHECK(open.named_children().size() == 1);
  // An undefined parameter is an optional one (bias = false): registered, never listed.
  open.register_parameter("optional", xg::Tensor(), /*requires_grad=*/false);
  CHECK(open.named_parameters().size() == 1);

  // Cycles would make named_parameters() and train() recurse forever.
  auto outer = std::make_shared<Open>();
  auto inner = std::make_shared<Open>();
  outer->register_module("inner", inner);
  refuses([&] { outer->register_module("self", outer); }, "contains this module; registering it would make a cycle");
  refuses([&] { inner->register_module("outer", outer); }, "register_module: module 'outer' (Open) contains this module");
  nn::Sequential sequential;
  refuses([&] { sequential->push_back(sequential); },
          "Sequential::push_back: module '0' (xgrad::nn::SequentialImpl) contains this module");
  CHECK(sequential->size() == 0);
  refuses([&] { outer->replace_module("inner", outer); }, "replace_module: module 'inner' (Open) contains this module");
  nn::ModuleList list;
  refuses([&] { list->push_back(list); }, "ModuleList::push_back: module '0' (xgrad::nn::ModuleListImpl) contains this module");
  list->push_back(nn::ReLU());
  refuses([&] { list->insert(0, list); }, "ModuleList::insert: module '1' (xgrad::nn::ModuleListImpl) contains this module");
  CHECK(list->size() == 1);
  outer->train(false);  // still terminates
  CHECK_FALSE(inner->is_training());
}

TEST_CASE("load_state_dict misuse leaves the model bit-identical") {
  xg::manual_seed(4);
  nn::Sequential model(nn::Linear(2, 3), nn::Tanh(), nn::Linear(3, 1));
  const xg::StateDict good = model->state_dict();
  std::vector<std::vector<double>> before;
  for (auto& entry : good) before.push_back(bits(entry.second));
  auto unchanged = [&] {
    auto now = model->state_dict();
    for (size_t i = 0; i < now.size(); ++i) CHECK(same_bits(bits(now[i].second), before[i]));
  };
  auto copy = [&] {
    xg::StateDict out;
    for (auto& [name, tensor] : good) out.emplace_back(name, tensor.detach().clone() + 1.0);
    return out;
  };
  auto refused = [&](const xg::StateDict& state, const char* fragment) {
    CAPTURE(fragment);
    CHECK_THROWS_WITH_AS(model->load_state_dict(state), doctest::Contains(fragment), std::invalid_argument);
    unchanged();
  };
  xg::StateDict state = copy();
  state.erase(state.begin() + 1);
  refused(state, "missing parameter '0.bias'");
  state = copy();
  state.emplace_back("2.extra", xg::ones({1}));
  refused(state, "unexpected parameter '2.extra'");
  state = copy();
  state.push_back(state.front());
  refused(state, "parameter '0.weight' appears twice");
  state = copy();
  state[2].second = xg::ones({3, 2});
  refused(state, "parameter '2.weight' has shape [3, 2] but the model expects [1, 3]");
  state = copy();
  state[3].second = xg::ones({1}, xg::dtype(xg::kFloat64));
  refused(state, "parameter '2.bias' is float64 but the model expects float32");
  state = copy();
  state[0].second = xg::Tensor();
  refused(state, "parameter '0.weight' has shape undefined");
  state = copy();
  state[1].second = xg::scalar_tensor(1.0);
  refused(state, "has shape []");
  refused({}, "missing parameter '0.weight'");

  // Loading the model's own state (every source is the target itself) changes nothing.
  model->load_state_dict(model->state_dict());
  unchanged();
  // Entries that are the model's own parameters, swapped: each target gets the other's old value.
  nn::Sequential twins(nn::Linear(2, 2), nn::Linear(2, 2));
  xg::StateDict own = twins->state_dict();
  std::vector<double> w0 = bits(own[0].second), w1 = bits(own[2].second);
  xg::StateDict swapped = {{"0.weight", own[2].second}, {"0.bias", own[3].second},
                           {"1.weight", own[0].second}, {"1.bias", own[1].second}};
  twins->load_state_dict(swapped);
  CHECK(same_bits(bits(twins->state_dict()[0].second), w1));
  CHECK(same_bits(bits(twins->state_dict()[2].second), w0));
}

TEST_CASE("train and eval reach every nested and shared module") {
  nn::Linear shared(1, 1);
  auto left = std::make_shared<Open>(), right = std::make_shared<Open>();
  left->register_module("shared", shared);
  right->register_module("shared", shared);
  auto deep = nn::Sequential(nn::ReLU(), nn::Sequential(nn::Tanh()));  // xgrad lets a Sequential hold a Sequential
  right->register_module("deep", deep);
  Open root;
  root.register_module("left", left);
  root.register_module("right", right);
  root.eval();
  std::vector<const nn::Module*> all = {&root, left.get(), right.get(), shared.get(), deep.get(), deep[0].get(),
                                        deep[1].get(), deep->at<nn::SequentialImpl>(1)[0].get()};
  for (const nn::Module* m : all) CHECK_FALSE(m->is_training());
  left->train();  // a subtree only; the shared child follows its last call
  CHECK(shared->is_training());
  CHECK_FALSE(root.is_training());
  CHECK_FALSE(deep->is_training());
  root.train(true);
  CHECK(deep->at<nn::SequentialImpl>(1).is_training());
  CHECK(root.parameters().size() == 2);
  // LibTorch's modules() visits a shared module under each of its names.
  CHECK(root.modules(/*include_self=*/false).size() == 8);
  check_values(deep(xg::tensor({-1.0, 2.0})), {0.0, std::tanh(2.0)});
}

TEST_CASE("init: bounds PyTorch refuses are refused, and the tensor is left as it was") {
  xg::Tensor f32 = xg::full({4}, 0.5), f64_tensor = xg::full({4}, 0.5, xg::dtype(xg::kFloat64));
  auto refused = [](xg::Tensor t, const std::function<void(xg::Tensor)>& init, const char* fragment) {
    CAPTURE(fragment);
    std::vector<double> before = bits(t);
    CHECK_THROWS_WITH_AS(init(t), doctest::Contains(fragment), std::invalid_argument);
    CHECK(same_bits(bits(t), before));
  };
  // torch: "uniform_ expects to-from <= std::numeric_limits<Double>::max(), but found to=1e+308 and from=-1e+308".
  refused(f64_tensor, [](xg::Tensor t) { nn::init::uniform_(t, -1e308, 1e308); },
          "uniform_: expects to-from <= std::numeric_limits<float64>::max(), but found to=1e+308 and from=-1e+308");
  refused(f32, [](xg::Tensor t) { nn::init::uniform_(t, -3e38, 3e38); }, "to-from");
  // torch: "from is out of bounds for float" (also NaN), "to is out of bounds for float" (also infinity).
  refused(f32, [](xg::Tensor t) { nn::init::uniform_(t, -1e39, 1); }, "uniform_: from -1e+39 is out of bounds for float32");
  refused(f32, [](xg::Tensor t) { nn::init::uniform_(t, kNan, 1); }, "uniform_: from nan is out of bounds");
  refused(f32, [](xg::Tensor t) { nn::init::uniform_(t, 0, kInf); }, "uniform_: to inf is out of bounds");
  refused(f64_tensor, [](xg::Tensor t) { nn::init::uniform_(t, -kInf, 0); }, "from -inf is out of bounds for float64");
  refused(f32, [](xg::Tensor t) { nn::init::uniform_(t, 1, 0); }, "uniform_: expects to return a [from, to) range, but found from=1 > to=0");
  refused(xg::empty({0}), [](xg::Tensor t) { nn::init::uniform_(t, -1e308, 1e308); }, "out of bounds for float32");  // as torch
  // normal_: torch "normal expects std >= 0.0, but found std -1"; a non-finite mean is refused here too.
  refused(f32, [](xg::Tensor t) { nn::init::normal_(t, 0, -1); }, "normal_: expects std >= 0.0, but found std -1");
  refused(f32, [](xg::Tensor t) { nn::init::normal_(t, 0, kNan); }, "found std nan");
  refused(f32, [](xg::Tensor t) { nn::init::normal_(t, kNan, 1); }, "normal_: mean nan is out of bounds");
  refused(f32, [](xg::Tensor t) { nn::init::normal_(t, kInf, 1); }, "normal_: mean inf");
  refused(f32, [](xg::Tensor t) { nn::init::normal_(t, 1e39, 1); }, "mean 1e+39 is out of bounds for float32");
  refused(f32, [](xg::Tensor t) { nn::init::normal_(t, 0, kInf); }, "normal_: std inf");
  // torch: "value cannot be converted to type float without overflow".
  refused(f32, [](xg::Tensor t) { nn::init::constant_(t, 1e39); }, "constant_: value 1e+39 cannot be converted to type float32 without overflow");
  refused(f32, [](xg::Tensor t) { nn::init::xavier_uniform_(t); }, "xavier_uniform_: fan in and fan out need at least 2 dimensions");
  refused(xg::ones({2, 2}), [](xg::Tensor t) { nn::init::xavier_uniform_(t, kNan); }, "xavier_uniform_: gain must be finite");
  refused(xg::ones({2, 2}), [](xg::Tensor t) { nn::init::xavier_uniform_(t, -1); }, "xavier_uniform_: expects to return a [from, to) range");
  refused(xg::ones({2, 2}), [](xg::Tensor t) { nn::init::kaiming_uniform_(t, kNan); }, "calculate_gain: negative_slope nan is not a valid number");
  refused(xg::ones({2, 2}), [](xg::Tensor t) { nn::init::kaiming_uniform_(t, 0, "fan_avg"); }, "kaiming_uniform_: mode must be");
  refused(xg::ones({2, 2}), [](xg::Tensor t) { nn::init::kaiming_uniform_(t, 0, "fan_in", "swish"); }, "unsupported nonlinearity 'swish'");
  refused(xg::ones({2}), [](xg::Tensor t) { nn::init::kaiming_uniform_(t); }, "kaiming_uniform_: fan in and fan out need at least 2");
  for (auto init : std::vector<std::function<void(xg::Tensor)>>{
           [](xg::Tensor t) { nn::init::uniform_(t); }, [](xg::Tensor t) { nn::init::normal_(t); },
           [](xg::Tensor t) { nn::init::constant_(t, 1); }, [](xg::Tensor t) { nn::init::zeros_(t); },
           [](xg::Tensor t) { nn::init::ones_(t); }, [](xg::Tensor t) { nn::init::xavier_uniform_(t); },
           [](xg::Tensor t) { nn::init::kaiming_uniform_(t); }})
    CHECK_THROWS_WITH_AS(init(xg::Tensor()), doctest::Contains("undefined tensor"), std::invalid_argument);
}

TEST_CASE("init: edge values PyTorch accepts") {
  xg::Tensor t = xg::empty({3});
  nn::init::uniform_(t, 2, 2);
  check_values(t, {2, 2, 2});
  nn::init::normal_(t, -1, 0);  // torch: std 0 fills the mean
  check_values(t, {-1, -1, -1});
  nn::init::uniform_(t, -3e38, 0);  // within float's range
  CHECK(std::isfinite(xg::min(t).item()));
  nn::init::constant_(t, kNan);  // torch fills NaN and infinities
  CHECK(std::isnan(t.to_vector<double>()[0]));
  nn::init::constant_(t, -kInf);
  CHECK(t.to_vector<double>()[1] == -kInf);
  xg::Tensor d = xg::empty({2}, xg::dtype(xg::kFloat64));
  nn::init::constant_(d, 1e300);
  check_values(d, {1e300, 1e300});
  nn::init::uniform_(d, -1e307, 1e307);
  CHECK(std::isfinite(xg::max(d).item()));
  // Zero-element tensors: torch's kaiming is a no-op, its xavier divides by zero for [0, 0].
  for (const xg::Shape& shape : {xg::Shape{0, 0}, xg::Shape{3, 0}, xg::Shape{0, 3}, xg::Shape{2, 0, 5}}) {
    CAPTURE(xg::shape_string(shape));
    CHECK(nn::init::xavier_uniform_(xg::empty(shape)).shape() == shape);
    CHECK(nn::init::kaiming_uniform_(xg::empty(shape)).shape() == shape);
    CHECK(nn::init::uniform_(xg::empty(shape), -1, 1).shape() == shape);
    CHECK(nn::init::normal_(xg::empty(shape)).shape() == shape);
  }
  CHECK(nn::init::calculate_gain("leaky_relu", 0.2) == doctest::Approx(std::sqrt(2.0 / 1.04)));
}

TEST_CASE("clip_grad_*: a gradient of the wrong shape or dtype throws before any gradient changes") {
  for (bool wrong_dtype : {false, true}) {
    CAPTURE(wrong_dtype);
    xg::Tensor ok = xg::zeros({2}, xg::requires_grad()), w = xg::zeros({64, 64}, xg::requires_grad());
    ok.mutable_grad() = xg::tensor({30.0, 40.0});
    w.mutable_grad() = wrong_dtype ? xg::ones({64, 64}, xg::dtype(xg::kFloat64)) : xg::ones({1});
    std::string shape = wrong_dtype ? "[64, 64] (float64)" : "[1] (float32)";
    CHECK_THROWS_WITH_AS(nn::utils::clip_grad_norm_({ok, w}, 1.0),
                         doctest::Contains(("clip_grad_norm_: assigned grad has data of a different size or type: a parameter of "
                                            "shape [64, 64] (float32) has a gradient of shape " + shape).c_str()),
                         std::invalid_argument);
    check_values(ok.grad(), {30, 40});
    CHECK_THROWS_WITH_AS(nn::utils::clip_grad_value_({ok, w}, 1.0), doctest::Contains("clip_grad_value_: assigned grad"),
                         std::invalid_argument);
    check_values(ok.grad(), {30, 40});
  }
  xg::Tensor ok = xg::zeros({2}, xg::requires_grad());
  ok.mutable_grad() = xg::tensor({3.0, 4.0});
  CHECK_THROWS_WITH_AS(nn::utils::clip_grad_norm_({ok, xg::Tensor()}, 1.0), doctest::Contains("clip_grad_norm_: undefined tensor"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nn::utils::clip_grad_value_({xg::Tensor(), ok}, 1.0), doctest::Contains("clip_grad_value_: undefined tensor"),
                       std::invalid_argument);
  check_values(ok.grad(), {3, 4});
}

TEST_CASE("clip_grad_*: bad limits are refused; undefined, empty and extreme gradients are handled") {
  xg::Tensor p = xg::zeros({2}, xg::requires_grad());
  p.mutable_grad() = xg::tensor({3.0, 4.0});
  // torch flips the gradients for max_norm -1 and makes them NaN for NaN; xgrad refuses both.
  for (double max_norm : {-1.0, kNan, -kInf})
    CHECK_THROWS_WITH_AS(nn::utils::clip_grad_norm_({p}, max_norm), doctest::Contains("clip_grad_norm_: max_norm must be >= 0"),
                         std::invalid_argument);
  for (double norm_type : {0.0, -2.0, kNan})
    CHECK_THROWS_WITH_AS(nn::utils::clip_grad_norm_({p}, 1.0, norm_type), doctest::Contains("clip_grad_norm_: norm_type must be positive"),
                         std::invalid_argument);
  for (double clip : {-1.0, kNan})
    CHECK_THROWS_WITH_AS(nn::utils::clip_grad_value_({p}, clip), doctest::Contains("clip_grad_value_: clip_value must be >= 0"),
                         std::invalid_argument);
  check_values(p.grad(), {3, 4});
  CHECK(nn::utils::clip_grad_norm_({p}, kInf) == doctest::Approx(5));  // no limit
  check_values(p.grad(), {3, 4});
  nn::utils::clip_grad_value_({p}, 1e300);  // beyond float's range: nothing to clip
  check_values(p.grad(), {3, 4});
  nn::utils::clip_grad_value_({p}, kInf);
  check_values(p.grad(), {3, 4});
  nn::utils::clip_grad_value_({p}, 0.0);
  check_values(p.grad(), {0, 0});

  CHECK(nn::utils::clip_grad_norm_({}, 1.0) == 0.0);  // torch: tensor(0.)
  xg::Tensor none = xg::zeros({2}, xg::requires_grad());
  CHECK(nn::utils::clip_grad_norm_({none}, 1.0) == 0.0);
  nn::utils::clip_grad_value_({none}, 1.0);
  CHECK_FALSE(none.grad().defined());
  xg::Tensor empty = xg::zeros({0}, xg::requires_grad());
  empty.mutable_grad() = xg::zeros({0});
  CHECK(nn::utils::clip_grad_norm_({empty}, 1.0) == 0.0);
  nn::utils::clip_grad_value_({empty}, 1.0);
  // NaN gradients stay NaN through clip_grad_value_ (torch's clamp keeps NaN).
  xg::Tensor q = xg::zeros({2}, xg::requires_grad());
  q.mutable_grad() = xg::tensor({kNan, -5.0});
  nn::utils::clip_grad_value_({q}, 1.0);
  CHECK(std::isnan(q.grad().to_vector<double>()[0]));
  CHECK(q.grad().to_vector<double>()[1] == -1.0);
  // The same parameter twice counts twice and is scaled twice, as in torch:
  // clip_grad_norm_([q, q], 1.0) with grad [3, 4] returns 7.0711 and leaves the grad [0.06, 0.08].
  q.mutable_grad() = xg::tensor({3.0, 4.0});
  CHECK(nn::utils::clip_grad_norm_({q, q}, 1.0) == doctest::Approx(7.0710678));
  check_values(q.grad(), {0.06, 0.08}, 1e-5);
}

TEST_CASE("copying a Sequential holder shares the module, as in LibTorch (it once recursed until the stack overflowed)") {
  nn::Sequential a(nn::Linear(1, 1), nn::ReLU());
  nn::Sequential b(a);
  CHECK(b.get() == a.get());
  CHECK(b->size() == 2);
  const nn::Sequential& constant = a;
  nn::Sequential c(constant);
  CHECK(c.get() == a.get());
  // As an element among others, a Sequential is a child: the same module, sharing the parameters.
  nn::Sequential outer(a, nn::Tanh());
  CHECK(outer->size() == 2);
  CHECK(outer[0].get() == a.get());
  CHECK(outer->parameters().size() == 2);
  CHECK(outer->parameters()[0].impl() == a->parameters()[0].impl());
  nn::Sequential inner;
  inner->push_back(a);
  CHECK(inner->at<nn::SequentialImpl>(0).size() == 2);
  // The Impl by value (a non-const lvalue too) is a copy sharing the children.
  nn::SequentialImpl& impl = *a;
  nn::SequentialImpl copy(impl);
  CHECK(copy.size() == 2);
  CHECK(copy[0].get() == a[0].get());
  nn::Sequential from_copy(impl, nn::Tanh());
  CHECK(from_copy[0].get() != a.get());
  CHECK(from_copy->at<nn::SequentialImpl>(0)[0].get() == a[0].get());
}

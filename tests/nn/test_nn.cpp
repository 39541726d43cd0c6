// nn: registration and naming, Linear, Sequential, activations, losses, init, checkpoints.
#include <cmath>
#include <cstdio>
#include <fstream>

#include "helpers.hpp"

namespace nn = xg::nn;

namespace {
struct BlockImpl : nn::Module {
  BlockImpl() {
    fc = register_module("fc", nn::Linear(3, 2));
    scale = register_parameter("scale", xg::ones({2}));
  }
  xg::Tensor forward(const xg::Tensor& x) { return fc(x) * scale; }
  nn::Linear fc{nullptr};
  xg::Tensor scale;
};
XGRAD_MODULE(Block);

struct NetImpl : nn::Module {
  NetImpl() {
    encoder = register_module("encoder", Block());
    head = register_module("head", nn::Sequential(nn::Linear(2, 4), nn::Tanh(), nn::Linear(4, 1)));
  }
  xg::Tensor forward(const xg::Tensor& x) { return head->forward(encoder(x)); }
  Block encoder{nullptr};
  nn::Sequential head{nullptr};
};
XGRAD_MODULE(Net);

std::vector<std::string> names(const xg::StateDict& state) {
  std::vector<std::string> out;
  for (auto& entry : state) out.push_back(entry.first);
  return out;
}
}  // namespace

TEST_CASE("parameters are registered in order with dotted names through nested modules") {
  Net net;
  // PyTorch's order: a module's own parameters, then its children's, depth first.
  CHECK(net->named_parameters().keys() == std::vector<std::string>{"encoder.scale", "encoder.fc.weight", "encoder.fc.bias",
                                                                   "head.0.weight", "head.0.bias", "head.2.weight",
                                                                   "head.2.bias"});
  CHECK(net->parameters().size() == 7);
  CHECK(net->parameters(false).empty());
  CHECK(net->children().size() == 2);
  CHECK(net->head->size() == 3);
  CHECK(net->head[1]->name() == "xgrad::nn::TanhImpl");
  CHECK(net->head->at<nn::LinearImpl>(2).options.out_features() == 1);
  CHECK_THROWS_AS(net->head->at<nn::LinearImpl>(1), std::invalid_argument);
  for (auto& p : net->parameters()) CHECK(p.requires_grad());
  CHECK(net->encoder->fc->weight.impl() == net->named_parameters()[1]->impl());  // same handle
  CHECK(net->named_parameters()["encoder.fc.weight"].impl() == net->encoder->fc->weight.impl());
  net->eval();
  CHECK_FALSE(net->head->is_training());
  net->train();
  CHECK(net->encoder->fc->is_training());
}

TEST_CASE("Linear matches hand-computed outputs, 1-D and batched inputs") {
  nn::Linear layer(2, 3);
  {
    xg::NoGradGuard guard;
    layer->weight.copy_(xg::tensor({1, 2, 3, 4, 5, 6}, {3, 2}));
    layer->bias.copy_(xg::tensor({0.5, -0.5, 1.0}));
  }
  check_values(layer(xg::tensor({1, 1}, {1, 2})), {3.5, 6.5, 12});
  check_values(layer(xg::tensor({1.0, 1.0})), {3.5, 6.5, 12});
  CHECK(layer(xg::tensor({1.0, 1.0})).shape() == xg::Shape{3});
  CHECK(layer(xg::zeros({4, 5, 2})).shape() == xg::Shape{4, 5, 3});
  CHECK_THROWS_AS(layer(xg::zeros({4, 3})), std::invalid_argument);
  nn::Linear no_bias(nn::LinearOptions(2, 3).bias(false));
  CHECK_FALSE(no_bias->bias.defined());
  CHECK(no_bias->parameters().size() == 1);
  CHECK(no_bias->named_parameters().keys() == std::vector<std::string>{"weight"});
  CHECK(no_bias->state_dict().size() == 1);
}

TEST_CASE("gradcheck through Linear and Sequential in float64") {
  xg::manual_seed(5);
  xg::Tensor x = random_input({4, 3});
  xg::Tensor w = random_input({2, 3}), b = random_input({2});
  CHECK(xg::autograd::gradcheck(
      [](const std::vector<xg::Tensor>& in) { return nn::functional::linear(in[0], in[1], in[2]); }, {x, w, b}));
  nn::Sequential model(nn::Linear(3, 5), nn::Tanh(), nn::Linear(5, 2), nn::Sigmoid());
  xg::StateDict as_double;
  for (auto& [name, p] : model->named_parameters()) as_double.emplace_back(name, p.detach().to(xg::kFloat64).requires_grad_());
  std::vector<xg::Tensor> inputs = {x};
  for (auto& entry : as_double) inputs.push_back(entry.second);
  CHECK(xg::autograd::gradcheck(
      [](const std::vector<xg::Tensor>& in) {
        xg::Tensor h = nn::functional::tanh(nn::functional::linear(in[0], in[1], in[2]));
        return nn::functional::sigmoid(nn::functional::linear(h, in[3], in[4]));
      },
      inputs));
}

TEST_CASE("activation modules") {
  xg::Tensor x = xg::tensor({-2.0, 0.5});
  check_values(nn::ReLU()(x), {0, 0.5});
  check_values(nn::Tanh()(x), {std::tanh(-2.0), std::tanh(0.5)});
  check_values(nn::Sigmoid()(x), {1 / (1 + std::exp(2.0)), 1 / (1 + std::exp(-0.5))});
  check_values(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.1))(x), {-0.2, 0.5});
  check_values(nn::GELU()(x), {-0.04550026, 0.34573123});  // torch.nn.functional.gelu
  check_values(nn::Softmax(0)(x), {std::exp(-2.0) / (std::exp(-2.0) + std::exp(0.5)), std::exp(0.5) / (std::exp(-2.0) + std::exp(0.5))});
  CHECK(xg::autograd::gradcheck([](const std::vector<xg::Tensor>& in) { return nn::functional::leaky_relu(in[0], 0.2); },
                                {xg::tensor({-1.5, 0.7, 2.0}, f64())}));
}

TEST_CASE("MSELoss reductions: values and gradients") {
  xg::Tensor input = xg::tensor({1, 2, 3, 4}, {2, 2}, xg::requires_grad());
  xg::Tensor target = xg::tensor({0, 2, 5, 4}, {2, 2});
  xg::Tensor mean = nn::MSELoss()(input, target);
  CHECK(mean.item() == doctest::Approx(5.0 / 4));
  mean.backward();
  check_values(input.grad(), {0.5, 0, -1, 0});  // 2 (x - y) / N
  input.mutable_grad() = xg::Tensor();
  xg::Tensor total = nn::MSELoss(xg::kSum)(input, target);
  CHECK(total.item() == doctest::Approx(5.0));
  total.backward();
  check_values(input.grad(), {2, 0, -4, 0});
  xg::Tensor none = nn::MSELoss(nn::MSELossOptions().reduction(xg::kNone))(input, target);
  check_values(none, {1, 0, 4, 0});
  CHECK(none.shape() == xg::Shape{2, 2});
}

TEST_CASE("mse_loss (fused for Mean and Sum) passes gradcheck and gradgradcheck for input and target") {
  xg::Tensor input = random_input({3, 4}), target = random_input({3, 4});
  for (nn::Reduction reduction : {nn::Reduction::Mean, nn::Reduction::Sum, nn::Reduction::None}) {
    auto fn = [reduction](const std::vector<xg::Tensor>& in) { return nn::functional::mse_loss(in[0], in[1], reduction); };
    CHECK(xg::autograd::gradcheck(fn, {input, target}));
    CHECK(xg::autograd::gradgradcheck(fn, {input, target}));
  }
  xg::Tensor fixed_target = target.detach();
  CHECK(xg::autograd::gradcheck(
      [&](const std::vector<xg::Tensor>& in) { return nn::functional::mse_loss(in[0], fixed_target); }, {input}));
}

TEST_CASE("losses refuse mismatched shapes instead of broadcasting (N,1) against (N)") {
  try {
    nn::MSELoss()(xg::zeros({4, 1}), xg::zeros({4}));
    FAIL("no throw");
  } catch (const std::invalid_argument& error) {
    std::string message = error.what();
    CHECK(message.find("[4, 1]") != std::string::npos);
    CHECK(message.find("[4]") != std::string::npos);
  }
  CHECK_THROWS_AS(nn::L1Loss()(xg::zeros({3}), xg::zeros({1, 3})), std::invalid_argument);
  CHECK_THROWS_AS(nn::HuberLoss()(xg::zeros({3}), xg::zeros({3, 1})), std::invalid_argument);
}

TEST_CASE("L1 and Huber losses") {
  xg::Tensor input = xg::tensor({0.0, 0.0, 0.0});
  xg::Tensor target = xg::tensor({0.5, -2.0, 3.0});
  CHECK(nn::L1Loss()(input, target).item() == doctest::Approx(5.5 / 3));
  // Huber, delta 1: 0.5*0.25, 1*(2 - 0.5), 1*(3 - 0.5)
  CHECK(nn::HuberLoss()(input, target).item() == doctest::Approx((0.125 + 1.5 + 2.5) / 3));
  CHECK(nn::HuberLoss(nn::HuberLossOptions(xg::kSum).delta(2.0))(input, target).item() == doctest::Approx(0.125 + 2.0 + 2 * (3 - 1)));
  CHECK(xg::autograd::gradcheck(
      [](const std::vector<xg::Tensor>& in) { return nn::functional::huber_loss(in[0], in[1], nn::Reduction::Mean, 0.7); },
      {xg::tensor({0.1, -0.5, 2.0, 1.0}, f64()), xg::tensor({0.4, 0.9, -1.0, 1.2}, f64())}));
}

TEST_CASE("init: bounds and statistics with PyTorch's fan rules") {
  xg::manual_seed(7);
  xg::Tensor w = xg::empty({200, 300});
  nn::init::xavier_uniform_(w);
  double bound = std::sqrt(6.0 / 500);
  std::vector<float> values = w.to_vector<float>();
  double mean = 0, square = 0;
  for (float v : values) {
    CHECK_LE(std::abs(v), bound);
    mean += v;
    square += v * v;
  }
  mean /= values.size();
  double std = std::sqrt(square / values.size() - mean * mean);
  CHECK(std::abs(mean) < 0.01 * bound);
  CHECK(std == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.02));
  nn::init::kaiming_uniform_(w, 0.0, "fan_in", "relu");
  CHECK(xg::max(w.abs()).item() <= std::sqrt(2.0) * std::sqrt(3.0 / 300) + 1e-6);
  nn::init::normal_(w, 1.0, 0.5);
  CHECK(w.mean().item() == doctest::Approx(1.0).epsilon(0.01));
  nn::init::constant_(w, 0.25);
  CHECK(w.max().item() == 0.25);
  nn::Linear layer(400, 10);
  CHECK(xg::max(layer->weight.abs()).item() <= 1 / std::sqrt(400.0));
  CHECK(xg::max(layer->bias.abs()).item() <= 1 / std::sqrt(400.0));
  xg::manual_seed(9);
  nn::Linear a(3, 3);
  xg::manual_seed(9);
  nn::Linear b(3, 3);
  CHECK(a->weight.to_vector<float>() == b->weight.to_vector<float>());
  CHECK_THROWS_AS(nn::init::xavier_uniform_(xg::empty({3})), std::invalid_argument);
}

TEST_CASE("zero_grad drops or zeroes gradients") {
  nn::Linear layer(2, 1);
  layer(xg::ones({2})).sum().backward();
  CHECK(layer->weight.grad().defined());
  layer->zero_grad(false);
  check_values(layer->weight.grad(), {0, 0});
  layer->zero_grad();
  CHECK_FALSE(layer->weight.grad().defined());
}

namespace {
std::string temp_path(const char* name) { return std::string("/tmp/xgrad_test_") + name; }
}  // namespace

TEST_CASE("checkpoints round-trip through .npz and reject bad files without touching the model") {
  xg::manual_seed(11);
  Net net;
  std::string path = temp_path("net.npz");
  xg::save(net, path);
  Net other;
  xg::load(other, path);
  for (size_t i = 0; i < net->parameters().size(); ++i)
    CHECK(net->parameters()[i].to_vector<float>() == other->parameters()[i].to_vector<float>());
  xg::StateDict state = xg::load_state_dict_file(path);
  CHECK(names(state) == names(net->state_dict()));

  // float64 parameters keep their dtype.
  xg::StateDict doubles = {{"w", xg::tensor({1.5, 2.5}, xg::dtype(xg::kFloat64))}};
  xg::save(doubles, temp_path("doubles.npz"));
  CHECK(xg::load_state_dict_file(temp_path("doubles.npz"))[0].second.dtype() == xg::kFloat64);

  Net target;
  std::vector<float> before = target->parameters()[0].to_vector<float>();
  auto unchanged = [&] { CHECK(target->parameters()[0].to_vector<float>() == before); };

  CHECK_THROWS_AS(xg::load(target, temp_path("missing.npz")), std::runtime_error);
  unchanged();
  // Truncated file.
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(temp_path("truncated.npz"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  CHECK_THROWS_AS(xg::load(target, temp_path("truncated.npz")), std::runtime_error);
  unchanged();
  // Corrupted bytes in the middle.
  std::string corrupted = bytes;
  for (size_t i = 100; i < 160 && i < corrupted.size(); ++i) corrupted[i] = static_cast<char>(corrupted[i] ^ 0x5a);
  std::ofstream(temp_path("corrupted.npz"), std::ios::binary) << corrupted;
  CHECK_THROWS_AS(xg::load(target, temp_path("corrupted.npz")), std::runtime_error);
  unchanged();
  // Missing name, extra name, wrong shape, wrong dtype.
  xg::StateDict partial = net->state_dict();
  partial.pop_back();
  xg::save(partial, temp_path("partial.npz"));
  CHECK_THROWS_WITH_AS(xg::load(target, temp_path("partial.npz")),
                       doctest::Contains("missing parameter 'head.2.bias'"), std::runtime_error);
  unchanged();
  xg::StateDict extra = net->state_dict();
  extra.emplace_back("surprise", xg::ones({1}));
  xg::save(extra, temp_path("extra.npz"));
  CHECK_THROWS_WITH_AS(xg::load(target, temp_path("extra.npz")), doctest::Contains("unexpected parameter 'surprise'"),
                       std::runtime_error);
  unchanged();
  xg::StateDict reshaped = net->state_dict();
  reshaped.back().second = xg::ones({7});
  xg::save(reshaped, temp_path("reshaped.npz"));
  CHECK_THROWS_WITH_AS(xg::load(target, temp_path("reshaped.npz")), doctest::Contains("head.2.bias"), std::runtime_error);
  unchanged();
  xg::StateDict retyped = net->state_dict();
  retyped.back().second = retyped.back().second.to(xg::kFloat64);
  xg::save(retyped, temp_path("retyped.npz"));
  CHECK_THROWS_WITH_AS(xg::load(target, temp_path("retyped.npz")), doctest::Contains("float64"), std::runtime_error);
  unchanged();
  // Saving leaves no temporary file behind.
  CHECK_FALSE(std::ifstream(path + ".tmp").good());
  for (const char* name : {"net.npz", "doubles.npz", "truncated.npz", "corrupted.npz", "partial.npz", "extra.npz",
                           "reshaped.npz", "retyped.npz"})
    std::remove(temp_path(name).c_str());
}

// The losses of LibTorch's torch/nn/modules/loss.h beyond MSE/L1/Huber: SmoothL1Loss, BCELoss,
// BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss, KLDivLoss, PoissonNLLLoss and PyTorch's GaussianNLLLoss.
// Values and gradients come from torch 1.13: tests/nn/losses_reference.py printed losses_reference.inc
// (inputs included). Then gradcheck/gradgradcheck in float64 (contiguous and not), errors, empty batches,
// printing as LibTorch 1.13 prints (checked against libtorch itself), clone().
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../helpers.hpp"

namespace {
namespace nn = xg::nn;
namespace F = xg::nn::functional;
using xg::Tensor;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct LossReference {
  const char* name;
  std::vector<int64_t> shape;
  std::vector<double> values;
};
#include "losses_reference.inc"

const LossReference& lookup(const std::string& name) {
  static const std::map<std::string, const LossReference*> index = [] {
    std::map<std::string, const LossReference*> all;
    for (const LossReference& entry : kLossReference) all[entry.name] = &entry;
    return all;
  }();
  auto found = index.find(name);
  if (found == index.end()) FAIL("no reference value named " << name);
  return *found->second;
}

// A reference input as a float64 (or `dtype`) tensor; int64 targets are stored as doubles.
Tensor ref(const std::string& name, xg::Dtype dtype = xg::kFloat64) {
  const LossReference& entry = lookup(name);
  return xg::tensor(entry.values, entry.shape, xg::dtype(xg::kFloat64)).to(dtype);
}
Tensor ref_input(const std::string& name) { return ref(name).requires_grad_(true); }
Tensor ref_classes(const std::string& name) { return ref(name, xg::kInt64); }

void expect_close(const std::string& what, const Tensor& got, const LossReference& expected, double rtol, double atol) {
  REQUIRE_MESSAGE(got.shape() == expected.shape, what << ": shape " << xg::shape_string(got.shape()) << ", torch "
                                                     << xg::shape_string(expected.shape));
  const std::vector<double> values = got.to_vector<double>();
  for (size_t i = 0; i < values.size(); ++i) {
    const double e = expected.values[i], g = values[i];
    const bool ok = std::isnan(e) ? std::isnan(g) : std::isinf(e) ? g == e : std::abs(g - e) <= atol + rtol * std::abs(e);
    CHECK_MESSAGE(ok, what << "[" << i << "]: got " << g << ", torch " << e);
  }
}

using Inputs = std::vector<std::pair<std::string, Tensor>>;

// The loss fn() and the gradients of sum(loss * c), c = 1 + 0.25 * arange(numel) (as the script), of `inputs`.
void check_case(const std::string& name, const std::function<Tensor()>& fn, const Inputs& inputs, double rtol = 1e-9,
                double atol = 1e-12) {
  INFO("case " << name);
  Tensor out = fn();
  expect_close(name + "/out", out, lookup(name + "/out"), rtol, atol);
  Tensor cotangent =
      (xg::arange(0, static_cast<double>(out.numel()), 1, xg::dtype(xg::kFloat64)) * 0.25 + 1.0).reshape(out.shape()).to(out.dtype());
  std::vector<Tensor> wrt;
  for (const auto& input : inputs) wrt.push_back(input.second);
  std::vector<Tensor> grads = xg::autograd::grad({(out * cotangent).sum()}, wrt, {}, false, false, true);
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor grad = grads[i].defined() ? grads[i] : xg::zeros_like(inputs[i].second);
    expect_close(name + "/grad_" + inputs[i].first, grad, lookup(name + "/grad_" + inputs[i].first), rtol, atol);
  }
}

const std::vector<std::pair<std::string, nn::Reduction>> kReductions = {
    {"none", xg::kNone}, {"mean", xg::kMean}, {"sum", xg::kSum}};

std::string str(const nn::Module& module) {
  std::ostringstream text;
  text << module;
  return text.str();
}

// Throws xgrad::Error whose message contains every piece.
void expect_error(const std::function<void()>& fn, const std::vector<std::string>& pieces) {
  try {
    fn();
    FAIL("no error; expected one containing " << pieces.front());
  } catch (const xg::Error& error) {
    const std::string message = error.what();
    for (const std::string& piece : pieces) CHECK_MESSAGE(message.find(piece) != std::string::npos, "'" << message << "' lacks '" << piece << "'");
  }
}

bool gradcheck(const xg::autograd::Function& fn, const std::vector<Tensor>& inputs) {
  return xg::autograd::gradcheck(fn, inputs) && xg::autograd::gradgradcheck(fn, inputs);
}
}  // namespace

TEST_CASE("SmoothL1Loss: torch's values and gradients for beta 1, 0.5, 0 (L1) and 3, at the kinks too") {
  Tensor x = ref_input("smooth/x"), y = ref_input("smooth/y");
  const std::vector<std::pair<std::string, double>> betas = {{"1.0", 1.0}, {"0.5", 0.5}, {"0.0", 0.0}, {"3.0", 3.0}};
  for (const auto& [beta_name, beta] : betas)
    for (const auto& [reduction_name, reduction] : kReductions) {
      const std::string name = "smooth/beta" + beta_name + "/" + reduction_name;
      nn::SmoothL1Loss module(nn::SmoothL1LossOptions(reduction).beta(beta));
      check_case(name, [&] { return module(x, y); }, {{"input", x}, {"target", y}});
      check_case(name, [&] { return F::smooth_l1_loss(x, y, F::SmoothL1LossFuncOptions().reduction(reduction).beta(beta)); },
                 {{"input", x}, {"target", y}});
      // LibTorch 1.13's functional signature with beta as a separate argument.
      check_case(name, [&] { return F::smooth_l1_loss(x, y, reduction, beta); }, {{"input", x}, {"target", y}});
    }
  CHECK(nn::SmoothL1LossOptions().beta() == 1.0);
  CHECK(nn::SmoothL1LossOptions().reduction() == xg::kMean);
  CHECK(F::smooth_l1_loss(x, y).item() == doctest::Approx(lookup("smooth/beta1.0/mean/out").values[0]));
}

TEST_CASE("BCELoss: torch's values and gradients, without and with weights broadcast to the input") {
  Tensor p = ref_input("bce/p"), y = ref_input("bce/y");
  const std::map<std::string, Tensor> weights = {{"none", Tensor()}, {"w4", ref("bce/w4")}, {"w34", ref("bce/w34")}};
  for (const auto& [weight_name, weight] : weights)
    for (const auto& [reduction_name, reduction] : kReductions) {
      const std::string name = "bce/" + weight_name + "/" + reduction_name;
      nn::BCELoss module(nn::BCELossOptions().weight(weight).reduction(reduction));
      check_case(name, [&] { return module(p, y); }, {{"input", p}, {"target", y}});
      check_case(name, [&] { return F::binary_cross_entropy(p, y, F::BinaryCrossEntropyFuncOptions().weight(weight).reduction(reduction)); },
                 {{"input", p}, {"target", y}});
    }
}

TEST_CASE("binary_cross_entropy at 0 and 1: logs clamped to -100, torch's finite input gradient, infinite target gradient") {
  Tensor p = ref_input("bce_edge/p"), y = ref_input("bce_edge/y");
  check_case("bce_edge/none", [&] { return F::binary_cross_entropy(p, y, F::BinaryCrossEntropyFuncOptions().reduction(xg::kNone)); },
             {{"input", p}, {"target", y}});
}

TEST_CASE("BCEWithLogitsLoss: torch's values and gradients with weight, pos_weight (broadcast along the last dim) and both") {
  Tensor x = ref_input("bcel/x"), y = ref_input("bcel/y");
  Tensor w4 = ref("bce/w4"), w34 = ref("bce/w34"), pw4 = ref("bcel/pw4");
  const std::vector<std::tuple<std::string, Tensor, Tensor>> variants = {
      {"plain", Tensor(), Tensor()}, {"w4", w4, Tensor()}, {"pw4", Tensor(), pw4}, {"w34_pw4", w34, pw4}};
  for (const auto& [variant, weight, pos_weight] : variants)
    for (const auto& [reduction_name, reduction] : kReductions) {
      const std::string name = "bcel/" + variant + "/" + reduction_name;
      auto options = nn::BCEWithLogitsLossOptions().weight(weight).pos_weight(pos_weight).reduction(reduction);
      nn::BCEWithLogitsLoss module(options);
      check_case(name, [&] { return module(x, y); }, {{"input", x}, {"target", y}});
      check_case(name, [&] { return F::binary_cross_entropy_with_logits(x, y, options); }, {{"input", x}, {"target", y}});
    }
}

TEST_CASE("binary_cross_entropy_with_logits is stable at |x| = 1000 (no inf, no NaN), with and without pos_weight") {
  Tensor x = ref_input("bcel_edge/x"), y = ref_input("bcel_edge/y");
  auto options = F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(xg::kNone);
  check_case("bcel_edge/none", [&] { return F::binary_cross_entropy_with_logits(x, y, options); }, {{"input", x}, {"target", y}});
  Tensor pos_weight = xg::tensor({2.0}, xg::dtype(xg::kFloat64));
  check_case("bcel_edge/pw/none",
             [&] { return F::binary_cross_entropy_with_logits(x, y, F::BinaryCrossEntropyWithLogitsFuncOptions(options).pos_weight(pos_weight)); },
             {{"input", x}, {"target", y}});
  // float32 too: exp never overflows.
  Tensor x32 = xg::tensor({1000.0, -1000.0, 88.0, -104.0}, xg::dtype(xg::kFloat32));
  Tensor loss = F::binary_cross_entropy_with_logits(x32, xg::tensor({0.0, 1.0, 0.0, 1.0}, xg::dtype(xg::kFloat32)),
                                                    options);
  check_values(loss, {1000.0, 1000.0, 88.0, 104.0}, 1e-6);
}

TEST_CASE("CrossEntropyLoss with class targets: weights, ignore_index, label_smoothing and their mixes as torch") {
  Tensor x = ref_input("ce/x");
  Tensor w = ref("ce/w");
  struct Variant {
    std::string name, target;
    Tensor weight;
    int64_t ignore_index;
    double label_smoothing;
  };
  const std::vector<Variant> variants = {
      {"plain", "t", Tensor(), -100, 0.0},          {"weight", "t", w, -100, 0.0},
      {"ignore", "tign", Tensor(), -100, 0.0},      {"ignore2", "t2", Tensor(), 2, 0.0},
      {"weight_ignore2", "t2", w, 2, 0.0},          {"smooth", "t", Tensor(), -100, 0.2},
      {"weight_smooth", "t", w, -100, 0.2},         {"weight_ignore_smooth", "tign", w, -100, 0.3},
      {"ignore2_smooth", "t2", Tensor(), 2, 1.0}};
  for (const Variant& v : variants) {
    Tensor target = ref_classes("ce/" + v.target);
    for (const auto& [reduction_name, reduction] : kReductions) {
      auto options = nn::CrossEntropyLossOptions()
                         .weight(v.weight)
                         .ignore_index(v.ignore_index)
                         .reduction(reduction)
                         .label_smoothing(v.label_smoothing);
      nn::CrossEntropyLoss module(options);
      check_case("ce/" + v.name + "/" + reduction_name, [&] { return module(x, target); }, {{"input", x}});
      check_case("ce/" + v.name + "/" + reduction_name, [&] { return F::cross_entropy(x, target, options); }, {{"input", x}});
      if (v.label_smoothing == 0.0) {
        auto nll_options = nn::NLLLossOptions().weight(v.weight).ignore_index(v.ignore_index).reduction(reduction);
        nn::NLLLoss nll(nll_options);
        check_case("nll/" + v.name + "/" + reduction_name, [&] { return nll(x, target); }, {{"input", x}});
        check_case("nll/" + v.name + "/" + reduction_name, [&] { return F::nll_loss(x, target, nll_options); }, {{"input", x}});
      }
    }
  }
  // The defaults: F::cross_entropy(x, t) is the mean with ignore_index -100.
  Tensor target = ref_classes("ce/tign");
  check_case("ce/ignore/mean", [&] { return F::cross_entropy(x, target); }, {{"input", x}});
  check_case("nll/ignore/mean", [&] { return F::nll_loss(x, target); }, {{"input", x}});
  CHECK(nn::CrossEntropyLossOptions().ignore_index() == -100);
  CHECK(nn::CrossEntropyLossOptions().label_smoothing() == 0.0);
  CHECK(nn::NLLLossOptions().ignore_index() == -100);
}

TEST_CASE("CrossEntropyLoss and NLLLoss with K-dimensional targets [N, d1, d2] and [N, d1], and unbatched [C] inputs") {
  Tensor xk = ref_input("cek/x"), tk = ref_classes("cek/t"), wk = ref("cek/w");
  Tensor x3 = ref_input("ce3/x"), t3 = ref_classes("ce3/t");
  Tensor xu = ref_input("ceu/x");
  Tensor tu = xg::scalar_tensor(int64_t{3}, xg::dtype(xg::kInt64));
  Tensor w = ref("ce/w");
  for (const auto& [reduction_name, reduction] : kReductions) {
    check_case("cek/plain/" + reduction_name, [&] { return nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().reduction(reduction))(xk, tk); },
               {{"input", xk}});
    check_case("cek/weight_smooth/" + reduction_name,
               [&] { return F::cross_entropy(xk, tk, F::CrossEntropyFuncOptions().weight(wk).reduction(reduction).label_smoothing(0.1)); },
               {{"input", xk}});
    check_case("nllk/weight/" + reduction_name, [&] { return F::nll_loss(xk, tk, F::NLLLossFuncOptions().weight(wk).reduction(reduction)); },
               {{"input", xk}});
    check_case("ce3/weight/" + reduction_name, [&] { return F::cross_entropy(x3, t3, F::CrossEntropyFuncOptions().weight(wk).reduction(reduction)); },
               {{"input", x3}});
    const std::vector<std::tuple<std::string, Tensor, double>> unbatched = {
        {"plain", Tensor(), 0.0}, {"weight", w, 0.0}, {"smooth", Tensor(), 0.25}, {"weight_smooth", w, 0.25}};
    for (const auto& [name, weight, smoothing] : unbatched)
      check_case("ceu/" + name + "/" + reduction_name,
                 [&] { return F::cross_entropy(xu, tu, F::CrossEntropyFuncOptions().weight(weight).reduction(reduction).label_smoothing(smoothing)); },
                 {{"input", xu}});
    check_case("nllu/weight/" + reduction_name, [&] { return F::nll_loss(xu, tu, F::NLLLossFuncOptions().weight(w).reduction(reduction)); },
               {{"input", xu}});
  }
}

TEST_CASE("CrossEntropyLoss with class-probability targets (input's shape): weights and label_smoothing; the target gets gradients") {
  Tensor x = ref_input("ce/x"), p = ref_input("cep/p");
  Tensor xu = ref_input("ceu/x"), pu = ref_input("cepu/p");
  Tensor xk = ref_input("cek/x"), pk = ref_input("cepk/p");
  Tensor w = ref("ce/w"), wk = ref("cek/w");
  const std::vector<std::tuple<std::string, Tensor, double>> variants = {
      {"plain", Tensor(), 0.0}, {"weight", w, 0.0}, {"smooth", Tensor(), 0.2}, {"weight_smooth", w, 0.2}};
  for (const auto& [reduction_name, reduction] : kReductions) {
    for (const auto& [name, weight, smoothing] : variants) {
      auto options = nn::CrossEntropyLossOptions().weight(weight).reduction(reduction).label_smoothing(smoothing);
      nn::CrossEntropyLoss module(options);
      check_case("cep/" + name + "/" + reduction_name, [&] { return module(x, p); }, {{"input", x}, {"target", p}});
      check_case("cepu/" + name + "/" + reduction_name, [&] { return F::cross_entropy(xu, pu, options); },
                 {{"input", xu}, {"target", pu}});
    }
    check_case("cepk/weight_smooth/" + reduction_name,
               [&] { return F::cross_entropy(xk, pk, F::CrossEntropyFuncOptions().weight(wk).reduction(reduction).label_smoothing(0.1)); },
               {{"input", xk}, {"target", pk}});
  }
  // torch lets a weight that requires grad through here (the formula is plain ops): so does xgrad.
  Tensor trainable = w.detach().requires_grad_(true);
  Tensor loss = F::cross_entropy(x, p, F::CrossEntropyFuncOptions().weight(trainable));
  loss.backward();
  CHECK(trainable.grad().defined());
}

TEST_CASE("cross_entropy in float32 matches torch's float32") {
  Tensor x = ref("cef/x", xg::kFloat32).requires_grad_(true);
  Tensor t = ref_classes("cef/t");
  Tensor w = xg::tensor({0.5, 1.0, 2.0, 1.5}, xg::dtype(xg::kFloat32));
  for (const auto& [reduction_name, reduction] : kReductions)
    check_case("cef/weight_smooth/" + reduction_name,
               [&] { return F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w).reduction(reduction).label_smoothing(0.1)); },
               {{"input", x}}, 2e-6, 1e-6);
}

TEST_CASE("KLDivLoss: mean, sum, none, batchmean, log_target, and a zero target (0 log 0 = 0)") {
  Tensor x = ref_input("kl/x"), t0 = ref("kl/t0"), t = ref_input("kl/t"), tlog = ref_input("kl/tlog");
  std::vector<std::pair<std::string, nn::KLDivReduction>> reductions = {
      {"none", xg::kNone}, {"mean", xg::kMean}, {"sum", xg::kSum}, {"batchmean", xg::kBatchMean}};
  for (const auto& [reduction_name, reduction] : reductions) {
    nn::KLDivLoss module(reduction);
    check_case("kl/zero/" + reduction_name, [&] { return module(x, t0); }, {{"input", x}});
    check_case("kl/plain/" + reduction_name, [&] { return F::kl_div(x, t, F::KLDivFuncOptions(reduction)); },
               {{"input", x}, {"target", t}});
    check_case("kl/log_target/" + reduction_name,
               [&] { return nn::KLDivLoss(nn::KLDivLossOptions().reduction(reduction).log_target(true))(x, tlog); },
               {{"input", x}, {"target", tlog}});
  }
  // LibTorch's spellings of the reduction.
  CHECK(nn::KLDivLossOptions().reduction() == xg::kMean);
  CHECK(nn::KLDivLossOptions(xg::kBatchMean).reduction() == xg::kBatchMean);
  CHECK(nn::KLDivLossOptions(xg::kBatchMean).reduction() != xg::kSum);
  CHECK(nn::KLDivLossOptions().reduction(xg::kSum).reduction() == xg::kSum);
  CHECK(nn::KLDivLossOptions(xg::kBatchMean).reduction().is_batch_mean());
  CHECK_FALSE(nn::KLDivLossOptions().log_target());
  // The zero target's gradient is finite, -input (torch's xlogy gives NaN there); no NaN anywhere.
  Tensor t0_grad = t0.detach().requires_grad_(true);
  F::kl_div(x, t0_grad, F::KLDivFuncOptions(xg::kSum)).backward();
  CHECK(t0_grad.grad().isfinite().all().item<bool>());
  CHECK(t0_grad.grad()[1][2].item() == -x[1][2].item());
  // batchmean on a 0-d input is the sum (torch divides only when there is a batch dimension).
  Tensor a = xg::scalar_tensor(-0.5, xg::dtype(xg::kFloat64)), b = xg::scalar_tensor(0.25, xg::dtype(xg::kFloat64));
  CHECK(F::kl_div(a, b, F::KLDivFuncOptions(xg::kBatchMean)).item() == doctest::Approx(0.25 * (std::log(0.25) + 0.5)));
}

TEST_CASE("PoissonNLLLoss: log_input, rates with eps, and the full Stirling term (targets 0 and 1 masked)") {
  Tensor x = ref_input("poisson/x"), rate = ref_input("poisson/rate");
  Tensor count = ref_input("poisson/count"), count_pos = ref_input("poisson/count_pos");
  for (const auto& [reduction_name, reduction] : kReductions) {
    check_case("poisson/log/" + reduction_name, [&] { return nn::PoissonNLLLoss(nn::PoissonNLLLossOptions().reduction(reduction))(x, count); },
               {{"input", x}, {"target", count}});
    check_case("poisson/log_full/" + reduction_name,
               [&] { return F::poisson_nll_loss(x, count, F::PoissonNLLLossFuncOptions().full(true).reduction(reduction)); },
               {{"input", x}});
    check_case("poisson/log_full_pos/" + reduction_name,
               [&] { return F::poisson_nll_loss(x, count_pos, F::PoissonNLLLossFuncOptions().full(true).reduction(reduction)); },
               {{"input", x}, {"target", count_pos}});
    check_case("poisson/rate/" + reduction_name,
               [&] { return F::poisson_nll_loss(rate, count, F::PoissonNLLLossFuncOptions().log_input(false).reduction(reduction)); },
               {{"input", rate}, {"target", count}});
    check_case("poisson/rate_eps_full/" + reduction_name,
               [&] {
                 return nn::PoissonNLLLoss(nn::PoissonNLLLossOptions().log_input(false).full(true).eps(0.5).reduction(reduction))(rate, count_pos);
               },
               {{"input", rate}, {"target", count_pos}});
  }
  nn::PoissonNLLLossOptions defaults;
  CHECK(defaults.log_input());
  CHECK_FALSE(defaults.full());
  CHECK(defaults.eps() == 1e-8);
  // full with a zero count: finite gradients for the count (torch's are NaN there).
  Tensor c = count.detach().requires_grad_(true);
  F::poisson_nll_loss(x, c, F::PoissonNLLLossFuncOptions().full(true)).backward();
  CHECK(c.grad().isfinite().all().item<bool>());
}

TEST_CASE("GaussianNLLLoss: var of the input's shape (clamped at eps), [N] and [N, 1], full, eps") {
  Tensor x = ref_input("gauss/x"), y = ref_input("gauss/y");
  Tensor var = ref_input("gauss/var"), var3 = ref_input("gauss/var3"), var31 = ref_input("gauss/var31");
  for (const auto& [reduction_name, reduction] : kReductions) {
    const Inputs all = {{"input", x}, {"target", y}};
    check_case("gauss/full_shape/" + reduction_name,
               [&] { return nn::GaussianNLLLoss(nn::GaussianNLLLossOptions().reduction(reduction))(x, y, var); },
               {{"input", x}, {"target", y}, {"var", var}});
    check_case("gauss/full_shape_full_eps/" + reduction_name,
               [&] { return F::gaussian_nll_loss(x, y, var, F::GaussianNLLLossFuncOptions().full(true).eps(0.3).reduction(reduction)); },
               {{"input", x}, {"target", y}, {"var", var}});
    check_case("gauss/var3/" + reduction_name,
               [&] { return F::gaussian_nll_loss(x, y, var3, F::GaussianNLLLossFuncOptions().reduction(reduction)); },
               {{"input", x}, {"target", y}, {"var", var3}});
    check_case("gauss/var31/" + reduction_name,
               [&] { return F::gaussian_nll_loss(x, y, var31, F::GaussianNLLLossFuncOptions().full(true).reduction(reduction)); },
               {{"input", x}, {"target", y}, {"var", var31}});
  }
  CHECK(nn::GaussianNLLLossOptions().eps() == 1e-6);
  CHECK_FALSE(nn::GaussianNLLLossOptions().full());
  CHECK(F::gaussian_nll_loss(x, y, var).item() == doctest::Approx(lookup("gauss/full_shape/mean/out").values[0]));
}

TEST_CASE("empty batches as torch: Mean is NaN, Sum 0, None empty; gradients empty") {
  Tensor x = xg::zeros({0, 5}, f64());
  Tensor t = xg::zeros({0}, xg::kInt64);
  Tensor p = xg::zeros({0, 5}, f64(false));
  Tensor v = xg::zeros({0}, f64());
  Tensor none = xg::zeros({0}, f64(false));
  Tensor ones = xg::ones({0}, f64(false));
  Tensor w = ref("ce/w");
  for (const auto& [reduction_name, reduction] : kReductions) {
    const std::string r = "/" + reduction_name;
    check_case("empty/ce" + r, [&] { return F::cross_entropy(x, t, F::CrossEntropyFuncOptions().reduction(reduction)); }, {{"input", x}});
    check_case("empty/ce_weight_smooth" + r,
               [&] { return F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w).reduction(reduction).label_smoothing(0.1)); },
               {{"input", x}});
    check_case("empty/ce_prob" + r, [&] { return F::cross_entropy(x, p, F::CrossEntropyFuncOptions().reduction(reduction)); }, {{"input", x}});
    check_case("empty/nll" + r, [&] { return F::nll_loss(x, t, F::NLLLossFuncOptions().reduction(reduction)); }, {{"input", x}});
    check_case("empty/bce" + r, [&] { return F::binary_cross_entropy(v, none, F::BinaryCrossEntropyFuncOptions().reduction(reduction)); },
               {{"input", v}});
    check_case("empty/bcel" + r,
               [&] { return F::binary_cross_entropy_with_logits(v, none, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(reduction)); },
               {{"input", v}});
    check_case("empty/smooth" + r, [&] { return F::smooth_l1_loss(v, none, reduction); }, {{"input", v}});
    check_case("empty/kl" + r, [&] { return F::kl_div(v, none, reduction); }, {{"input", v}});
    check_case("empty/poisson" + r, [&] { return F::poisson_nll_loss(v, none, F::PoissonNLLLossFuncOptions().reduction(reduction)); },
               {{"input", v}});
    check_case("empty/gauss" + r, [&] { return F::gaussian_nll_loss(v, none, ones, F::GaussianNLLLossFuncOptions().reduction(reduction)); },
               {{"input", v}});
  }
  check_case("empty/kl/batchmean", [&] { return F::kl_div(x, p, xg::kBatchMean); }, {{"input", x}});
  // Every target ignored: the mean is 0 / 0.
  Tensor xc = ref_input("ce/x");
  Tensor all_ignored = xg::full({4}, int64_t{-100}, xg::kInt64);
  for (const auto& [reduction_name, reduction] : kReductions)
    check_case("all_ignored/ce_smooth/" + reduction_name,
               [&] { return F::cross_entropy(xc, all_ignored, F::CrossEntropyFuncOptions().reduction(reduction).label_smoothing(0.1)); },
               {{"input", xc}});
}

TEST_CASE("every loss passes gradcheck and gradgradcheck in float64, on contiguous and non-contiguous inputs") {
  using V = std::vector<Tensor>;
  // Inputs are made [C, N] and transposed inside (non-contiguous), or sliced with a step.
  Tensor x_t = random_input({5, 4}, -2, 2);                     // logits, transposed to [4, 5]
  Tensor x = random_input({4, 5}, -2, 2);
  Tensor classes = xg::tensor({1, 0, 4, 2}, xg::kInt64);
  Tensor ignored = xg::tensor({1, -100, 4, 2}, xg::kInt64);
  Tensor w = xg::tensor({0.5, 1.5, 1.0, 2.0, 0.25}, xg::dtype(xg::kFloat64));
  for (auto reduction : {xg::kNone, xg::kMean, xg::kSum}) {
    CAPTURE(static_cast<int>(reduction));
    auto ce = F::CrossEntropyFuncOptions().reduction(reduction);
    CHECK(gradcheck([&](const V& in) { return F::cross_entropy(in[0].t(), classes, ce); }, {x_t}));
    CHECK(gradcheck([&](const V& in) { return F::cross_entropy(in[0], ignored, F::CrossEntropyFuncOptions(ce).weight(w).label_smoothing(0.3)); }, {x}));
    CHECK(gradcheck([&](const V& in) { return F::nll_loss(in[0].t(), ignored, F::NLLLossFuncOptions().weight(w).reduction(reduction)); }, {x_t}));
    // probabilities: both arguments differentiable
    Tensor probabilities = xg::softmax(random_input({5, 4}), 0).detach().requires_grad_(true);
    CHECK(gradcheck([&](const V& in) { return F::cross_entropy(in[0].t(), in[1].t(), F::CrossEntropyFuncOptions(ce).weight(w).label_smoothing(0.1)); },
                    {x_t, probabilities}));
    // K-dimensional: [N, C, d] from a permuted [d, N, C]
    Tensor xk = random_input({3, 2, 4});
    Tensor tk = xg::tensor({0, 3, 1, 2, -100, 3}, {2, 3}, xg::kInt64);
    CHECK(gradcheck([&](const V& in) { return F::cross_entropy(in[0].permute({1, 2, 0}), tk, F::CrossEntropyFuncOptions(ce).label_smoothing(0.2)); }, {xk}));
    // unbatched
    Tensor xu = random_input({10});
    Tensor tu = xg::scalar_tensor(int64_t{2}, xg::kInt64);
    CHECK(gradcheck([&](const V& in) { return F::cross_entropy(in[0].slice(0, 0, 10, 2), tu, F::CrossEntropyFuncOptions(ce).weight(w)); }, {xu}));

    Tensor a = random_input({4, 3}), b = random_input({4, 3});
    CHECK(gradcheck([&](const V& in) { return F::smooth_l1_loss(in[0].t(), in[1].t(), F::SmoothL1LossFuncOptions(reduction).beta(0.7)); }, {a, b}));
    CHECK(gradcheck([&](const V& in) { return F::smooth_l1_loss(in[0], in[1], F::SmoothL1LossFuncOptions(reduction).beta(0.0)); }, {a, b}));

    Tensor prob = random_input({4, 3}, 0.05, 0.95), target = random_input({4, 3}, 0, 1);
    Tensor w3 = xg::tensor({0.5, 2.0, 1.0}, xg::dtype(xg::kFloat64));
    CHECK(gradcheck([&](const V& in) { return F::binary_cross_entropy(in[0].t(), in[1].t(), F::BinaryCrossEntropyFuncOptions().weight(w3.unsqueeze(1)).reduction(reduction)); },
                    {prob, target}));
    Tensor logits = random_input({4, 3}, -4, 4);
    CHECK(gradcheck([&](const V& in) {
      return F::binary_cross_entropy_with_logits(in[0].t(), in[1].t(),
                                                 F::BinaryCrossEntropyWithLogitsFuncOptions().weight(w3.unsqueeze(1)).pos_weight(xg::tensor({0.5, 3.0, 1.0, 2.0}, xg::dtype(xg::kFloat64))).reduction(reduction));
    }, {logits, target}));

    Tensor log_p = xg::log_softmax(random_input({3, 4}), 1).detach().requires_grad_(true);
    Tensor q = xg::softmax(random_input({3, 4}), 1).detach().requires_grad_(true);
    for (nn::KLDivReduction kl_reduction : {nn::KLDivReduction(reduction), nn::KLDivReduction(xg::kBatchMean)}) {
      CHECK(gradcheck([&](const V& in) { return F::kl_div(in[0].t(), in[1].t(), F::KLDivFuncOptions(kl_reduction)); }, {log_p, q}));
      CHECK(gradcheck([&](const V& in) { return F::kl_div(in[0], in[1], F::KLDivFuncOptions(kl_reduction).log_target(true)); }, {log_p, log_p.detach().flip({1}).requires_grad_(true)}));
    }

    Tensor counts = random_input({3, 4}, 0.2, 6), counts_t = random_input({4, 3}, 0.2, 6);
    Tensor rates = random_input({3, 4}, 0.1, 3);
    CHECK(gradcheck([&](const V& in) { return F::poisson_nll_loss(in[0].t(), in[1].t(), F::PoissonNLLLossFuncOptions().full(true).reduction(reduction)); }, {a, counts_t}));
    CHECK(gradcheck([&](const V& in) { return F::poisson_nll_loss(in[0], in[1], F::PoissonNLLLossFuncOptions().log_input(false).full(true).reduction(reduction)); }, {rates, counts}));

    Tensor var = random_input({4, 3}, 0.2, 2), var_row = random_input({3}, 0.2, 2);
    CHECK(gradcheck([&](const V& in) { return F::gaussian_nll_loss(in[0].t(), in[1].t(), in[2].t(), F::GaussianNLLLossFuncOptions().full(true).reduction(reduction)); },
                    {a, b, var}));
    CHECK(gradcheck([&](const V& in) { return F::gaussian_nll_loss(in[0].t(), in[1].t(), in[2], F::GaussianNLLLossFuncOptions().reduction(reduction)); },
                    {a, b, var_row}));
  }
}

TEST_CASE("loss errors name the loss, the shapes, dtypes and bad targets") {
  Tensor x = xg::randn({4, 5}, xg::dtype(xg::kFloat64));
  Tensor t = xg::tensor({1, 0, 4, 2}, xg::kInt64);
  auto ce = [&](const Tensor& input, const Tensor& target, F::CrossEntropyFuncOptions options = {}) {
    return [=] { F::cross_entropy(input, target, options); };
  };
  expect_error(ce(x, xg::tensor({1, 0, 5, 2}, xg::kInt64)), {"cross_entropy", "target 5", "5 classes"});
  expect_error(ce(x, xg::tensor({1, -1, 0, 2}, xg::kInt64)), {"cross_entropy", "target -1", "5 classes"});
  // ignore_index may lie inside [0, C) or outside it: that target is then skipped, not range-checked.
  CHECK_NOTHROW(F::cross_entropy(x, xg::tensor({1, 0, 3, 2}, xg::kInt64), F::CrossEntropyFuncOptions().ignore_index(3)));
  CHECK_NOTHROW(F::cross_entropy(x, xg::tensor({1, 0, 7, 2}, xg::kInt64), F::CrossEntropyFuncOptions().ignore_index(7)));
  expect_error(ce(x, xg::tensor({1.0, 0, 4, 2}, xg::dtype(xg::kFloat64))), {"cross_entropy", "int64", "float64 [4]", "input's shape"});
  expect_error(ce(x, xg::tensor({1, 0, 4, 2}, xg::kInt32)), {"cross_entropy", "int64", "int32 [4]"});
  expect_error(ce(x, xg::zeros({4, 5}, xg::kInt64)), {"cross_entropy", "class probabilities", "floating point", "int64 [4, 5]"});
  expect_error(ce(x, xg::zeros({4, 5}, xg::kFloat32)), {"cross_entropy", "dtype float64", "float32 [4, 5]"});
  expect_error(ce(x, xg::softmax(x, 1), F::CrossEntropyFuncOptions().ignore_index(0)), {"cross_entropy", "ignore_index"});
  expect_error(ce(x, xg::tensor({1, 0, 4}, xg::kInt64)), {"cross_entropy", "batch size 4", "[4, 5]", "batch size 3", "[3]"});
  expect_error(ce(xg::randn({2, 3, 2, 2}), xg::zeros({2, 2, 3}, xg::kInt64)), {"cross_entropy", "[2, 3, 2, 2]", "[2, 2, 2]", "[2, 2, 3]"});
  expect_error(ce(xg::randn({5}), xg::tensor({1}, xg::kInt64)), {"cross_entropy", "[5]", "[]", "[1]"});
  expect_error(ce(xg::scalar_tensor(1.0), xg::scalar_tensor(int64_t{0}, xg::kInt64)), {"cross_entropy", "1 or more dimensions"});
  expect_error(ce(xg::zeros({4, 5}, xg::kInt64), t), {"cross_entropy", "floating point", "int64 [4, 5]"});
  expect_error(ce(x, t, F::CrossEntropyFuncOptions().weight(xg::ones({4}, xg::dtype(xg::kFloat64)))), {"cross_entropy", "weight", "[5]", "[4]"});
  expect_error(ce(x, t, F::CrossEntropyFuncOptions().weight(xg::ones({5}))), {"cross_entropy", "weight", "float32 [5]"});
  expect_error(ce(x, t, F::CrossEntropyFuncOptions().weight(xg::ones({5}, f64()))), {"cross_entropy", "weight", "must not require grad"});
  expect_error(ce(x, t, F::CrossEntropyFuncOptions().label_smoothing(1.5)), {"cross_entropy", "label_smoothing", "1.5"});
  expect_error(ce(x, t, F::CrossEntropyFuncOptions().label_smoothing(-0.1)), {"cross_entropy", "label_smoothing"});
  expect_error(ce(x, t, F::CrossEntropyFuncOptions().reduction(static_cast<nn::Reduction>(7))), {"cross_entropy", "invalid reduction"});
  expect_error(ce(x, Tensor()), {"cross_entropy", "target", "undefined"});
  expect_error([&] { nn::CrossEntropyLoss()(Tensor(), t); }, {"cross_entropy", "input", "undefined"});

  expect_error([&] { F::nll_loss(x, xg::tensor({1.0, 0, 4, 2}, xg::dtype(xg::kFloat64))); }, {"nll_loss", "int64", "float64 [4]"});
  expect_error([&] { nn::NLLLoss()(x, xg::tensor({1, 0, 9, 2}, xg::kInt64)); }, {"nll_loss", "target 9", "5 classes"});
  expect_error([&] { F::nll_loss(x, xg::tensor({1, 0, 4, 2, 3}, xg::kInt64)); }, {"nll_loss", "[4, 5]", "[5]"});

  Tensor p = xg::full({3, 4}, 0.5, xg::dtype(xg::kFloat64));
  expect_error([&] { F::binary_cross_entropy(p, xg::zeros({3, 4, 1}, xg::dtype(xg::kFloat64))); }, {"binary_cross_entropy", "[3, 4]", "[3, 4, 1]"});
  expect_error([&] { nn::BCELoss()(p, xg::zeros({3, 4}, xg::kInt64)); }, {"binary_cross_entropy", "target", "dtype float64", "int64 [3, 4]"});
  expect_error([&] { F::binary_cross_entropy(p * 3.0, p); }, {"binary_cross_entropy", "between 0 and 1", "1.5"});
  expect_error([&] { F::binary_cross_entropy(p * kNaN, p); }, {"binary_cross_entropy", "between 0 and 1", "nan"});
  expect_error([&] { F::binary_cross_entropy(p, p, F::BinaryCrossEntropyFuncOptions().weight(xg::ones({3}, xg::dtype(xg::kFloat64)))); },
               {"binary_cross_entropy", "weight", "[3]", "[3, 4]"});
  expect_error([&] { nn::BCELoss(nn::BCELossOptions().weight(xg::ones({4}, f64())))(p, p); }, {"binary_cross_entropy", "weight", "must not require grad"});
  expect_error([&] { F::binary_cross_entropy_with_logits(p, p.t()); }, {"binary_cross_entropy_with_logits", "[3, 4]", "[4, 3]"});
  expect_error([&] { F::binary_cross_entropy_with_logits(p, xg::zeros({3, 4}, xg::kInt64)); }, {"binary_cross_entropy_with_logits", "int64 [3, 4]"});
  expect_error([&] { F::binary_cross_entropy_with_logits(p, p, F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(xg::ones({3}, xg::dtype(xg::kFloat64)))); },
               {"binary_cross_entropy_with_logits", "pos_weight", "[3]", "[3, 4]"});
  expect_error([&] { F::binary_cross_entropy_with_logits(p, p, F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(xg::ones({4}, f64()))); },
               {"binary_cross_entropy_with_logits", "pos_weight", "must not require grad"});
  expect_error([&] { F::binary_cross_entropy_with_logits(xg::zeros({3}, xg::kInt64), xg::zeros({3}, xg::kInt64)); },
               {"binary_cross_entropy_with_logits", "floating point", "int64 [3]"});

  expect_error([&] { F::smooth_l1_loss(p, p.reshape({12})); }, {"smooth_l1_loss", "[3, 4]", "[12]"});
  expect_error([&] { F::smooth_l1_loss(p, p, F::SmoothL1LossFuncOptions().beta(-1.0)); }, {"smooth_l1_loss", "beta", "-1"});
  expect_error([&] { F::smooth_l1_loss(p, p, F::SmoothL1LossFuncOptions().beta(kNaN)); }, {"smooth_l1_loss", "beta"});
  expect_error([&] { nn::SmoothL1Loss(nn::SmoothL1LossOptions().beta(-0.5)); }, {"SmoothL1Loss", "beta", "-0.5"});
  expect_error([&] { F::kl_div(p, p.reshape({4, 3})); }, {"kl_div", "[3, 4]", "[4, 3]"});
  expect_error([&] { nn::KLDivLoss()(p, xg::zeros({3, 4}, xg::kInt64)); }, {"kl_div", "target", "int64 [3, 4]"});
  expect_error([&] { F::kl_div(p, p, F::KLDivFuncOptions(static_cast<nn::Reduction>(9))); }, {"kl_div", "invalid reduction"});
  expect_error([&] { F::poisson_nll_loss(p, p.reshape({2, 6})); }, {"poisson_nll_loss", "[3, 4]", "[2, 6]"});
  expect_error([&] { F::poisson_nll_loss(p, xg::ones({3, 4})); }, {"poisson_nll_loss", "float32 [3, 4]"});
  expect_error([&] { F::gaussian_nll_loss(p, p, xg::ones({4}, xg::dtype(xg::kFloat64))); }, {"gaussian_nll_loss", "var", "incorrect size", "[4]", "[3, 4]"});
  expect_error([&] { F::gaussian_nll_loss(p, p, xg::ones({3, 2}, xg::dtype(xg::kFloat64))); }, {"gaussian_nll_loss", "var", "[3, 2]"});
  expect_error([&] { nn::GaussianNLLLoss()(p, p, p - 0.75); }, {"gaussian_nll_loss", "var", "negative"});
  expect_error([&] { F::gaussian_nll_loss(p, p.reshape({4, 3}), p); }, {"gaussian_nll_loss", "target", "[4, 3]"});
  expect_error([&] { F::gaussian_nll_loss(p, p, xg::ones({3, 4})); }, {"gaussian_nll_loss", "var", "float32 [3, 4]"});
}

TEST_CASE("loss modules print as LibTorch 1.13's, register weights as buffers, and clone() deeply") {
  CHECK(str(*nn::SmoothL1Loss()) == "xgrad::nn::SmoothL1Loss");
  CHECK(str(*nn::BCELoss()) == "xgrad::nn::BCELoss()");
  CHECK(str(*nn::BCEWithLogitsLoss()) == "xgrad::nn::BCEWithLogitsLoss()");
  CHECK(str(*nn::CrossEntropyLoss()) == "xgrad::nn::CrossEntropyLoss()");
  CHECK(str(*nn::NLLLoss()) == "xgrad::nn::NLLLoss()");
  CHECK(str(*nn::KLDivLoss()) == "xgrad::nn::KLDivLoss()");
  CHECK(str(*nn::PoissonNLLLoss()) == "xgrad::nn::PoissonNLLLoss()");
  CHECK(str(*nn::GaussianNLLLoss()) == "xgrad::nn::GaussianNLLLoss()");
  CHECK(nn::CrossEntropyLoss()->name() == "xgrad::nn::CrossEntropyLossImpl");

  // No weight: no buffer. A weight: the buffer "weight" (and "pos_weight"), sharing the given storage.
  CHECK(nn::CrossEntropyLoss()->buffers().empty());
  Tensor w = xg::tensor({1.0, 2.0, 3.0}, xg::dtype(xg::kFloat64));
  nn::CrossEntropyLoss ce(nn::CrossEntropyLossOptions().weight(w));
  REQUIRE(ce->named_buffers().size() == 1);
  CHECK(ce->named_buffers().contains("weight"));
  CHECK(ce->weight.data_ptr<double>() == w.data_ptr<double>());
  nn::BCEWithLogitsLoss bcel(nn::BCEWithLogitsLossOptions().weight(w).pos_weight(w * 2.0));
  CHECK(bcel->named_buffers().size() == 2);
  CHECK(bcel->named_buffers().contains("pos_weight"));
  CHECK(nn::NLLLoss(nn::NLLLossOptions().weight(w))->named_buffers().contains("weight"));
  CHECK(nn::BCELoss(nn::BCELossOptions().weight(w))->named_buffers().contains("weight"));

  // clone(): same options and values, its own storage; the original's weight is untouched.
  Tensor x = xg::randn({4, 3}, xg::dtype(xg::kFloat64));
  Tensor t = xg::tensor({0, 2, 1, 2}, xg::kInt64);
  auto copy = std::dynamic_pointer_cast<nn::CrossEntropyLossImpl>(ce->clone());
  REQUIRE(copy);
  CHECK(copy->weight.data_ptr<double>() != w.data_ptr<double>());
  CHECK(ce->weight.data_ptr<double>() == w.data_ptr<double>());
  CHECK(xg::equal(copy->weight, w));
  CHECK(copy->forward(x, t).item() == ce(x, t).item());
  {
    xg::NoGradGuard no_grad;
    copy->weight.mul_(copy->weight);  // 1, 4, 9: the weighted mean changes
  }
  CHECK(w[2].item() == 3.0);
  CHECK(copy->forward(x, t).item() != ce(x, t).item());  // the clone uses its own weight
  auto bce_copy = std::dynamic_pointer_cast<nn::BCEWithLogitsLossImpl>(bcel->clone());
  CHECK(xg::equal(bce_copy->pos_weight, w * 2.0));
  auto smooth = std::dynamic_pointer_cast<nn::SmoothL1LossImpl>(nn::SmoothL1Loss(nn::SmoothL1LossOptions(xg::kSum).beta(0.25))->clone());
  CHECK(smooth->options.beta() == 0.25);
  CHECK(smooth->options.reduction() == xg::kSum);
  auto kl = std::dynamic_pointer_cast<nn::KLDivLossImpl>(nn::KLDivLoss(xg::kBatchMean)->clone());
  CHECK(kl->options.reduction() == xg::kBatchMean);
  auto gauss = std::dynamic_pointer_cast<nn::GaussianNLLLossImpl>(nn::GaussianNLLLoss(nn::GaussianNLLLossOptions().eps(0.5))->clone());
  CHECK(gauss->options.eps() == 0.5);

  // In a Sequential-free AnyModule, forward through the holder.
  nn::AnyModule any(nn::GaussianNLLLoss{});
  Tensor ones = xg::ones({2, 2}, xg::dtype(xg::kFloat64));
  CHECK(any.forward(ones, ones, ones).item() == doctest::Approx(0.0));
}

TEST_CASE("CrossEntropyLoss trains: a linear classifier's loss falls (module, backward, step by hand)") {
  xg::manual_seed(3);
  Tensor x = xg::randn({64, 2}, xg::dtype(xg::kFloat64));
  Tensor labels = (x.select(1, 0) + x.select(1, 1) > 0).to(xg::kInt64);
  nn::Linear model(2, 2);
  model->to(xg::kFloat64);
  nn::CrossEntropyLoss loss_fn(nn::CrossEntropyLossOptions().label_smoothing(0.05));
  double first = 0, last = 0;
  for (int step = 0; step < 100; ++step) {
    model->zero_grad();
    Tensor loss = loss_fn(model(x), labels);
    loss.backward();
    {
      xg::NoGradGuard no_grad;
      for (Tensor& parameter : model->parameters()) parameter.sub_(parameter.grad() * 0.5);
    }
    (step == 0 ? first : last) = loss.item();
  }
  CHECK(last < 0.6 * first);
}

TEST_CASE("non-contiguous targets and weights read as their values: the same loss as contiguous copies") {
  Tensor x = ref_input("cek/x");                                   // [2, 3, 2, 2]
  Tensor target = ref_classes("cek/t").transpose(1, 2);           // [2, 2, 2], strided
  Tensor weight = xg::tensor({0.5, 9.0, 2.0, 9.0, 1.25, 9.0}, xg::dtype(xg::kFloat64)).slice(0, 0, 6, 2);
  REQUIRE_FALSE(target.is_contiguous());
  REQUIRE_FALSE(weight.is_contiguous());
  for (double smoothing : {0.0, 0.2}) {
    auto strided = F::CrossEntropyFuncOptions().weight(weight).label_smoothing(smoothing).reduction(xg::kNone);
    auto dense = F::CrossEntropyFuncOptions().weight(weight.contiguous()).label_smoothing(smoothing).reduction(xg::kNone);
    CHECK(xg::allclose(F::cross_entropy(x, target, strided), F::cross_entropy(x, target.contiguous(), dense), 0, 0));
  }
  Tensor p = xg::rand({4, 3}, xg::dtype(xg::kFloat64)).t();  // [3, 4] probabilities for BCE, strided
  Tensor y = xg::rand({4, 3}, xg::dtype(xg::kFloat64)).t();
  Tensor w = xg::tensor({1.0, 2.0, 3.0, 4.0}, xg::dtype(xg::kFloat64)).expand({3, 4});
  CHECK(xg::allclose(F::binary_cross_entropy(p, y, F::BinaryCrossEntropyFuncOptions().weight(w)),
                     F::binary_cross_entropy(p.contiguous(), y.contiguous(), F::BinaryCrossEntropyFuncOptions().weight(w.contiguous())), 0, 0));
  // cross_entropy is log_softmax then nll_loss.
  Tensor t = ref_classes("ce/tign"), xc = ref("ce/x");
  CHECK(xg::allclose(F::cross_entropy(xc, t), F::nll_loss(xg::log_softmax(xc, 1), t), 0, 0));
}

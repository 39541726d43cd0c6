// The optimizer zoo and LibTorch's optimizer interface under misuse: every invalid option of every new
// optimizer, options of another optimizer, LBFGS's closures that fail midway, state that does not fit, and
// each optimizer's state resumed (in memory and through a checkpoint) bit-identically.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "helpers.hpp"
#include "state_helpers.hpp"

namespace optim = xg::optim;
namespace nn = xg::nn;

namespace {
template <class Make>
void refuses(Make make, const std::string& fragment) {
  CAPTURE(fragment);
  CHECK_THROWS_WITH_AS(make(), doctest::Contains(fragment.c_str()), std::invalid_argument);
}
}  // namespace

TEST_CASE("every invalid option of RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam and LBFGS is refused, naming it") {
  xg::Tensor p = xg::ones({1}, xg::requires_grad());
  for (double bad : {-0.1, kNan, kInf}) {
    CAPTURE(bad);
    refuses([&] { optim::RMSprop({p}, optim::RMSpropOptions(bad)); }, "RMSprop: invalid learning rate");
    refuses([&] { optim::RMSprop({p}, optim::RMSpropOptions().eps(bad)); }, "RMSprop: invalid epsilon value");
    refuses([&] { optim::RMSprop({p}, optim::RMSpropOptions().momentum(bad)); }, "RMSprop: invalid momentum value");
    refuses([&] { optim::RMSprop({p}, optim::RMSpropOptions().weight_decay(bad)); }, "RMSprop: invalid weight_decay value");
    refuses([&] { optim::Adagrad({p}, optim::AdagradOptions(bad)); }, "Adagrad: invalid learning rate");
    refuses([&] { optim::Adagrad({p}, optim::AdagradOptions().lr_decay(bad)); }, "Adagrad: invalid lr_decay value");
    refuses([&] { optim::Adagrad({p}, optim::AdagradOptions().weight_decay(bad)); }, "Adagrad: invalid weight_decay value");
    refuses([&] { optim::Adagrad({p}, optim::AdagradOptions().initial_accumulator_value(bad)); },
            "Adagrad: invalid initial_accumulator_value value");
    refuses([&] { optim::Adagrad({p}, optim::AdagradOptions().eps(bad)); }, "Adagrad: invalid epsilon value");
    refuses([&] { optim::Adadelta({p}, optim::AdadeltaOptions(bad)); }, "Adadelta: invalid learning rate");
    refuses([&] { optim::Adadelta({p}, optim::AdadeltaOptions().eps(bad)); }, "Adadelta: invalid epsilon value");
    refuses([&] { optim::Adadelta({p}, optim::AdadeltaOptions().weight_decay(bad)); }, "Adadelta: invalid weight_decay value");
    refuses([&] { optim::Adamax({p}, optim::AdamaxOptions(bad)); }, "Adamax: invalid learning rate");
    refuses([&] { optim::Adamax({p}, optim::AdamaxOptions().eps(bad)); }, "Adamax: invalid epsilon value");
    refuses([&] { optim::Adamax({p}, optim::AdamaxOptions().weight_decay(bad)); }, "Adamax: invalid weight_decay value");
    refuses([&] { optim::NAdam({p}, optim::NAdamOptions(bad)); }, "NAdam: invalid learning rate");
    refuses([&] { optim::NAdam({p}, optim::NAdamOptions().momentum_decay(bad)); }, "NAdam: invalid momentum_decay value");
    refuses([&] { optim::RAdam({p}, optim::RAdamOptions(bad)); }, "RAdam: invalid learning rate");
    refuses([&] { optim::RAdam({p}, optim::RAdamOptions().weight_decay(bad)); }, "RAdam: invalid weight_decay value");
    refuses([&] { optim::LBFGS({p}, optim::LBFGSOptions(bad)); }, "LBFGS: invalid learning rate");
    refuses([&] { optim::LBFGS({p}, optim::LBFGSOptions().tolerance_grad(bad)); }, "LBFGS: invalid tolerance_grad");
    refuses([&] { optim::LBFGS({p}, optim::LBFGSOptions().tolerance_change(bad)); }, "LBFGS: invalid tolerance_change");
  }
  for (double alpha : {-0.1, 1.5, kNan}) refuses([&] { optim::RMSprop({p}, optim::RMSpropOptions().alpha(alpha)); }, "RMSprop: invalid alpha value");
  for (double rho : {-0.1, 1.5, kNan}) refuses([&] { optim::Adadelta({p}, optim::AdadeltaOptions().rho(rho)); }, "Adadelta: invalid rho value");
  for (double beta : {-0.1, 1.0, kNan}) {
    refuses([&] { optim::Adamax({p}, optim::AdamaxOptions().betas({beta, 0.9})); }, "Adamax: invalid beta parameter at index 0");
    refuses([&] { optim::NAdam({p}, optim::NAdamOptions().betas({0.9, beta})); }, "NAdam: invalid beta parameter at index 1");
    refuses([&] { optim::RAdam({p}, optim::RAdamOptions().betas({beta, 0.9})); }, "RAdam: invalid beta parameter at index 0");
  }
  for (int64_t bad : {int64_t(0), int64_t(-1)}) {
    refuses([&] { optim::LBFGS({p}, optim::LBFGSOptions().max_iter(bad)); }, "LBFGS: invalid max_iter");
    refuses([&] { optim::LBFGS({p}, optim::LBFGSOptions().max_eval(bad)); }, "LBFGS: invalid max_eval");
    refuses([&] { optim::LBFGS({p}, optim::LBFGSOptions().history_size(bad)); }, "LBFGS: invalid history_size");
  }
  refuses([&] { optim::LBFGS({p}, optim::LBFGSOptions().line_search_fn("backtracking")); },
          "LBFGS: invalid line_search_fn 'backtracking' (only 'strong_wolfe' is supported)");
  // Edge values that are valid.
  CHECK_NOTHROW(optim::RMSprop({p}, optim::RMSpropOptions(0).alpha(0).eps(0)));
  CHECK_NOTHROW(optim::RMSprop({p}, optim::RMSpropOptions().alpha(1)));
  CHECK_NOTHROW(optim::Adadelta({p}, optim::AdadeltaOptions().rho(1)));
  CHECK_NOTHROW(optim::Adagrad({p}, optim::AdagradOptions(0).eps(0)));
}

TEST_CASE("options of another optimizer are refused, by add_param_group and, edited in, by step") {
  xg::Tensor a = xg::ones({2}, xg::requires_grad()), b = xg::ones({2}, xg::requires_grad());
  optim::RMSprop rmsprop({a}, optim::RMSpropOptions(0.1));
  CHECK_THROWS_WITH_AS(rmsprop.add_param_group({b}, optim::AdamOptions(0.1)),
                       doctest::Contains("RMSprop: a param group's options are not RMSpropOptions"), std::invalid_argument);
  CHECK(rmsprop.num_param_groups() == 1);
  rmsprop.add_param_group(optim::OptimizerParamGroup({b}));  // no options: the defaults
  CHECK(static_cast<optim::RMSpropOptions&>(rmsprop.param_groups()[1].options()) == optim::RMSpropOptions(0.1));
  rmsprop.param_groups()[1].set_options(std::make_unique<optim::SGDOptions>(0.1));
  a.mutable_grad() = xg::ones({2});
  CHECK_THROWS_WITH_AS(rmsprop.step(), doctest::Contains("not RMSpropOptions"), std::invalid_argument);
  check_values(a, {1, 1});
  // A group pushed without options is refused by step too.
  rmsprop.param_groups().pop_back();
  rmsprop.param_groups().push_back(optim::OptimizerParamGroup({b}));
  CHECK_THROWS_WITH_AS(rmsprop.step(), doctest::Contains("a param group has no options"), std::invalid_argument);
  CHECK_THROWS_AS(rmsprop.param_groups()[1].options(), std::logic_error);
  check_values(a, {1, 1});
  // A state entry of another optimizer's type.
  rmsprop.param_groups().pop_back();
  rmsprop.state()[optim::detail::state_key(a)] = std::make_unique<optim::AdamParamState>();
  CHECK_THROWS_WITH_AS(rmsprop.step(), doctest::Contains("another optimizer's state type"), std::invalid_argument);
  check_values(a, {1, 1});
  rmsprop.state().clear();
  rmsprop.step();
  CHECK(a.to_vector<double>()[0] < 1);
}

TEST_CASE("LibTorch's interface: defaults, param_groups()[i].options(), state(), add_param_group, constructors from groups") {
  // As PyTorch's OptimTest.OptimizerAccessors does, with xgrad's names.
  auto options = optim::AdagradOptions(1.0);
  std::vector<xg::Tensor> params;
  for (int i = 0; i < 3; ++i) params.push_back(xg::randn({10}).requires_grad_());
  optim::Adagrad optimizer(params, options);
  auto& defaults = static_cast<optim::AdagradOptions&>(optimizer.defaults());
  CHECK(options == defaults);
  CHECK(optimizer.param_groups()[0].options().get_lr() == 1.0);
  CHECK(optimizer.size() == 3);
  CHECK(optimizer.parameters().size() == 3);
  CHECK_THROWS_WITH_AS(optimizer.add_param_group(optim::OptimizerParamGroup(params)),
                       doctest::Contains("some parameters appear in more than one parameter group"), std::invalid_argument);
  // Adagrad's state exists from construction (step 0, sum = initial_accumulator_value), as PyTorch's.
  auto& state = static_cast<optim::AdagradParamState&>(*optimizer.state().at(optim::detail::state_key(params[0])));
  CHECK(state.step() == 0);
  state.step(state.step() + 1);
  CHECK(optimizer.state_dict().size() == 1 + 3 * 2);
  const optim::Adagrad& constant = optimizer;
  CHECK(constant.state().size() == 3);
  CHECK(constant.defaults().get_lr() == 1.0);

  // Options set through the group take effect; set_lr reaches every group.
  xg::Tensor extra = xg::zeros({2}, xg::requires_grad());
  optimizer.add_parameters({extra});
  CHECK(optimizer.param_groups()[0].params().size() == 4);
  static_cast<optim::AdagradOptions&>(optimizer.param_groups()[0].options()).lr(0.5);
  CHECK(optimizer.lr() == 0.5);

  // Groups with their own options, the LibTorch way; an implicit lr converts to the options.
  xg::Tensor a = xg::ones({1}, xg::requires_grad()), b = xg::ones({1}, xg::requires_grad());
  std::vector<optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<xg::Tensor>{a});
  groups.emplace_back(std::vector<xg::Tensor>{b}, std::make_unique<optim::SGDOptions>(optim::SGDOptions(0.01)));
  optim::SGD sgd(groups, 0.1);
  CHECK(sgd.group_lr(0) == 0.1);
  CHECK(sgd.group_lr(1) == 0.01);
  (a + b).sum().backward();
  sgd.step();
  check_values(a, {0.9});
  check_values(b, {0.99});
  optim::SGD from_double(std::vector<xg::Tensor>{xg::ones({1}, xg::requires_grad())}, 0.1);  // SGD(params, 0.1)
  CHECK(from_double.lr() == 0.1);
  CHECK_THROWS_WITH_AS(optim::SGD(std::vector<optim::OptimizerParamGroup>{}, 0.1),
                       doctest::Contains("SGD: optimizer got an empty parameter list"), std::invalid_argument);
}

TEST_CASE("a subclass written against the Optimizer base, as LibTorch users write them") {
  struct MyOptions : public optim::OptimizerCloneableOptions<MyOptions> {
    MyOptions(double lr = 1.0) : lr_(lr) {}
    XGRAD_ARG(double, lr) = 1.0;

   public:
    double get_lr() const override { return lr(); }
    void set_lr(const double lr) override { this->lr(lr); }
  };
  struct MyOptimizer : optim::Optimizer {
    explicit MyOptimizer(std::vector<xg::Tensor> params, MyOptions defaults = {})
        : Optimizer({optim::OptimizerParamGroup(params)}, std::make_unique<MyOptions>(defaults)) {}
    xg::Tensor step(LossClosure closure = nullptr) override {
      xg::Tensor loss = evaluate(closure);
      xg::NoGradGuard no_grad;
      for (auto& group : param_groups())
        for (xg::Tensor& p : group.params())
          if (p.grad().defined()) p -= group.options().get_lr() * p.grad();
      return loss;
    }
  };
  xg::Tensor w = xg::ones({2}, xg::requires_grad());
  MyOptimizer optimizer({w}, MyOptions(0.5));
  xg::Tensor loss = optimizer.step([&] {
    optimizer.zero_grad();
    xg::Tensor l = (w * w).sum();
    l.backward();
    return l;
  });
  CHECK(loss.item() == 2.0);
  check_values(w, {0, 0});
  CHECK(std::string(optimizer.name()) == "Optimizer");
  CHECK(optimizer.state_dict().size() == 1);  // its lr; no per-parameter state
  CHECK_FALSE(optimizer.has_momentum());
  CHECK_THROWS_AS(optimizer.group_momentum(0), std::logic_error);
}

TEST_CASE("momentum and beta1 are readable and settable per group, checked by the optimizer's own rules") {
  xg::Tensor p = xg::ones({1}, xg::requires_grad());
  optim::SGD sgd({p}, optim::SGDOptions(0.1).momentum(0.9));
  CHECK(sgd.has_momentum());
  sgd.set_group_momentum(0, 0.5);
  CHECK(static_cast<optim::SGDOptions&>(sgd.param_groups()[0].options()).momentum() == 0.5);
  CHECK_THROWS_WITH_AS(sgd.set_group_momentum(0, -1), doctest::Contains("SGD: invalid momentum value"), std::invalid_argument);
  CHECK(sgd.group_momentum(0) == 0.5);
  optim::SGD nesterov({p}, optim::SGDOptions(0.1).momentum(0.9).nesterov(true));
  CHECK_THROWS_WITH_AS(nesterov.set_group_momentum(0, 0), doctest::Contains("Nesterov"), std::invalid_argument);
  optim::Adam adam({p}, optim::AdamOptions().betas({0.9, 0.99}));
  adam.set_group_momentum(0, 0.8);
  CHECK(static_cast<optim::AdamOptions&>(adam.param_groups()[0].options()).betas() == optim::Betas{0.8, 0.99});
  CHECK_THROWS_WITH_AS(adam.set_group_momentum(0, 1.0), doctest::Contains("Adam: invalid beta parameter at index 0"),
                       std::invalid_argument);
  for (auto* optimizer : std::vector<optim::Optimizer*>{&sgd, &adam}) CHECK(optimizer->has_momentum());
  optim::RMSprop rmsprop({p});
  optim::Adamax adamax({p});
  optim::NAdam nadam({p});
  optim::RAdam radam({p});
  optim::AdamW adamw({p});
  for (auto* optimizer : std::vector<optim::Optimizer*>{&rmsprop, &adamax, &nadam, &radam, &adamw}) CHECK(optimizer->has_momentum());
  optim::Adagrad adagrad({p});
  optim::Adadelta adadelta({p});
  optim::LBFGS lbfgs({p});
  for (auto* optimizer : std::vector<optim::Optimizer*>{&adagrad, &adadelta, &lbfgs}) {
    CHECK_FALSE(optimizer->has_momentum());
    CHECK_THROWS_AS(optimizer->set_group_momentum(0, 0.5), std::logic_error);
  }
  // The momentum a scheduler changed is saved and restored with the optimizer's state.
  xg::StateDict state = adam.state_dict();
  CHECK(std::find_if(state.begin(), state.end(), [](auto& e) { return e.first == "group.0.momentum"; })->second.item() == 0.8);
  optim::Adam again({p}, optim::AdamOptions().betas({0.9, 0.99}));
  again.load_state_dict(state);
  CHECK(again.group_momentum(0) == 0.8);
  CHECK_THROWS_WITH_AS(again.load_state_dict(with(state, "group.0.momentum", number(1.5))),
                       doctest::Contains("Adam state: 'group.0.momentum': Adam: invalid beta parameter at index 0"),
                       std::invalid_argument);
  CHECK(again.group_momentum(0) == 0.8);
}

namespace {
using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(std::vector<xg::Tensor>)>;
std::vector<std::pair<std::string, MakeOptimizer>> every_optimizer() {
  return {
      {"SGD", [](auto p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.05).momentum(0.9).nesterov(true)); }},
      {"Adam", [](auto p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.01).amsgrad(true)); }},
      {"AdamW", [](auto p) { return std::make_unique<optim::AdamW>(p, optim::AdamWOptions(0.01)); }},
      {"RMSprop", [](auto p) { return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions(0.01).momentum(0.5).centered(true)); }},
      {"Adagrad", [](auto p) { return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions(0.05).lr_decay(0.01)); }},
      {"Adadelta", [](auto p) { return std::make_unique<optim::Adadelta>(p, optim::AdadeltaOptions()); }},
      {"Adamax", [](auto p) { return std::make_unique<optim::Adamax>(p, optim::AdamaxOptions(0.01)); }},
      {"NAdam", [](auto p) { return std::make_unique<optim::NAdam>(p, optim::NAdamOptions(0.01)); }},
      {"RAdam", [](auto p) { return std::make_unique<optim::RAdam>(p, optim::RAdamOptions(0.01)); }},
      {"LBFGS", [](auto p) { return std::make_unique<optim::LBFGS>(p, optim::LBFGSOptions(0.5).max_iter(4).history_size(3)); }},
  };
}

// A small regression every optimizer trains with closures: returns the closure for `model`.
struct Problem {
  xg::Tensor x, y;
  Problem() {
    xg::manual_seed(7);
    x = xg::randn({16, 3});
    y = xg::randn({16, 1});
  }
  static nn::Sequential model() {
    xg::manual_seed(3);
    return nn::Sequential(nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 1));
  }
};
}  // namespace

TEST_CASE("step(closure) evaluates the loss with grad mode on and returns it, for every optimizer") {
  Problem problem;
  for (auto& [name, make] : every_optimizer()) {
    CAPTURE(name);
    nn::Sequential model = Problem::model();
    std::unique_ptr<optim::Optimizer> optimizer = make(model->parameters());
    int calls = 0;
    auto closure = [&] {
      ++calls;
      CHECK(xg::GradMode::is_enabled());
      optimizer->zero_grad();
      xg::Tensor loss = nn::functional::mse_loss(model(problem.x), problem.y);
      loss.backward();
      return loss;
    };
    const double start = nn::functional::mse_loss(model(problem.x), problem.y).item();
    double first = 0;
    {
      xg::NoGradGuard no_grad;  // step turns grad mode on for the closure whatever the caller's mode
      first = optimizer->step(closure).item();
    }
    CHECK(first == doctest::Approx(start).epsilon(1e-6));
    for (int i = 0; i < 20; ++i) optimizer->step(closure);
    CHECK(nn::functional::mse_loss(model(problem.x), problem.y).item() < start);
    CHECK(calls >= 21);
  }
}

TEST_CASE("every optimizer's state resumes bit-identically, from state_dict and through a checkpoint") {
  Problem problem;
  for (auto& [name, make] : every_optimizer()) {
    CAPTURE(name);
    auto train = [&](nn::Sequential& model, optim::Optimizer& optimizer, int steps) {
      for (int i = 0; i < steps; ++i)
        optimizer.step([&] {
          optimizer.zero_grad();
          xg::Tensor loss = nn::functional::mse_loss(model(problem.x), problem.y);
          loss.backward();
          return loss;
        });
    };
    nn::Sequential straight = Problem::model();
    std::unique_ptr<optim::Optimizer> straight_optimizer = make(straight->parameters());
    train(straight, *straight_optimizer, 12);

    nn::Sequential first = Problem::model();
    std::unique_ptr<optim::Optimizer> first_optimizer = make(first->parameters());
    train(first, *first_optimizer, 5);
    const std::string path = "/tmp/xgrad_zoo_resume_" + name + ".npz";
    optim::save_checkpoint(path, first, *first_optimizer);
    const xg::StateDict state = first_optimizer->state_dict();

    for (bool through_file : {false, true}) {
      CAPTURE(through_file);
      nn::Sequential resumed = Problem::model();
      std::unique_ptr<optim::Optimizer> resumed_optimizer = make(resumed->parameters());
      if (through_file) {
        optim::load_checkpoint(path, resumed, *resumed_optimizer);
      } else {
        resumed->load_state_dict(first->state_dict());
        resumed_optimizer->load_state_dict(state);
      }
      CHECK(snapshot(resumed_optimizer->state_dict()) == snapshot(state));
      train(resumed, *resumed_optimizer, 7);
      CHECK(snapshot(resumed->parameters()) == snapshot(straight->parameters()));
      CHECK(snapshot(resumed_optimizer->state_dict()) == snapshot(straight_optimizer->state_dict()));
    }
    std::remove(path.c_str());
  }
}

TEST_CASE("LBFGS misuse: no closure, a closure that fails midway, groups, dtypes; nothing changes") {
  xg::Tensor w = xg::tensor({-1.5, 2.0}, xg::requires_grad());
  optim::LBFGS lbfgs({w}, optim::LBFGSOptions().line_search_fn("strong_wolfe"));
  auto rosenbrock = [&] {
    lbfgs.zero_grad();
    xg::Tensor x = w[0], y = w[1];
    xg::Tensor loss = (1.0 - x).pow(2) + 100.0 * (y - x * x).pow(2);
    loss.backward();
    return loss;
  };
  CHECK(static_cast<const optim::LBFGSOptions&>(lbfgs.defaults()).max_eval() == 25);  // max_iter * 5 / 4
  optim::Optimizer& base = lbfgs;
  CHECK_THROWS_WITH_AS(base.step(), doctest::Contains("LBFGS.step: needs a closure"), std::invalid_argument);
  lbfgs.step(rosenbrock);
  const Snapshot params = snapshot(std::vector<xg::Tensor>{w});
  const Snapshot state = snapshot(lbfgs.state_dict());

  // The closure throws on its 7th evaluation, deep in the line search.
  int calls = 0;
  auto failing = [&] {
    if (++calls == 7) throw std::runtime_error("data loader broke");
    return rosenbrock();
  };
  CHECK_THROWS_WITH_AS(lbfgs.step(failing), "data loader broke", std::runtime_error);
  CHECK(snapshot(std::vector<xg::Tensor>{w}) == params);
  CHECK(snapshot(lbfgs.state_dict()) == state);
  // A closure that returns something other than a one-element loss, or leaves a gradient of the wrong shape.
  CHECK_THROWS_WITH_AS(lbfgs.step([&] { rosenbrock(); return w * 1.0; }), doctest::Contains("one-element tensor"),
                       std::invalid_argument);
  calls = 0;
  CHECK_THROWS_WITH_AS(lbfgs.step([&] {
                         xg::Tensor loss = rosenbrock();
                         if (++calls == 3) w.mutable_grad() = xg::ones({3});
                         return loss;
                       }),
                       doctest::Contains("assigned grad has data of a different size"), std::invalid_argument);
  CHECK(snapshot(std::vector<xg::Tensor>{w}) == params);
  CHECK(snapshot(lbfgs.state_dict()) == state);
  // Resumes normally afterwards.
  lbfgs.step(rosenbrock);
  CHECK(std::abs(w.to_vector<double>()[0] - 1) < 1e-2);

  xg::Tensor v = xg::ones({2}, xg::requires_grad());
  CHECK_THROWS_WITH_AS(lbfgs.add_param_group({v}, optim::LBFGSOptions()),
                       doctest::Contains("LBFGS doesn't support per-parameter options"), std::invalid_argument);
  std::vector<optim::OptimizerParamGroup> two;
  two.emplace_back(std::vector<xg::Tensor>{v});
  two.emplace_back(std::vector<xg::Tensor>{xg::ones({1}, xg::requires_grad())});
  CHECK_THROWS_WITH_AS(optim::LBFGS refused(two), doctest::Contains("doesn't support per-parameter options"), std::invalid_argument);
  xg::Tensor d = xg::ones({1}, xg::dtype(xg::kFloat64).requires_grad(true));
  optim::LBFGS mixed({v, d});
  CHECK_THROWS_WITH_AS(mixed.step([&] { return (v.sum() + d.sum().to(xg::kFloat32)); }),
                       doctest::Contains("every parameter must have the same dtype"), std::invalid_argument);
}

TEST_CASE("LBFGS load_state_dict refuses out-of-range and inconsistent state, changing nothing") {
  xg::Tensor a = xg::tensor({0.5, -0.5}, xg::requires_grad()), b = xg::tensor({1.0}, xg::requires_grad());
  optim::LBFGS lbfgs({a, b}, optim::LBFGSOptions(0.5).max_iter(3).history_size(2));
  auto closure = [&] {
    lbfgs.zero_grad();
    xg::Tensor loss = (a * a * xg::tensor({1.0, 3.0})).sum() + (b - 2.0).pow(2).sum();
    loss.backward();
    return loss;
  };
  for (int i = 0; i < 3; ++i) lbfgs.step(closure);
  const xg::StateDict good = lbfgs.state_dict();
  const Snapshot before = snapshot(good);
  CHECK(std::count_if(good.begin(), good.end(), [](auto& e) { return e.first == "state.0.old_dirs.1"; }) == 1);
  auto refused = [&](const xg::StateDict& bad, const std::string& fragment) {
    CAPTURE(fragment);
    CHECK_THROWS_WITH_AS(lbfgs.load_state_dict(bad), doctest::Contains(fragment.c_str()), std::invalid_argument);
    CHECK(snapshot(lbfgs.state_dict()) == before);
  };
  refused(with(good, "state.0.d", xg::zeros({2})), "'state.0.d' has shape [2] (float32), expected [3] (float32)");
  refused(with(good, "state.0.old_dirs.0", xg::zeros({3}, xg::dtype(xg::kFloat64))), "expected [3] (float32)");
  refused(with(good, "state.0.old_dirs.2", xg::zeros({3})), "the history is longer than history_size 2");
  refused(without(good, "state.0.old_stps.1"), "missing 'state.0.old_stps.1'");
  refused(with(good, "state.0.ro.1", number(kNan)), "'state.0.ro.1' is nan (must be finite)");
  refused(with(good, "state.0.t", number(kInf)), "'state.0.t' is inf");
  refused(with(good, "state.0.n_iter", number(-1)), "'state.0.n_iter' must be an integer in [0, ");
  refused(with(good, "state.0.func_evals", number(0.5)), "'state.0.func_evals' must be an integer");
  xg::StateDict no_direction;
  for (auto& entry : good)
    if (entry.first.find("state.0.") != 0 || entry.first == "state.0.func_evals" || entry.first == "state.0.n_iter")
      no_direction.push_back(entry);
  refused(no_direction, "'state.0.n_iter' > 0 without 'state.0.d'");
  refused(with(good, "state.1.d", xg::zeros({3})), "unexpected entry 'state.1.d'");
  lbfgs.load_state_dict(good);
  CHECK(snapshot(lbfgs.state_dict()) == before);
}

TEST_CASE("NAdam's mu_product is a float32 product of momenta in [0, 1]") {
  xg::Tensor p = xg::tensor({1.0, 2.0}, xg::requires_grad());
  optim::NAdam nadam({p}, optim::NAdamOptions(0.1));
  p.mutable_grad() = xg::ones({2});
  nadam.step();
  const xg::StateDict good = nadam.state_dict();
  const Snapshot before = snapshot(good);
  for (double bad : {-0.1, 1.5, kNan, 0.1}) {  // 0.1 is not a float32 value
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(nadam.load_state_dict(with(good, "state.0.mu_product", number(bad))),
                         doctest::Contains("'state.0.mu_product' is"), std::invalid_argument);
    CHECK(snapshot(nadam.state_dict()) == before);
  }
}

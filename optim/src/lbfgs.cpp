// LBFGS as torch/optim/lbfgs.py of torch 1.13, line for line. PyTorch mixes Python floats (double) with
// 0-d tensors of the parameters' dtype in its scalar arithmetic (the step t, directional derivatives, the
// line search's brackets); `Num` below keeps track of which one each value is, so every operation rounds
// as it does in Python. Dot products go through OpenBLAS, as torch's do.
#include "xgrad/optim/lbfgs.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <type_traits>
#include <utility>

#include "kernels.hpp"
#include "ops_internal.hpp"
#include "state.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace optim {

void LBFGSOptions::validate(const LBFGSOptions& o) {
  detail::check_lr("LBFGS", o.lr());
  check_option(o.max_iter() >= 1, "LBFGS", "max_iter", static_cast<double>(o.max_iter()), ">= 1");
  if (o.max_eval()) check_option(*o.max_eval() >= 1, "LBFGS", "max_eval", static_cast<double>(*o.max_eval()), ">= 1");
  check_option(finite_non_negative(o.tolerance_grad()), "LBFGS", "tolerance_grad", o.tolerance_grad(), "a finite number >= 0");
  check_option(finite_non_negative(o.tolerance_change()), "LBFGS", "tolerance_change", o.tolerance_change(),
               "a finite number >= 0");
  check_option(o.history_size() >= 1, "LBFGS", "history_size", static_cast<double>(o.history_size()), ">= 1");
  if (o.line_search_fn() && *o.line_search_fn() != "strong_wolfe")
    throw Error("LBFGS: invalid line_search_fn '" + *o.line_search_fn() +
                                "' (only 'strong_wolfe' is supported)");
}

bool operator==(const LBFGSOptions& a, const LBFGSOptions& b) {
  return a.lr() == b.lr() && a.max_iter() == b.max_iter() && a.max_eval() == b.max_eval() &&
         a.tolerance_grad() == b.tolerance_grad() && a.tolerance_change() == b.tolerance_change() &&
         a.history_size() == b.history_size() && a.line_search_fn() == b.line_search_fn();
}

LBFGS::LBFGS(std::vector<OptimizerParamGroup> param_groups, LBFGSOptions defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{}, std::make_unique<LBFGSOptions>(defaults)) {
  if (param_groups.size() > 1)
    throw Error("LBFGS doesn't support per-parameter options (parameter groups)");
  initialize(std::move(param_groups));
  // As LibTorch: an unset max_eval becomes max_iter * 5 / 4 (Python's max_iter * 5 // 4).
  for (OptimizerOptions* options : {defaults_.get(), &param_groups_[0].options()}) {
    auto& o = static_cast<LBFGSOptions&>(*options);
    if (!o.max_eval()) o.max_eval(o.max_iter() * 5 / 4);
  }
}
LBFGS::LBFGS(std::vector<Tensor> params, LBFGSOptions defaults) : LBFGS(single_group(std::move(params)), defaults) {}

void LBFGS::validate_options(const OptimizerOptions& options) const {
  LBFGSOptions::validate(options_as<LBFGSOptions>(options, "LBFGS", "LBFGSOptions"));
}

namespace {

// A Python float, or a 0-d tensor of dtype T (its value is then exactly a T). Any tensor operand makes the
// result a tensor computed in T, with the Python float cast to T first, as PyTorch's scalar ops do.
template <class T>
struct Num {
  double v;
  bool tensor;
};
template <class T>
Num<T> py(double v) {
  return {v, false};
}
template <class T>
Num<T> ten(T v) {
  return {static_cast<double>(v), true};
}
template <class T, class Op>
Num<T> apply(Num<T> a, Num<T> b, Op op) {
  if (a.tensor || b.tensor) return ten<T>(op(static_cast<T>(a.v), static_cast<T>(b.v)));
  return py<T>(op(a.v, b.v));
}
template <class T>
Num<T> operator+(Num<T> a, Num<T> b) {
  return apply(a, b, [](auto x, auto y) { return x + y; });
}
template <class T>
Num<T> operator-(Num<T> a, Num<T> b) {
  return apply(a, b, [](auto x, auto y) { return x - y; });
}
template <class T>
Num<T> operator*(Num<T> a, Num<T> b) {
  return apply(a, b, [](auto x, auto y) { return x * y; });
}
template <class T>
Num<T> operator/(Num<T> a, Num<T> b) {
  // float / tensor is tensor.__rtruediv__: reciprocal(tensor) * float.
  if (!a.tensor && b.tensor) return ten<T>((T(1) / static_cast<T>(b.v)) * static_cast<T>(a.v));
  return apply(a, b, [](auto x, auto y) { return x / y; });
}
template <class T, class Op>
bool compare(Num<T> a, Num<T> b, Op op) {
  if (a.tensor || b.tensor) return op(static_cast<T>(a.v), static_cast<T>(b.v));
  return op(a.v, b.v);
}
template <class T>
bool operator<(Num<T> a, Num<T> b) {
  return compare(a, b, [](auto x, auto y) { return x < y; });
}
template <class T>
bool operator>(Num<T> a, Num<T> b) {
  return compare(a, b, [](auto x, auto y) { return x > y; });
}
template <class T>
bool operator<=(Num<T> a, Num<T> b) {
  return compare(a, b, [](auto x, auto y) { return x <= y; });
}
template <class T>
bool operator>=(Num<T> a, Num<T> b) {
  return compare(a, b, [](auto x, auto y) { return x >= y; });
}
template <class T>
Num<T> abs(Num<T> a) {
  return {std::abs(a.v), a.tensor};
}
// Python's min(a, b) and max(a, b): the first argument unless the second is strictly smaller (larger).
template <class T>
Num<T> py_min(Num<T> a, Num<T> b) {
  return b < a ? b : a;
}
template <class T>
Num<T> py_max(Num<T> a, Num<T> b) {
  return b > a ? b : a;
}

// Flat vectors of n elements of dtype T.
template <class T>
T* values(const Tensor& t) {
  return t.impl()->data<T>();
}
template <class T>
T dot(const Tensor& a, const Tensor& b) {
  const int n = static_cast<int>(a.numel());
  if constexpr (std::is_same<T, float>::value) return cblas_sdot(n, values<T>(a), 1, values<T>(b), 1);
  else return cblas_ddot(n, values<T>(a), 1, values<T>(b), 1);
}
template <class T>
T max_abs(const Tensor& a) {  // a.abs().max(): NaN wins
  T best = 0;
  const T* x = values<T>(a);
  for (int64_t k = 0; k < a.numel(); ++k) best = kernel::maximum(best, std::abs(x[k]));
  return best;
}
template <class T>
T sum_abs(const Tensor& a) {
  T total = 0;
  const T* x = values<T>(a);
  for (int64_t k = 0; k < a.numel(); ++k) total += std::abs(x[k]);
  return total;
}
template <class T>
Tensor scaled(const Tensor& a, T factor) {  // a.mul(factor), a new tensor
  Tensor out = empty(a.shape(), dtype(a.dtype()));
  const T* x = values<T>(a);
  T* y = values<T>(out);
  for (int64_t k = 0; k < a.numel(); ++k) y[k] = x[k] * factor;
  return out;
}
template <class T>
void add_scaled(Tensor& target, const Tensor& a, T alpha) {  // target.add_(a, alpha=alpha)
  T* y = values<T>(target);
  const T* x = values<T>(a);
  for (int64_t k = 0; k < a.numel(); ++k) y[k] = kernel::fmadd(x[k], alpha, y[k]);
}
template <class T>
Tensor difference(const Tensor& a, const Tensor& b) {  // a.sub(b)
  Tensor out = empty(a.shape(), dtype(a.dtype()));
  const T *x = values<T>(a), *y = values<T>(b);
  T* z = values<T>(out);
  for (int64_t k = 0; k < a.numel(); ++k) z[k] = x[k] - y[k];
  return out;
}

// One step() call: the closure, the parameters, and the flat views PyTorch builds of them.
template <class T>
struct Problem {
  const Optimizer::LossClosure& closure;
  std::vector<Tensor>& params;
  int64_t numel;

  double evaluate(Tensor* loss_out = nullptr) const {
    Tensor loss;
    {
      EnableGradGuard grad_mode(true);
      loss = closure();
    }
    if (!loss.defined() || loss.numel() != 1)
      throw Error("LBFGS.step: the closure must return the loss as a one-element tensor");
    if (loss_out) *loss_out = loss;
    return loss.item();
  }
  Tensor gather_flat_grad() const {
    Tensor flat = zeros({numel}, dtype(params[0].dtype()));
    T* out = values<T>(flat);
    for (const Tensor& p : params) {
      const Tensor& grad = checked_grad(p, "LBFGS.step");
      if (grad.defined()) {
        const T* g = grad.impl()->data<T>();
        std::copy(g, g + p.numel(), out);
      }
      out += p.numel();
    }
    return flat;
  }
  void add_grad(Num<T> step_size, const Tensor& update) const {  // p.add_(update[view], alpha=step_size)
    const T alpha = static_cast<T>(step_size.v);
    const T* u = values<T>(update);
    for (const Tensor& p : params) {
      T* x = p.impl()->data<T>();
      for (int64_t k = 0; k < p.numel(); ++k) x[k] = kernel::fmadd(u[k], alpha, x[k]);
      u += p.numel();
      p.impl()->storage->version.fetch_add(1);
    }
  }
  std::vector<Tensor> clone_params() const {
    std::vector<Tensor> copies;
    for (const Tensor& p : params) copies.push_back(p.detach().clone());
    return copies;
  }
  void set_params(const std::vector<Tensor>& values_) const {
    for (size_t i = 0; i < params.size(); ++i) {
      const T* from = values<T>(values_[i]);
      std::copy(from, from + params[i].numel(), params[i].impl()->data<T>());
      params[i].impl()->storage->version.fetch_add(1);
    }
  }
  std::pair<double, Tensor> directional_evaluate(const std::vector<Tensor>& x, Num<T> t, const Tensor& d) const {
    add_grad(t, d);
    double loss = evaluate();
    Tensor flat_grad = gather_flat_grad();
    set_params(x);
    return {loss, flat_grad};
  }
};

template <class T>
Num<T> cubic_interpolate(Num<T> x1, double f1, Num<T> g1, Num<T> x2, double f2, Num<T> g2, const Num<T>* bounds) {
  Num<T> xmin_bound, xmax_bound;
  if (bounds) {
    xmin_bound = bounds[0];
    xmax_bound = bounds[1];
  } else if (x1 <= x2) {
    xmin_bound = x1;
    xmax_bound = x2;
  } else {
    xmin_bound = x2;
    xmax_bound = x1;
  }
  const Num<T> d1 = g1 + g2 - py<T>(3 * (f1 - f2)) / (x1 - x2);
  const Num<T> d2_square = d1 * d1 - g1 * g2;  // d1**2: x * x for tensors, pow(x, 2) = x * x for floats
  if (d2_square >= py<T>(0)) {
    const Num<T> d2 = {d2_square.tensor ? static_cast<double>(std::sqrt(static_cast<T>(d2_square.v))) : std::sqrt(d2_square.v),
                       d2_square.tensor};
    Num<T> min_pos;
    if (x1 <= x2)
      min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + py<T>(2) * d2));
    else
      min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + py<T>(2) * d2));
    return py_min(py_max(min_pos, xmin_bound), xmax_bound);
  }
  return (xmin_bound + xmax_bound) / py<T>(2.);
}

template <class T>
struct LineSearchResult {
  double f_new;
  Tensor g_new;
  Num<T> t;
  int64_t func_evals;
};

template <class T>
LineSearchResult<T> strong_wolfe(const Problem<T>& problem, const std::vector<Tensor>& x, Num<T> t, const Tensor& d,
                                 double f, Tensor g, Num<T> gtd, double tolerance_change, double c1 = 1e-4,
                                 double c2 = 0.9, int64_t max_ls = 25) {
  const Num<T> d_norm = ten<T>(max_abs<T>(d));
  g = g.clone();
  double f_new;
  Tensor g_new;
  std::tie(f_new, g_new) = problem.directional_evaluate(x, t, d);
  int64_t ls_func_evals = 1;
  Num<T> gtd_new = ten<T>(dot<T>(g_new, d));

  Num<T> t_prev = py<T>(0), gtd_prev = gtd;
  double f_prev = f;
  Tensor g_prev = g;
  bool done = false;
  int64_t ls_iter = 0;
  std::vector<Num<T>> bracket, bracket_gtd;
  std::vector<double> bracket_f;
  std::vector<Tensor> bracket_g;
  auto armijo_fails = [&](Num<T> step, double value) { return py<T>(value) > py<T>(f) + py<T>(c1) * step * gtd; };
  while (ls_iter < max_ls) {
    if (armijo_fails(t, f_new) || (ls_iter > 1 && f_new >= f_prev)) {
      bracket = {t_prev, t};
      bracket_f = {f_prev, f_new};
      bracket_g = {g_prev, g_new.clone()};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    if (abs(gtd_new) <= py<T>(-c2) * gtd) {
      bracket = {t};
      bracket_f = {f_new};
      bracket_g = {g_new};
      done = true;
      break;
    }
    if (gtd_new >= py<T>(0)) {
      bracket = {t_prev, t};
      bracket_f = {f_prev, f_new};
      bracket_g = {g_prev, g_new.clone()};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    // interpolate
    const Num<T> bounds[2] = {t + py<T>(0.01) * (t - t_prev), t * py<T>(10)};
    const Num<T> tmp = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds);
    // next step
    t_prev = tmp;
    f_prev = f_new;
    g_prev = g_new.clone();
    gtd_prev = gtd_new;
    std::tie(f_new, g_new) = problem.directional_evaluate(x, t, d);
    ls_func_evals += 1;
    gtd_new = ten<T>(dot<T>(g_new, d));
    ls_iter += 1;
  }
  // reached max number of iterations?
  if (ls_iter == max_ls) {
    bracket = {py<T>(0), t};
    bracket_f = {f, f_new};
    bracket_g = {g, g_new};
  }

  // zoom phase
  bool insuf_progress = false;
  size_t low_pos = 0, high_pos = 1;
  if (!(bracket_f.front() <= bracket_f.back())) std::swap(low_pos, high_pos);
  while (!done && ls_iter < max_ls) {
    // line-search bracket is so small
    if (abs(bracket[1] - bracket[0]) * d_norm < py<T>(tolerance_change)) break;
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1],
                          static_cast<const Num<T>*>(nullptr));
    const Num<T> top = py_max(bracket[0], bracket[1]), bottom = py_min(bracket[0], bracket[1]);
    const Num<T> eps = py<T>(0.1) * (top - bottom);
    if (py_min(top - t, t - bottom) < eps) {
      // interpolation close to boundary
      if (insuf_progress || t >= top || t <= bottom) {
        // evaluate at 0.1 away from boundary
        t = abs(t - top) < abs(t - bottom) ? top - eps : bottom + eps;
        insuf_progress = false;
      } else {
        insuf_progress = true;
      }
    } else {
      insuf_progress = false;
    }
    // Evaluate new point
    std::tie(f_new, g_new) = problem.directional_evaluate(x, t, d);
    ls_func_evals += 1;
    gtd_new = ten<T>(dot<T>(g_new, d));
    ls_iter += 1;
    if (armijo_fails(t, f_new) || f_new >= bracket_f[low_pos]) {
      // Armijo condition not satisfied or not lower than lowest point
      bracket[high_pos] = t;
      bracket_f[high_pos] = f_new;
      bracket_g[high_pos] = g_new.clone();
      bracket_gtd[high_pos] = gtd_new;
      low_pos = bracket_f[0] <= bracket_f[1] ? 0 : 1;
      high_pos = 1 - low_pos;
    } else {
      if (abs(gtd_new) <= py<T>(-c2) * gtd) {
        done = true;  // Wolfe conditions satisfied
      } else if (gtd_new * (bracket[high_pos] - bracket[low_pos]) >= py<T>(0)) {
        // old high becomes new low
        bracket[high_pos] = bracket[low_pos];
        bracket_f[high_pos] = bracket_f[low_pos];
        bracket_g[high_pos] = bracket_g[low_pos];
        bracket_gtd[high_pos] = bracket_gtd[low_pos];
      }
      // new point becomes new low
      bracket[low_pos] = t;
      bracket_f[low_pos] = f_new;
      bracket_g[low_pos] = g_new.clone();
      bracket_gtd[low_pos] = gtd_new;
    }
  }
  return {bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals};
}

}  // namespace

template <class T>
Tensor LBFGS::run(const LossClosure& closure, LBFGSParamState& state) {
  const auto& o = static_cast<const LBFGSOptions&>(param_groups_[0].options());
  std::vector<Tensor>& params = param_groups_[0].params();
  int64_t numel = 0;
  for (const Tensor& p : params) numel += p.numel();
  const Problem<T> problem{closure, params, numel};
  const double lr = o.lr(), tolerance_grad = o.tolerance_grad(), tolerance_change = o.tolerance_change();
  const int64_t max_iter = o.max_iter(), max_eval = o.max_eval().value_or(o.max_iter() * 5 / 4);
  const auto history_size = static_cast<size_t>(o.history_size());

  // evaluate initial f(x) and df/dx
  Tensor orig_loss;
  double loss = problem.evaluate(&orig_loss);
  int64_t current_evals = 1;
  state.func_evals(state.func_evals() + 1);
  Tensor flat_grad = problem.gather_flat_grad();
  bool opt_cond = max_abs<T>(flat_grad) <= static_cast<T>(tolerance_grad);
  if (opt_cond) return orig_loss;  // optimal condition

  Tensor d = state.d(), prev_flat_grad = state.prev_flat_grad();
  Num<T> t = py<T>(state.t());
  std::deque<Tensor>& old_dirs = state.old_dirs();
  std::deque<Tensor>& old_stps = state.old_stps();
  std::deque<double>& ro = state.ro();
  double H_diag = state.H_diag();
  double prev_loss = state.prev_loss();

  int64_t n_iter = 0;
  while (n_iter < max_iter) {
    n_iter += 1;
    state.n_iter(state.n_iter() + 1);

    // compute gradient descent direction
    if (state.n_iter() == 1) {
      d = scaled<T>(flat_grad, T(-1));
      old_dirs.clear();
      old_stps.clear();
      ro.clear();
      H_diag = 1;
    } else {
      // A state edited through state() must still hold what the previous iterations left.
      if (!d.defined() || !prev_flat_grad.defined() || d.numel() != numel || prev_flat_grad.numel() != numel ||
          d.dtype() != flat_grad.dtype() || prev_flat_grad.dtype() != flat_grad.dtype() || old_stps.size() != old_dirs.size() ||
          ro.size() != old_dirs.size() ||
          std::any_of(old_dirs.begin(), old_dirs.end(), [&](const Tensor& v) { return !v.defined() || v.numel() != numel || v.dtype() != flat_grad.dtype(); }) ||
          std::any_of(old_stps.begin(), old_stps.end(), [&](const Tensor& v) { return !v.defined() || v.numel() != numel || v.dtype() != flat_grad.dtype(); }))
        throw Error("LBFGS.step: the state lacks the direction and history of the previous iterations");
      // do lbfgs update (update memory)
      Tensor y = difference<T>(flat_grad, prev_flat_grad);
      Tensor s = scaled<T>(d, static_cast<T>(t.v));
      const T ys = dot<T>(y, s);
      if (ys > static_cast<T>(1e-10)) {
        if (old_dirs.size() == history_size) {  // shift history by one (limited-memory)
          old_dirs.pop_front();
          old_stps.pop_front();
          ro.pop_front();
        }
        old_dirs.push_back(y);
        old_stps.push_back(s);
        ro.push_back(static_cast<double>((T(1) / ys) * T(1)));  // 1. / ys: reciprocal(ys) * 1
        H_diag = static_cast<double>(ys / dot<T>(y, y));       // update scale of initial Hessian approximation
      }
      // compute the approximate (L-BFGS) inverse Hessian multiplied by the gradient
      const size_t num_old = old_dirs.size();
      std::vector<T> al(num_old);
      Tensor q = scaled<T>(flat_grad, T(-1));
      for (size_t k = num_old; k-- > 0;) {
        al[k] = dot<T>(old_stps[k], q) * static_cast<T>(ro[k]);
        add_scaled<T>(q, old_dirs[k], -al[k]);
      }
      // multiply by initial Hessian; r/d is the final direction
      Tensor r = scaled<T>(q, static_cast<T>(H_diag));
      for (size_t k = 0; k < num_old; ++k) {
        const T be_k = dot<T>(old_dirs[k], r) * static_cast<T>(ro[k]);
        add_scaled<T>(r, old_stps[k], al[k] - be_k);
      }
      d = r;
    }
    prev_flat_grad = flat_grad.clone();
    prev_loss = loss;

    // compute step length: reset initial guess for step size
    if (state.n_iter() == 1)
      t = py_min(py<T>(1.), py<T>(1.) / ten<T>(sum_abs<T>(flat_grad))) * py<T>(lr);
    else
      t = py<T>(lr);

    // directional derivative
    const Num<T> gtd = ten<T>(dot<T>(flat_grad, d));
    if (gtd > py<T>(-tolerance_change)) break;  // directional derivative is below tolerance

    int64_t ls_func_evals = 0;
    if (o.line_search_fn()) {
      std::vector<Tensor> x_init = problem.clone_params();
      LineSearchResult<T> result = strong_wolfe<T>(problem, x_init, t, d, loss, flat_grad, gtd, tolerance_change);
      loss = result.f_new;
      flat_grad = result.g_new;
      t = result.t;
      ls_func_evals = result.func_evals;
      problem.add_grad(t, d);
      opt_cond = max_abs<T>(flat_grad) <= static_cast<T>(tolerance_grad);
    } else {
      // no line search, simply move with fixed-step
      problem.add_grad(t, d);
      if (n_iter != max_iter) {
        // re-evaluate function only if not in last iteration
        loss = problem.evaluate();
        flat_grad = problem.gather_flat_grad();
        opt_cond = max_abs<T>(flat_grad) <= static_cast<T>(tolerance_grad);
        ls_func_evals = 1;
      }
    }
    // update func eval
    current_evals += ls_func_evals;
    state.func_evals(state.func_evals() + ls_func_evals);

    // check conditions
    if (n_iter == max_iter) break;
    if (current_evals >= max_eval) break;
    if (opt_cond) break;  // optimal condition
    // lack of progress: d.mul(t).abs().max() <= tolerance_change
    if (max_abs<T>(scaled<T>(d, static_cast<T>(t.v))) <= static_cast<T>(tolerance_change)) break;
    if (std::abs(loss - prev_loss) < tolerance_change) break;
  }

  state.d(d);
  state.t(t.v);
  state.H_diag(H_diag);
  state.prev_flat_grad(prev_flat_grad);
  state.prev_loss(prev_loss);
  return orig_loss;
}

Tensor LBFGS::step(LossClosure closure) {
  if (!closure) throw Error("LBFGS.step: needs a closure that re-evaluates the loss");
  prepare_step<LBFGSParamState>(/*check_gradients=*/false);  // the closure replaces them; each one it leaves is checked
  if (param_groups_.size() != 1)
    throw Error("LBFGS doesn't support per-parameter options (parameter groups)");
  std::vector<Tensor>& params = param_groups_[0].params();
  if (params.empty()) return Tensor();
  for (const Tensor& p : params) {
    if (p.dtype() != params[0].dtype())
      throw Error("LBFGS.step: every parameter must have the same dtype (" +
                                  std::string(dtype_name(params[0].dtype())) + " and " + dtype_name(p.dtype()) + " differ)");
    if (!p.is_contiguous()) throw Error("LBFGS.step: the parameters must be contiguous");
  }
  LBFGSParamState& state = param_state<LBFGSParamState>(0, 0);
  // Whatever throws (the closure, a gradient of the wrong shape), the parameters and the state go back.
  const LBFGSParamState saved_state = state;  // the step replaces the state's tensors, never writes into them
  std::vector<Tensor> saved_params;
  for (const Tensor& p : params) saved_params.push_back(p.detach().clone());
  NoGradGuard no_grad;
  try {
    if (params[0].dtype() == kFloat64) return run<double>(closure, state);
    return run<float>(closure, state);
  } catch (...) {
    state = saved_state;
    for (size_t i = 0; i < params.size(); ++i) {
      XG_DISPATCH(params[i].dtype(), std::copy(saved_params[i].impl()->data<T>(),
                                               saved_params[i].impl()->data<T>() + params[i].numel(),
                                               params[i].impl()->data<T>()));
      params[i].impl()->storage->version.fetch_add(1);
    }
    throw;
  }
}

void LBFGS::save_param_state(const OptimizerParamState& state, const std::string& prefix, StateDict& out) const {
  const auto& s = static_cast<const LBFGSParamState&>(state);
  put_number(out, prefix, "func_evals", static_cast<double>(s.func_evals()));
  put_number(out, prefix, "n_iter", static_cast<double>(s.n_iter()));
  if (!s.d().defined()) return;
  put_tensor(out, prefix, "d", s.d());
  put_number(out, prefix, "t", s.t());
  put_number(out, prefix, "H_diag", s.H_diag());
  put_tensor(out, prefix, "prev_flat_grad", s.prev_flat_grad());
  put_number(out, prefix, "prev_loss", s.prev_loss());
  for (size_t k = 0; k < s.old_dirs().size(); ++k) {
    const std::string index = std::to_string(k);
    put_tensor(out, prefix, ("old_dirs." + index).c_str(), s.old_dirs()[k]);
    put_tensor(out, prefix, ("old_stps." + index).c_str(), s.old_stps()[k]);
    put_number(out, prefix, ("ro." + index).c_str(), s.ro()[k]);
  }
}

std::unique_ptr<OptimizerParamState> LBFGS::load_param_state(const StateDict& state, const std::string& prefix,
                                                             const Tensor& param, std::set<std::string>& known) const {
  StateReader read(state, prefix, "LBFGS state", known);
  const std::vector<Tensor>& params = param_groups_[0].params();
  // The state lives under the first parameter; entries under any other are refused as unknown.
  if (param.impl() != params[0].impl() || !read.has("func_evals")) return nullptr;
  auto s = std::make_unique<LBFGSParamState>();
  s->func_evals(read.integer("func_evals", 0));
  s->n_iter(read.integer("n_iter", 0));
  if (!read.has("d")) {
    // Only a first step that found the gradient already below tolerance leaves no direction.
    if (s->n_iter() > 0) throw Error(read.owner() + ": '" + read.key("n_iter") + "' > 0 without '" + read.key("d") + "'");
    for (const char* field : {"t", "H_diag", "prev_flat_grad", "prev_loss", "old_dirs.0", "old_stps.0", "ro.0"})
      read.refuse_without(field, "d");
    return s;
  }
  int64_t numel = 0;
  for (const Tensor& p : params) numel += p.numel();
  const Tensor flat = empty({numel}, dtype(param.dtype()));  // the shape and dtype of the flat vectors
  auto finite = [&](const char* field) {
    const double value = read.number(field);
    if (!std::isfinite(value))
      throw Error(read.owner() + ": '" + read.key(field) + "' is " + number_string(value) +
                                  " (must be finite)");
    return value;
  };
  s->d(read.tensor("d", flat));
  s->t(finite("t"));
  s->H_diag(finite("H_diag"));
  s->prev_flat_grad(read.tensor("prev_flat_grad", flat));
  s->prev_loss(read.number("prev_loss"));
  const auto history_size = static_cast<size_t>(static_cast<const LBFGSOptions&>(param_groups_[0].options()).history_size());
  for (size_t k = 0; read.has(("old_dirs." + std::to_string(k)).c_str()); ++k) {
    const std::string index = std::to_string(k);
    if (k == history_size)
      throw Error(read.owner() + ": the history is longer than history_size " + std::to_string(history_size));
    s->old_dirs().push_back(read.tensor(("old_dirs." + index).c_str(), flat));
    s->old_stps().push_back(read.tensor(("old_stps." + index).c_str(), flat));
    s->ro().push_back(finite(("ro." + index).c_str()));
  }
  const std::string next = std::to_string(s->old_dirs().size());
  for (const char* field : {"old_stps.", "ro."}) read.refuse_without((field + next).c_str(), ("old_dirs." + next).c_str());
  return s;
}

template Tensor LBFGS::run<float>(const LossClosure&, LBFGSParamState&);
template Tensor LBFGS::run<double>(const LossClosure&, LBFGSParamState&);

}  // namespace optim
}  // namespace xgrad

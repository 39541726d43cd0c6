#!/usr/bin/python3
"""Writes tests/optim/torch_values.hpp: the trajectories and learning-rate sequences of torch 1.13 that
tests/optim/test_optim_zoo.cpp and test_schedulers.cpp compare against. Needs Debian's python3-torch
(run it with /usr/bin/python3); CI only reads the generated header.

Optimizers: two parameters A [2, 3] and B [4] (10 elements p_j), 120 steps; before step k the gradient of
element j is c_j (p_j - t_j) + 0.3 sin(0.37 k + 0.9 j), computed in double from the current parameters and
rounded to the parameters' dtype (the C++ test computes it the same way, so both sides see the same
gradients as long as their parameters agree). Snapshots after the steps in SNAPSHOTS.
LBFGS: Rosenbrock from (-1.5, 2) and a least-squares fit, the loss and gradient computed in double by the
closure and rounded to the dtype; after each step() call: the returned loss, the parameters, func_evals
and n_iter.
Schedulers: the lr (and momentum) of two param groups after construction and after each of 60+ steps."""
import math
import os
import sys

import torch

torch.set_default_dtype(torch.float32)
HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 120
SNAPSHOTS = [1, 2, 3, 5] + list(range(10, STEPS + 1, 10))
SNAPSHOTS_64 = [60, 120]
N = 10
P0 = [1.5 * math.sin(0.7 * j + 0.4) for j in range(N)]
C = [0.5 + 0.25 * j for j in range(N)]
TARGET = [math.cos(0.9 * j) for j in range(N)]


def gradient(p, k):
    return [C[j] * (p[j] - TARGET[j]) + 0.3 * math.sin(0.37 * k + 0.9 * j) for j in range(N)]


def run(make, dtype, steps=STEPS, snapshots=SNAPSHOTS):
    a = torch.tensor(P0[:6], dtype=dtype).reshape(2, 3).requires_grad_()
    b = torch.tensor(P0[6:], dtype=dtype).requires_grad_()
    opt = make(a, b)
    out = []
    for k in range(steps):
        p = a.detach().flatten().tolist() + b.detach().tolist()
        g = gradient(p, k)
        a.grad = torch.tensor(g[:6], dtype=dtype).reshape(2, 3)
        b.grad = torch.tensor(g[6:], dtype=dtype)
        opt.step()
        if k + 1 in snapshots:
            out += a.detach().flatten().tolist() + b.detach().tolist()
    return out


O = torch.optim
OPTIMIZERS = {
    # name: (constructor on [A, B]); every option that changes the formula, alone and combined
    "SGD": lambda a, b: O.SGD([a, b], lr=0.05),
    "SGD momentum": lambda a, b: O.SGD([a, b], lr=0.05, momentum=0.9),
    "SGD dampening": lambda a, b: O.SGD([a, b], lr=0.05, momentum=0.9, dampening=0.3),
    "SGD nesterov": lambda a, b: O.SGD([a, b], lr=0.05, momentum=0.9, nesterov=True),
    "SGD weight_decay": lambda a, b: O.SGD([a, b], lr=0.05, weight_decay=0.1),
    "SGD maximize": lambda a, b: O.SGD([a, b], lr=0.01, maximize=True),
    "SGD all": lambda a, b: O.SGD([a, b], lr=0.01, momentum=0.8, nesterov=True, weight_decay=0.05, maximize=True),
    "Adam": lambda a, b: O.Adam([a, b], lr=0.05),
    "Adam weight_decay": lambda a, b: O.Adam([a, b], lr=0.05, weight_decay=0.1),
    "Adam amsgrad": lambda a, b: O.Adam([a, b], lr=0.05, amsgrad=True),
    "Adam maximize": lambda a, b: O.Adam([a, b], lr=0.01, maximize=True),
    "Adam all": lambda a, b: O.Adam([a, b], lr=0.02, betas=(0.3, 0.9), eps=1e-6, weight_decay=0.05, amsgrad=True, maximize=True),
    "AdamW": lambda a, b: O.AdamW([a, b], lr=0.05),
    "AdamW amsgrad": lambda a, b: O.AdamW([a, b], lr=0.05, weight_decay=0.1, amsgrad=True),
    "AdamW maximize": lambda a, b: O.AdamW([a, b], lr=0.01, maximize=True),
    "RMSprop": lambda a, b: O.RMSprop([a, b], lr=0.01),
    "RMSprop centered": lambda a, b: O.RMSprop([a, b], lr=0.01, centered=True),
    "RMSprop momentum": lambda a, b: O.RMSprop([a, b], lr=0.01, momentum=0.9),
    "RMSprop centered momentum": lambda a, b: O.RMSprop([a, b], lr=0.01, momentum=0.5, centered=True),
    "RMSprop weight_decay": lambda a, b: O.RMSprop([a, b], lr=0.01, weight_decay=0.1),
    "RMSprop maximize": lambda a, b: O.RMSprop([a, b], lr=0.005, maximize=True),
    "RMSprop all": lambda a, b: O.RMSprop([a, b], lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.05, momentum=0.7,
                                          centered=True, maximize=True),
    "RMSprop two groups": lambda a, b: O.RMSprop([{"params": [a]}, {"params": [b], "lr": 0.003, "centered": True}], lr=0.01),
    "Adagrad": lambda a, b: O.Adagrad([a, b], lr=0.1),
    "Adagrad lr_decay": lambda a, b: O.Adagrad([a, b], lr=0.1, lr_decay=0.01),
    "Adagrad initial_accumulator_value": lambda a, b: O.Adagrad([a, b], lr=0.1, initial_accumulator_value=0.5),
    "Adagrad weight_decay": lambda a, b: O.Adagrad([a, b], lr=0.1, weight_decay=0.1),
    "Adagrad maximize": lambda a, b: O.Adagrad([a, b], lr=0.05, maximize=True),
    "Adagrad all": lambda a, b: O.Adagrad([a, b], lr=0.05, lr_decay=0.02, weight_decay=0.05, initial_accumulator_value=0.1,
                                          eps=1e-6, maximize=True),
    "Adadelta": lambda a, b: O.Adadelta([a, b]),
    "Adadelta weight_decay": lambda a, b: O.Adadelta([a, b], lr=0.5, rho=0.5, weight_decay=0.1),
    "Adadelta maximize": lambda a, b: O.Adadelta([a, b], lr=0.5, eps=1e-4, maximize=True),
    "Adamax": lambda a, b: O.Adamax([a, b], lr=0.05),
    "Adamax weight_decay": lambda a, b: O.Adamax([a, b], lr=0.05, betas=(0.5, 0.9), weight_decay=0.1),
    "Adamax maximize": lambda a, b: O.Adamax([a, b], lr=0.01, maximize=True),
    "NAdam": lambda a, b: O.NAdam([a, b], lr=0.05),
    "NAdam weight_decay": lambda a, b: O.NAdam([a, b], lr=0.05, weight_decay=0.1, momentum_decay=0.01),
    "NAdam betas": lambda a, b: O.NAdam([a, b], lr=0.02, betas=(0.8, 0.99), eps=1e-6),
    "RAdam": lambda a, b: O.RAdam([a, b], lr=0.05),
    "RAdam weight_decay": lambda a, b: O.RAdam([a, b], lr=0.05, weight_decay=0.1),
    "RAdam betas": lambda a, b: O.RAdam([a, b], lr=0.02, betas=(0.5, 0.9), eps=1e-6),
}


# --- LBFGS
def rosenbrock(p):
    x, y = p
    f = (1 - x) ** 2 + 100 * (y - x * x) ** 2
    return f, [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]


ROWS = 32
X = [[math.sin(1.3 * i + 0.7 * j + 0.1) for j in range(3)] for i in range(ROWS)]
Y = [1.5 * X[i][0] - 2 * X[i][1] + 0.5 * X[i][2] + 0.3 + 0.05 * math.cos(2.1 * i) for i in range(ROWS)]


def least_squares(p):
    """mean((x w + b - y)^2) and its gradient, summed row by row in double."""
    w, b = p[:3], p[3]
    f = 0.0
    g = [0.0] * 4
    for i in range(ROWS):
        r = X[i][0] * w[0] + X[i][1] * w[1] + X[i][2] * w[2] + b - Y[i]
        f += r * r
        for j in range(3):
            g[j] += 2 * r * X[i][j]
        g[3] += 2 * r
    return f / ROWS, [v / ROWS for v in g]


def run_lbfgs(problem, start, shapes, dtype, calls, **options):
    params = []
    offset = 0
    for shape in shapes:
        n = math.prod(shape)
        params.append(torch.tensor(start[offset:offset + n], dtype=dtype).reshape(shape).requires_grad_())
        offset += n
    opt = O.LBFGS(params, **options)

    def closure():
        flat = [v for p in params for v in p.detach().flatten().tolist()]
        f, g = problem(flat)
        offset = 0
        for p in params:
            p.grad = torch.tensor(g[offset:offset + p.numel()], dtype=dtype).reshape(p.shape)
            offset += p.numel()
        return torch.tensor(f, dtype=dtype)

    out = []
    for _ in range(calls):
        loss = opt.step(closure)
        state = opt.state[params[0]]
        out += [float(loss)] + [v for p in params for v in p.detach().flatten().tolist()]
        out += [state["func_evals"], state["n_iter"]]
    return out


LBFGS_CASES = {
    # name: (problem, start, shapes, calls per dtype {float32, float64}, options)
    "rosenbrock strong_wolfe": (rosenbrock, [-1.5, 2.0], [[2]], (4, 4), dict(line_search_fn="strong_wolfe")),
    "rosenbrock": (rosenbrock, [-1.5, 2.0], [[2]], (2, 4), dict()),
    "rosenbrock history 3": (rosenbrock, [-1.5, 2.0], [[2]], (2, 3), dict(history_size=3, max_iter=15)),
    "least squares strong_wolfe": (least_squares, [0.0] * 4, [[3], [1]], (3, 3), dict(line_search_fn="strong_wolfe", history_size=2)),
    "least squares": (least_squares, [0.0] * 4, [[3], [1]], (3, 3), dict(lr=0.5, max_iter=10, history_size=2)),
}


# --- schedulers
S = O.lr_scheduler
EPOCHS = 64


def record(opt, scheduler, epochs, metric=None, fractional=None, momentum=None):
    """lr of each group (and momentum, "momentum" or "betas") after construction and after each step."""
    def now():
        row = [g["lr"] for g in opt.param_groups]
        if momentum:
            row += [g[momentum] if momentum == "momentum" else g["betas"][0] for g in opt.param_groups]
        return row
    out = [now()]
    for e in range(epochs):
        opt.step()
        if metric is not None:
            scheduler.step(metric(e))
        elif fractional is not None:
            scheduler.step(fractional(e))
        else:
            scheduler.step()
        out.append(now())
    return [v for row in out for v in row]


def sgd(momentum=0.0):
    return O.SGD([{"params": [torch.zeros(1, requires_grad=True)]},
                  {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5}], lr=1.0, momentum=momentum)


def adam():
    return O.Adam([{"params": [torch.zeros(1, requires_grad=True)]},
                   {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5}], lr=1.0)


def single(make, **kw):
    opt = kw.pop("opt", None) or sgd()
    return record(opt, make(opt), kw.pop("epochs", EPOCHS), **kw)


def sequential(make_children, milestones):
    opt = sgd()
    children = make_children(opt)
    return record(opt, S.SequentialLR(opt, children, milestones), EPOCHS)


def chained(make_children):
    opt = sgd()
    return record(opt, S.ChainedScheduler(make_children(opt)), EPOCHS)


def plateau_metric(e):
    # improves, plateaus, improves by less than the thresholds, jumps: exercises patience, cooldown, threshold
    base = [10, 9, 8, 8, 8, 8, 8, 7.9999, 7.9995, 7.99, 7.5, 7.5, 7.5, 7.5, 7.5, 7.5, 7.2, 7.2, 7.2, 7.2]
    return base[e] if e < len(base) else 7.2 - 0.001 * (e % 7) + (0.5 if e % 11 == 0 else 0)


def rising_metric(e):
    return -plateau_metric(e)


def cawr_fractional(e):
    # every step a quarter epoch, then a jump ahead, then back to whole epochs (step(epoch) as the docs show)
    if e < 40:
        return e / 4 + 0.25
    if e == 40:
        return 26
    return 26 + (e - 40) * 0.5


SCHEDULERS = {
    "StepLR": lambda: single(lambda o: S.StepLR(o, 7, 0.5)),
    "MultiStepLR": lambda: single(lambda o: S.MultiStepLR(o, [5, 12, 12, 30, 45], 0.5)),
    "ConstantLR": lambda: single(lambda o: S.ConstantLR(o, 0.25, 7)),
    "LinearLR": lambda: single(lambda o: S.LinearLR(o, 0.2, 0.9, 20)),
    "ExponentialLR": lambda: single(lambda o: S.ExponentialLR(o, 0.95)),
    "CosineAnnealingLR": lambda: single(lambda o: S.CosineAnnealingLR(o, 15, 0.05)),
    "LambdaLR": lambda: single(lambda o: S.LambdaLR(o, lambda e: 1.0 / (1 + 0.1 * e))),
    "MultiplicativeLR": lambda: single(lambda o: S.MultiplicativeLR(o, lambda e: 0.97 if e % 3 else 0.9)),
    "PolynomialLR": lambda: single(lambda o: S.PolynomialLR(o, 40, 2.0)),
    "PolynomialLR sqrt": lambda: single(lambda o: S.PolynomialLR(o, 30, 0.5)),
    "CosineAnnealingWarmRestarts": lambda: single(lambda o: S.CosineAnnealingWarmRestarts(o, 10, 1, 0.01)),
    "CosineAnnealingWarmRestarts T_mult 2": lambda: single(lambda o: S.CosineAnnealingWarmRestarts(o, 3, 2, 0.001)),
    "CosineAnnealingWarmRestarts fractional": lambda: single(lambda o: S.CosineAnnealingWarmRestarts(o, 5, 2, 0.01),
                                                             fractional=cawr_fractional),
    "CosineAnnealingWarmRestarts fractional T_mult 1": lambda: single(lambda o: S.CosineAnnealingWarmRestarts(o, 4, 1, 0.0),
                                                                      fractional=cawr_fractional),
    "CyclicLR triangular": lambda: single(lambda o: S.CyclicLR(o, [0.1, 0.05], [1.0, 0.4], step_size_up=5),
                                          opt=sgd(0.9), momentum="momentum"),
    "CyclicLR triangular2": lambda: single(lambda o: S.CyclicLR(o, 0.1, 1.0, step_size_up=4, step_size_down=6,
                                                                mode="triangular2", base_momentum=0.7, max_momentum=0.95),
                                           opt=sgd(0.9), momentum="momentum"),
    "CyclicLR exp_range": lambda: single(lambda o: S.CyclicLR(o, 0.01, 0.5, step_size_up=3, mode="exp_range", gamma=0.97,
                                                              cycle_momentum=False)),
    "OneCycleLR": lambda: single(lambda o: S.OneCycleLR(o, [1.0, 0.5], total_steps=EPOCHS), opt=sgd(0.9), momentum="momentum"),
    "OneCycleLR linear": lambda: single(lambda o: S.OneCycleLR(o, 0.8, epochs=8, steps_per_epoch=8, pct_start=0.25,
                                                               anneal_strategy="linear", div_factor=10, final_div_factor=100),
                                        opt=sgd(0.9), momentum="momentum"),
    "OneCycleLR three_phase": lambda: single(lambda o: S.OneCycleLR(o, 1.0, total_steps=EPOCHS, three_phase=True,
                                                                    base_momentum=0.8, max_momentum=0.9),
                                             opt=sgd(0.9), momentum="momentum"),
    "OneCycleLR adam betas": lambda: single(lambda o: S.OneCycleLR(o, [0.01, 0.02], total_steps=EPOCHS), opt=adam(),
                                            momentum="betas"),
    "OneCycleLR no momentum": lambda: single(lambda o: S.OneCycleLR(o, 1.0, total_steps=EPOCHS, cycle_momentum=False,
                                                                    three_phase=True, anneal_strategy="linear")),
    "SequentialLR warmup cosine": lambda: sequential(lambda o: [S.LinearLR(o, 0.1, 1.0, 10), S.CosineAnnealingLR(o, 50, 0.01)],
                                                     [10]),
    "SequentialLR three": lambda: sequential(lambda o: [S.ConstantLR(o, 0.5, 4), S.ExponentialLR(o, 0.9),
                                                        S.StepLR(o, 5, 0.5)], [6, 25]),
    "SequentialLR restarts": lambda: sequential(lambda o: [S.PolynomialLR(o, 10, 1.0), S.CosineAnnealingWarmRestarts(o, 6, 2),
                                                           S.MultiStepLR(o, [3, 8], 0.3), S.LambdaLR(o, lambda e: 0.9 ** e)],
                                                [10, 30, 45]),
    "ChainedScheduler": lambda: chained(lambda o: [S.ConstantLR(o, 0.1, 3), S.ExponentialLR(o, 0.9)]),
    "ChainedScheduler three": lambda: chained(lambda o: [S.LinearLR(o, 0.5, 1.0, 8), S.StepLR(o, 10, 0.5),
                                                         S.MultiplicativeLR(o, lambda e: 0.99)]),
    "ReduceLROnPlateau min rel": lambda: single(lambda o: S.ReduceLROnPlateau(o, "min", 0.5, 2, 1e-4, "rel", 0, [0.01, 0.2]),
                                                metric=plateau_metric),
    "ReduceLROnPlateau min abs cooldown": lambda: single(lambda o: S.ReduceLROnPlateau(o, "min", 0.3, 1, 0.01, "abs", 3, 0.001),
                                                         metric=plateau_metric),
    "ReduceLROnPlateau max rel": lambda: single(lambda o: S.ReduceLROnPlateau(o, "max", 0.5, 0, 0.001, "rel", 2),
                                                metric=rising_metric),
    "ReduceLROnPlateau max abs eps": lambda: single(lambda o: S.ReduceLROnPlateau(o, "max", 0.9, 1, 0.05, "abs", 1, 0.0, 0.06),
                                                    metric=rising_metric),
}


def cpp_list(values, digits):
    return ", ".join(("%." + str(digits) + "g") % v for v in values)


def main():
    lines = [
        "// Generated by tests/optim/reference_zoo.py with torch %s (Debian's python3-torch); do not edit." % torch.__version__,
        "// The problems and cases are described in that script.",
        "#pragma once",
        "#include <map>",
        "#include <string>",
        "#include <vector>",
        "",
        "namespace torch_values {",
        "",
        "// After the steps in kSnapshots (float32) and kSnapshots64 (float64): A (6 values) then B (4).",
        "const std::vector<int> kSnapshots = {%s};" % ", ".join(map(str, SNAPSHOTS)),
        "const std::vector<int> kSnapshots64 = {%s};" % ", ".join(map(str, SNAPSHOTS_64)),
        "inline const std::map<std::string, std::vector<double>>& optimizer_float32() {",
        "  static const std::map<std::string, std::vector<double>> values = {",
    ]
    for name, make in OPTIMIZERS.items():
        lines.append('      {"%s", {%s}},' % (name, cpp_list(run(make, torch.float32), 9)))
    lines += ["  };", "  return values;", "}",
              "inline const std::map<std::string, std::vector<double>>& optimizer_float64() {",
              "  static const std::map<std::string, std::vector<double>> values = {"]
    for name, make in OPTIMIZERS.items():
        lines.append('      {"%s", {%s}},' % (name, cpp_list(run(make, torch.float64, snapshots=SNAPSHOTS_64), 17)))
    lines += ["  };", "  return values;", "}", "",
              "// Per step() call: loss, parameters, func_evals, n_iter.",
              "inline const std::map<std::string, std::vector<double>>& lbfgs_float32() {",
              "  static const std::map<std::string, std::vector<double>> values = {"]
    for name, (problem, start, shapes, calls, options) in LBFGS_CASES.items():
        lines.append('      {"%s", {%s}},' % (name, cpp_list(run_lbfgs(problem, start, shapes, torch.float32, calls[0], **options), 9)))
    lines += ["  };", "  return values;", "}",
              "inline const std::map<std::string, std::vector<double>>& lbfgs_float64() {",
              "  static const std::map<std::string, std::vector<double>> values = {"]
    for name, (problem, start, shapes, calls, options) in LBFGS_CASES.items():
        lines.append('      {"%s", {%s}},' % (name, cpp_list(run_lbfgs(problem, start, shapes, torch.float64, calls[1], **options), 17)))
    lines += ["  };", "  return values;", "}", "",
              "// Group 0 (lr 1.0) and group 1 (lr 0.5): [lr0, lr1(, momentum0, momentum1)] after construction, then",
              "// after each step.",
              "inline const std::map<std::string, std::vector<double>>& schedulers() {",
              "  static const std::map<std::string, std::vector<double>> values = {"]
    for name, make in SCHEDULERS.items():
        lines.append('      {"%s", {%s}},' % (name, cpp_list(make(), 17)))
    lines += ["  };", "  return values;", "}", "", "}  // namespace torch_values", ""]
    with open(os.path.join(HERE, "torch_values.hpp"), "w") as out:
        out.write("\n".join(lines))


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    main()

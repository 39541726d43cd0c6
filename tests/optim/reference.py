#!/usr/bin/env python3
"""Prints the PyTorch trajectories that tests/optim/test_optim.cpp hard-codes (needs python3-torch;
CI does not run this). p0 = 1, gradients fed in order, p after each step, float64."""
import math
import torch


def trajectory(make, grads):
    p = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    opt = make([p])
    out = []
    for g in grads:
        p.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        out.append(p.item())
    return out


grads = [0.5, -0.25, 0.125]
cases = {
    "sgd": lambda ps: torch.optim.SGD(ps, lr=0.1),
    "sgd momentum": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
    "sgd nesterov": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "sgd dampening": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5),
    "sgd weight decay": lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.1),
    "sgd maximize": lambda ps: torch.optim.SGD(ps, lr=0.1, maximize=True),
    "adam": lambda ps: torch.optim.Adam(ps, lr=0.1),
    "adamw wd 0.1": lambda ps: torch.optim.AdamW(ps, lr=0.1, weight_decay=0.1),
    "adam wd 0.5": lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.5),
    "adam maximize": lambda ps: torch.optim.Adam(ps, lr=0.05, maximize=True),
}
for name, make in cases.items():
    print(f"{name:18s}", ["%.10f" % v for v in trajectory(make, grads)])
amsgrad_grads = [1.0, 0.01, 0.01, 0.01, 0.01]
print("adam amsgrad      ", ["%.10f" % v for v in trajectory(lambda ps: torch.optim.Adam(ps, lr=0.1, amsgrad=True), amsgrad_grads)])
print("adam plain        ", ["%.10f" % v for v in trajectory(lambda ps: torch.optim.Adam(ps, lr=0.1), amsgrad_grads)])
print("adamw amsgrad     ", ["%.10f" % v for v in trajectory(lambda ps: torch.optim.AdamW(ps, lr=0.05, amsgrad=True), amsgrad_grads)])
long_run = [math.sin(0.3 * i) + 0.2 for i in range(200)]
print("adamw long, last  ", "%.12f" % trajectory(lambda ps: torch.optim.AdamW(ps, lr=0.01), long_run)[-1])


def lrs(make_sched, epochs):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    s = make_sched(opt)
    out = [s.get_last_lr()[0]]
    for _ in range(epochs):
        opt.step()
        s.step()
        out.append(s.get_last_lr()[0])
    return ["%.6f" % v for v in out]


print("StepLR(3, 0.5)    ", lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5), 10))
print("Cosine(10, 0.1)   ", lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 10, 0.1), 20))
print("LinearLR(.25,1,4) ", lrs(lambda o: torch.optim.lr_scheduler.LinearLR(o, 0.25, 1.0, 4), 10))


# --- tests/optim/test_adversarial_optim.cpp
def lrs_with_group_added(make_sched, add_at, epochs):
    """Group 0 from the start (lr 1.0), group 1 (lr 0.5) added after `add_at` scheduler steps."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    s = make_sched(opt)
    out = []
    for e in range(1, epochs + 1):
        if e == add_at + 1:
            opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5})
        opt.step()
        s.step()
        out.append([g["lr"] for g in opt.param_groups])
    return out


sched = torch.optim.lr_scheduler
for name, make in {
    "StepLR(2, 0.5)": lambda o: sched.StepLR(o, 2, 0.5),
    "ExponentialLR(0.9)": lambda o: sched.ExponentialLR(o, 0.9),
    "LinearLR(0.25, 1, 6)": lambda o: sched.LinearLR(o, 0.25, 1.0, 6),
    "Cosine(10, 0.1)": lambda o: sched.CosineAnnealingLR(o, 10, 0.1),
}.items():
    print(f"{name:22s} added after 3:", ["[%.12f, %.12f]" % tuple(l) if len(l) == 2 else "%.12f" % l[0]
                                          for l in lrs_with_group_added(make, 3, 9)])


def aliased_grad(make, steps):
    """p.grad shares p's storage (p.grad = p.detach())."""
    p = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = make([p])
    for _ in range(steps):
        p.grad = p.detach()
        opt.step()
    return p.tolist()


print("SGD aliased grad    ", ["%.12f" % v for v in aliased_grad(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9), 3)])
print("Adam aliased grad   ", ["%.12f" % v for v in aliased_grad(lambda ps: torch.optim.Adam(ps, lr=0.1), 3)])

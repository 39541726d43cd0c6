# Values for tests/nn/test_losses.cpp, computed by torch 1.13 (run with /usr/bin/python3):
#   /usr/bin/python3 tests/nn/losses_reference.py > tests/nn/losses_reference.inc
# Prints a C++ table: every input (seeded, so the file is reproducible), and for each case the loss and the
# gradients of sum(loss * c) with c = 1 + 0.25 * arange(loss.numel()) (exact in binary, rebuilt by the test).
import math
import warnings

import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore")  # kl_div's 'mean' warning
torch.manual_seed(12)
d = torch.float64
entries = []


def emit(name, t):
    t = t.detach()
    entries.append((name, list(t.shape), [float(v) for v in t.flatten().tolist()], str(t.dtype)))


def inp(name, t):
    emit(name, t)
    return t.clone().requires_grad_(t.is_floating_point())


def case(name, fn, **grads_of):
    for t in grads_of.values():
        t.grad = None
    out = fn()
    emit(name + "/out", out)
    cot = (1 + 0.25 * torch.arange(out.numel(), dtype=d)).reshape(out.shape).to(out.dtype)
    wanted = [t for t in grads_of.values()]
    gs = torch.autograd.grad((out * cot).sum(), wanted, allow_unused=True) if out.requires_grad else [None] * len(wanted)
    for (k, t), g in zip(grads_of.items(), gs):
        emit(name + "/grad_" + k, g if g is not None else torch.zeros_like(t))


REDUCTIONS = ["none", "mean", "sum"]

# ---- smooth_l1: dyadic values, so |x - y| hits 0, 0.5 and 1 (the kinks) exactly
x = inp("smooth/x", torch.tensor([[0.0, 1.0, -2.0, 0.375], [1.5, -0.25, 2.0, -1.0], [0.5, 0.125, -3.0, 0.75]], dtype=d))
y = inp("smooth/y", torch.tensor([[0.0, 0.0, -1.5, 1.0], [0.5, -1.25, -0.5, -0.5], [-0.5, 0.375, 1.0, 0.625]], dtype=d))
for beta in [1.0, 0.5, 0.0, 3.0]:
    for r in REDUCTIONS:
        case(f"smooth/beta{beta}/{r}", lambda: F.smooth_l1_loss(x, y, reduction=r, beta=beta), input=x, target=y)

# ---- binary_cross_entropy
p = inp("bce/p", torch.rand(3, 4, dtype=d) * 0.98 + 0.01)
yt = inp("bce/y", torch.rand(3, 4, dtype=d))
w4 = inp("bce/w4", torch.rand(4, dtype=d) + 0.5)
w34 = inp("bce/w34", torch.rand(3, 4, dtype=d) + 0.5)
w34.requires_grad_(False)
w4.requires_grad_(False)
for wname, w in [("none", None), ("w4", w4), ("w34", w34)]:
    for r in REDUCTIONS:
        case(f"bce/{wname}/{r}", lambda: F.binary_cross_entropy(p, yt, weight=w, reduction=r), input=p, target=yt)
pe = inp("bce_edge/p", torch.tensor([0.0, 1.0, 0.5, 1e-50, 1e-10, 1 - 1e-10], dtype=d))
ye = inp("bce_edge/y", torch.tensor([0.3, 0.3, 0.3, 0.3, 0.0, 1.0], dtype=d))
case("bce_edge/none", lambda: F.binary_cross_entropy(pe, ye, reduction="none"), input=pe, target=ye)

# ---- binary_cross_entropy_with_logits
xl = inp("bcel/x", torch.randn(3, 4, dtype=d) * 3)
yl = inp("bcel/y", torch.rand(3, 4, dtype=d))
pw4 = inp("bcel/pw4", torch.rand(4, dtype=d) * 3)
pw4.requires_grad_(False)
for name, w, pw in [("plain", None, None), ("w4", w4, None), ("pw4", None, pw4), ("w34_pw4", w34, pw4)]:
    for r in REDUCTIONS:
        case(f"bcel/{name}/{r}", lambda: F.binary_cross_entropy_with_logits(xl, yl, weight=w, pos_weight=pw, reduction=r),
             input=xl, target=yl)
xe = inp("bcel_edge/x", torch.tensor([1000.0, -1000.0, 0.0, 30.0, -30.0, 700.0, -745.0, 1e-3], dtype=d))
yee = inp("bcel_edge/y", torch.tensor([0.0, 1.0, 0.5, 0.2, 1.0, 0.0, 0.7, 0.5], dtype=d))
pw1 = torch.tensor([2.0], dtype=d)
case("bcel_edge/none", lambda: F.binary_cross_entropy_with_logits(xe, yee, reduction="none"), input=xe, target=yee)
case("bcel_edge/pw/none", lambda: F.binary_cross_entropy_with_logits(xe, yee, pos_weight=pw1, reduction="none"),
     input=xe, target=yee)

# ---- cross_entropy and nll_loss with class targets
xc = inp("ce/x", torch.randn(4, 5, dtype=d) * 2)
wc = inp("ce/w", torch.rand(5, dtype=d) + 0.25)
wc.requires_grad_(False)
targets = {
    "t": [1, 0, 4, 2],
    "tign": [1, -100, 4, 2],  # default ignore_index
    "t2": [1, 2, 4, 2],  # used with ignore_index = 2
}
for k, v in targets.items():
    emit("ce/" + k, torch.tensor(v, dtype=d))
CE_VARIANTS = [  # name, target, weight, ignore_index, label_smoothing
    ("plain", "t", None, -100, 0.0),
    ("weight", "t", wc, -100, 0.0),
    ("ignore", "tign", None, -100, 0.0),
    ("ignore2", "t2", None, 2, 0.0),
    ("weight_ignore2", "t2", wc, 2, 0.0),
    ("smooth", "t", None, -100, 0.2),
    ("weight_smooth", "t", wc, -100, 0.2),
    ("weight_ignore_smooth", "tign", wc, -100, 0.3),
    ("ignore2_smooth", "t2", None, 2, 1.0),
]
for name, tk, w, ii, ls in CE_VARIANTS:
    t = torch.tensor(targets[tk])
    for r in REDUCTIONS:
        case(f"ce/{name}/{r}", lambda: F.cross_entropy(xc, t, weight=w, ignore_index=ii, reduction=r, label_smoothing=ls),
             input=xc)
        if ls == 0.0:
            case(f"nll/{name}/{r}", lambda: F.nll_loss(xc, t, weight=w, ignore_index=ii, reduction=r), input=xc)

# K-dimensional: input [2, 3, 2, 2], target [2, 2, 2]; and [2, 3, 4] with target [2, 4]
xk = inp("cek/x", torch.randn(2, 3, 2, 2, dtype=d))
tk = torch.tensor([[[0, 2], [1, -100]], [[2, 2], [0, 1]]])
emit("cek/t", tk.to(d))
wk = torch.tensor([0.5, 2.0, 1.25], dtype=d)
emit("cek/w", wk)
x3 = inp("ce3/x", torch.randn(2, 3, 4, dtype=d))
t3 = torch.tensor([[0, 1, 2, 1], [2, 2, 0, 1]])
emit("ce3/t", t3.to(d))
for r in REDUCTIONS:
    case(f"cek/plain/{r}", lambda: F.cross_entropy(xk, tk, reduction=r), input=xk)
    case(f"cek/weight_smooth/{r}", lambda: F.cross_entropy(xk, tk, weight=wk, reduction=r, label_smoothing=0.1), input=xk)
    case(f"nllk/weight/{r}", lambda: F.nll_loss(xk, tk, weight=wk, reduction=r), input=xk)
    case(f"ce3/weight/{r}", lambda: F.cross_entropy(x3, t3, weight=wk, reduction=r), input=x3)

# unbatched: input [C], target []
xu = inp("ceu/x", torch.randn(5, dtype=d))
tu = torch.tensor(3)
for name, w, ls in [("plain", None, 0.0), ("weight", wc, 0.0), ("smooth", None, 0.25), ("weight_smooth", wc, 0.25)]:
    for r in REDUCTIONS:
        case(f"ceu/{name}/{r}", lambda: F.cross_entropy(xu, tu, weight=w, reduction=r, label_smoothing=ls), input=xu)
for r in REDUCTIONS:
    case(f"nllu/weight/{r}", lambda: F.nll_loss(xu, tu, weight=wc, reduction=r), input=xu)

# class-probability targets
pc = inp("cep/p", torch.softmax(torch.randn(4, 5, dtype=d), 1))
pk = inp("cepk/p", torch.softmax(torch.randn(2, 3, 2, 2, dtype=d), 1))
pu = inp("cepu/p", torch.softmax(torch.randn(5, dtype=d), 0))
for name, w, ls in [("plain", None, 0.0), ("weight", wc, 0.0), ("smooth", None, 0.2), ("weight_smooth", wc, 0.2)]:
    for r in REDUCTIONS:
        case(f"cep/{name}/{r}", lambda: F.cross_entropy(xc, pc, weight=w, reduction=r, label_smoothing=ls), input=xc, target=pc)
        case(f"cepu/{name}/{r}", lambda: F.cross_entropy(xu, pu, weight=w, reduction=r, label_smoothing=ls), input=xu, target=pu)
for r in REDUCTIONS:
    case(f"cepk/weight_smooth/{r}", lambda: F.cross_entropy(xk, pk, weight=wk, reduction=r, label_smoothing=0.1),
         input=xk, target=pk)

# float32
xf = torch.randn(6, 4).requires_grad_()
emit("cef/x", xf)
tf = torch.tensor([3, 0, 1, 1, 2, -100])
emit("cef/t", tf.to(d))
wf = torch.tensor([0.5, 1.0, 2.0, 1.5])
for r in REDUCTIONS:
    case(f"cef/weight_smooth/{r}", lambda: F.cross_entropy(xf, tf, weight=wf, reduction=r, label_smoothing=0.1), input=xf)

# ---- kl_div: input log-probabilities; target probabilities with an exact 0 (input gradient only: torch's
# target gradient there is NaN, xgrad's 0), and without
xkl = inp("kl/x", torch.log_softmax(torch.randn(3, 4, dtype=d), 1))
tz = torch.softmax(torch.randn(3, 4, dtype=d), 1)
tz[1, 2] = 0.0
tkl0 = inp("kl/t0", tz)
tkl = inp("kl/t", torch.softmax(torch.randn(3, 4, dtype=d), 1))
tlog = inp("kl/tlog", torch.log_softmax(torch.randn(3, 4, dtype=d), 1))
for r in REDUCTIONS + ["batchmean"]:
    case(f"kl/zero/{r}", lambda: F.kl_div(xkl, tkl0, reduction=r), input=xkl)
    case(f"kl/plain/{r}", lambda: F.kl_div(xkl, tkl, reduction=r), input=xkl, target=tkl)
    case(f"kl/log_target/{r}", lambda: F.kl_div(xkl, tlog, reduction=r, log_target=True), input=xkl, target=tlog)

# ---- poisson_nll_loss: counts with 0 and 1 (the Stirling term's mask); target gradients without zeros
xp = inp("poisson/x", torch.randn(3, 4, dtype=d))
rate = inp("poisson/rate", torch.rand(3, 4, dtype=d) * 3 + 0.05)
cnt = inp("poisson/count", torch.tensor([[0, 1, 2, 5], [3, 0, 1, 7], [2, 4, 0, 1]], dtype=d))
cnt_pos = inp("poisson/count_pos", torch.tensor([[0.5, 1, 2, 5], [3, 1.5, 1, 7], [2, 4, 0.25, 1]], dtype=d))
for r in REDUCTIONS:
    case(f"poisson/log/{r}", lambda: F.poisson_nll_loss(xp, cnt, reduction=r), input=xp, target=cnt)
    case(f"poisson/log_full/{r}", lambda: F.poisson_nll_loss(xp, cnt, full=True, reduction=r), input=xp)
    case(f"poisson/log_full_pos/{r}", lambda: F.poisson_nll_loss(xp, cnt_pos, full=True, reduction=r), input=xp, target=cnt_pos)
    case(f"poisson/rate/{r}", lambda: F.poisson_nll_loss(rate, cnt, log_input=False, reduction=r), input=rate, target=cnt)
    case(f"poisson/rate_eps_full/{r}", lambda: F.poisson_nll_loss(rate, cnt_pos, log_input=False, full=True, eps=0.5, reduction=r),
         input=rate, target=cnt_pos)

# ---- gaussian_nll_loss: var of the input's shape (one entry 0 and one below eps: clamped), [3] and [3, 1]
xg = inp("gauss/x", torch.randn(3, 4, dtype=d))
yg = inp("gauss/y", torch.randn(3, 4, dtype=d))
vfull = torch.rand(3, 4, dtype=d) + 0.1
vfull[0, 1] = 0.0
vfull[2, 3] = 1e-8
vg = inp("gauss/var", vfull)
vrow = inp("gauss/var3", torch.rand(3, dtype=d) + 0.2)
vcol = inp("gauss/var31", torch.rand(3, 1, dtype=d) + 0.2)
for r in REDUCTIONS:
    case(f"gauss/full_shape/{r}", lambda: F.gaussian_nll_loss(xg, yg, vg, reduction=r), input=xg, target=yg, var=vg)
    case(f"gauss/full_shape_full_eps/{r}", lambda: F.gaussian_nll_loss(xg, yg, vg, full=True, eps=0.3, reduction=r),
         input=xg, target=yg, var=vg)
    case(f"gauss/var3/{r}", lambda: F.gaussian_nll_loss(xg, yg, vrow, reduction=r), input=xg, target=yg, var=vrow)
    case(f"gauss/var31/{r}", lambda: F.gaussian_nll_loss(xg, yg, vcol, full=True, reduction=r), input=xg, target=yg, var=vcol)

# ---- empty batches: Mean is NaN, Sum 0, None empty
xe0 = torch.zeros(0, 5, dtype=d, requires_grad=True)
te0 = torch.zeros(0, dtype=torch.long)
pe0 = torch.zeros(0, 5, dtype=d)
v0 = torch.zeros(0, dtype=d, requires_grad=True)
for r in REDUCTIONS:
    case(f"empty/ce/{r}", lambda: F.cross_entropy(xe0, te0, reduction=r), input=xe0)
    case(f"empty/ce_weight_smooth/{r}", lambda: F.cross_entropy(xe0, te0, weight=wc, reduction=r, label_smoothing=0.1), input=xe0)
    case(f"empty/ce_prob/{r}", lambda: F.cross_entropy(xe0, pe0, reduction=r), input=xe0)
    case(f"empty/nll/{r}", lambda: F.nll_loss(xe0, te0, reduction=r), input=xe0)
    case(f"empty/bce/{r}", lambda: F.binary_cross_entropy(v0, torch.zeros(0, dtype=d), reduction=r), input=v0)
    case(f"empty/bcel/{r}", lambda: F.binary_cross_entropy_with_logits(v0, torch.zeros(0, dtype=d), reduction=r), input=v0)
    case(f"empty/smooth/{r}", lambda: F.smooth_l1_loss(v0, torch.zeros(0, dtype=d), reduction=r), input=v0)
    case(f"empty/kl/{r}", lambda: F.kl_div(v0, torch.zeros(0, dtype=d), reduction=r), input=v0)
    case(f"empty/poisson/{r}", lambda: F.poisson_nll_loss(v0, torch.zeros(0, dtype=d), reduction=r), input=v0)
    case(f"empty/gauss/{r}", lambda: F.gaussian_nll_loss(v0, torch.zeros(0, dtype=d), torch.ones(0, dtype=d), reduction=r), input=v0)
case("empty/kl/batchmean", lambda: F.kl_div(xe0, torch.zeros(0, 5, dtype=d), reduction="batchmean"), input=xe0)
# every target ignored: Mean is NaN (0 / 0), the gradient 0
tall = torch.full((4,), -100)
for r in REDUCTIONS:
    case(f"all_ignored/ce_smooth/{r}", lambda: F.cross_entropy(xc, tall, reduction=r, label_smoothing=0.1), input=xc)


def literal(v):
    if math.isnan(v):
        return "kNaN"
    if math.isinf(v):
        return "kInf" if v > 0 else "-kInf"
    return repr(v)


print("// Generated by tests/nn/losses_reference.py from torch " + torch.__version__ + "; do not edit.")
print("// name, shape, values (float64; int64 targets as doubles).")
print("static const std::vector<LossReference> kLossReference = {")
for name, shape, values, _ in entries:
    print('    {"%s", {%s}, {%s}},' % (name, ", ".join(str(s) for s in shape), ", ".join(literal(v) for v in values)))
print("};")

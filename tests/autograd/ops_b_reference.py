# PyTorch 1.13's values and gradients for test_ops_unary.cpp. Run: /usr/bin/python3 ops_b_reference.py
# It prints C++ constants, pasted into test_ops_unary.cpp between the "ops_b_reference.py output" markers.
import math

import torch

F = torch.nn.functional
f64 = torch.float64


def cpp(values):
    def one(v):
        if math.isnan(v):
            return "NAN"
        if math.isinf(v):
            return "INFINITY" if v > 0 else "-INFINITY"
        return repr(float(v))
    return "{" + ", ".join(one(v) for v in values) + "}"


def emit(name, tensor):
    print(f"const std::vector<double> {name} = {cpp(tensor.detach().flatten().tolist())};")


def weights(n):
    # Upstream gradient weights, so a gradient summed into the wrong element shows.
    return torch.tensor([(i % 3) - 0.5 + 0.25 * i for i in range(n)], dtype=f64)


def forward_backward(name, fn, values, dtype=f64):
    x = torch.tensor(values, dtype=dtype, requires_grad=True)
    y = fn(x)
    y.backward(weights(y.numel()).to(dtype).reshape(y.shape))
    emit(f"k{name}Values", y)
    emit(f"k{name}Grad", x.grad)


X = [-2.5, -1.2, -0.3, 0.4, 0.9, 1.7, 2.5, 3.3]
TAN = [-1.2, -0.3, 0.4, 0.9, 1.3]
POS = [0.3, 0.8, 1.5, 2.2, 4.0, 7.5]
LOG1P = [-0.5, -0.2, 0.3, 1.5, 4.0]
ROUND = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6, -2.6, 0.49999999999999994, -0.0]

print("// Unary maths, float64; gradients for upstream weights (i % 3) - 0.5 + 0.25 i")
emit("kX", torch.tensor(X, dtype=f64))
for name, fn, values in [
    ("Sin", torch.sin, X), ("Cos", torch.cos, X), ("Tan", torch.tan, TAN), ("Atan", torch.atan, X),
    ("Log1p", torch.log1p, LOG1P), ("Expm1", torch.expm1, X), ("Log2", torch.log2, POS),
    ("Log10", torch.log10, POS), ("Rsqrt", torch.rsqrt, POS), ("Square", torch.square, X),
    ("Frac", torch.frac, X), ("Reciprocal", torch.reciprocal, X), ("Sign", torch.sign, X),
    ("Floor", torch.floor, X), ("Ceil", torch.ceil, X), ("Round", torch.round, ROUND), ("Trunc", torch.trunc, X),
    ("Silu", F.silu, X), ("Mish", F.mish, X), ("Softplus", F.softplus, X),
    ("Softplus2", lambda t: F.softplus(t, beta=2, threshold=3), X),
    ("Elu", lambda t: F.elu(t, alpha=0.7), X),
    ("EluScaled", lambda t: torch.ops.aten.elu(t, 0.7, 1.3, 0.8), X),
    ("Selu", F.selu, X),
    ("Hardtanh", lambda t: F.hardtanh(t, -1.0, 2.0), X + [-1.0, 2.0]),
]:
    forward_backward(name, fn, values)
emit("kRoundInput", torch.tensor(ROUND, dtype=f64))
emit("kHardtanhInput", torch.tensor(X + [-1.0, 2.0], dtype=f64))
DEC = [1.2345, -1.2355, 1234.5678, 0.125, 2.675, -0.0]
emit("kRoundDecimalsInput", torch.tensor(DEC, dtype=f64))
emit("kRoundDecimals2", torch.round(torch.tensor(DEC, dtype=f64), decimals=2))
emit("kRoundDecimalsMinus2", torch.round(torch.tensor(DEC, dtype=f64), decimals=-2))
emit("kRoundDecimals2Float", torch.round(torch.tensor(DEC, dtype=torch.float32), decimals=2))

print("// float32, 40 elements (xtensor's SIMD path): linspace(0.05, 3.95, 40)")
X40 = torch.linspace(0.05, 3.95, 40, dtype=torch.float32)
emit("kX40", X40)
for name, fn in [("Sin", torch.sin), ("Tan", torch.tan), ("Atan", torch.atan), ("Log1p", torch.log1p),
                 ("Expm1", torch.expm1), ("Log2", torch.log2), ("Log10", torch.log10), ("Rsqrt", torch.rsqrt),
                 ("Reciprocal", torch.reciprocal), ("Silu", F.silu), ("Mish", F.mish), ("Frac", torch.frac),
                 ("Round3", lambda t: torch.round(t * 3)), ("Softplus", F.softplus), ("Elu", lambda t: F.elu(t - 2))]:
    emit(f"k{name}40", fn(X40))

print("// maximum / minimum: ties share the gradient, NaN propagates and takes all of it")
A = [1.0, 2.0, 3.0, float("nan"), 5.0, -1.0]
B = [1.0, 3.0, 2.0, 4.0, float("nan"), -1.0]
for name, fn in [("Maximum", torch.maximum), ("Minimum", torch.minimum)]:
    a = torch.tensor(A, dtype=f64, requires_grad=True)
    b = torch.tensor(B, dtype=f64, requires_grad=True)
    y = fn(a, b)
    y.backward(weights(6))
    emit(f"k{name}Values", y)
    emit(f"k{name}GradA", a.grad)
    emit(f"k{name}GradB", b.grad)
    a = torch.tensor([[1.0, 5.0, 2.0], [3.0, 0.0, 2.0]], dtype=f64, requires_grad=True)
    b = torch.tensor([2.0, 1.0, 2.0], dtype=f64, requires_grad=True)
    y = fn(a, b)
    y.backward(weights(6).reshape(2, 3))
    emit(f"k{name}BroadcastValues", y)
    emit(f"k{name}BroadcastGradA", a.grad)
    emit(f"k{name}BroadcastGradB", b.grad)

print("// clamp_min / clamp_max at 0.4 (an element equals it: gradient passes there)")
forward_backward("ClampMin", lambda t: torch.clamp_min(t, 0.4), X)
forward_backward("ClampMax", lambda t: torch.clamp_max(t, 0.4), X)

print("// lerp")
S, E = [1.0, 2.0, -3.0, 4.0], [5.0, -6.0, 7.0, 8.0]
for name, w in [("Lerp03", 0.3), ("Lerp08", 0.8)]:
    s = torch.tensor(S, dtype=f64, requires_grad=True)
    e = torch.tensor(E, dtype=f64, requires_grad=True)
    y = torch.lerp(s, e, w)
    y.backward(weights(4))
    emit(f"k{name}Values", y)
    emit(f"k{name}GradSelf", s.grad)
    emit(f"k{name}GradEnd", e.grad)
s = torch.tensor(S, dtype=f64, requires_grad=True)
e = torch.tensor([E, [0.5, 1.5, -2.5, 3.5]], dtype=f64, requires_grad=True)
w = torch.tensor([0.1, 0.5, 0.9, 1.2], dtype=f64, requires_grad=True)
y = torch.lerp(s, e, w)
y.backward(weights(8).reshape(2, 4))
emit("kLerpTensorValues", y)
emit("kLerpTensorGradSelf", s.grad)
emit("kLerpTensorGradEnd", e.grad)
emit("kLerpTensorGradWeight", w.grad)

print("// addcmul / addcdiv: self [3], tensor1 [2, 1], tensor2 [2, 3], value 0.5")
for name, fn in [("Addcmul", torch.addcmul), ("Addcdiv", torch.addcdiv)]:
    s = torch.tensor([1.0, -2.0, 3.0], dtype=f64, requires_grad=True)
    t1 = torch.tensor([[1.5], [-0.5]], dtype=f64, requires_grad=True)
    t2 = torch.tensor([[2.0, -1.0, 0.5], [4.0, 0.25, -3.0]], dtype=f64, requires_grad=True)
    y = fn(s, t1, t2, value=0.5)
    y.backward(weights(6).reshape(2, 3))
    emit(f"k{name}Values", y)
    emit(f"k{name}GradSelf", s.grad)
    emit(f"k{name}GradT1", t1.grad)
    emit(f"k{name}GradT2", t2.grad)
print("// integer addcmul with value 0.5 (the value is cast to int64 first): ",
      torch.addcmul(torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([5, 6]), value=0.5).tolist(),
      torch.addcmul(torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([5, 6]), value=2).tolist())

print("// remainder / fmod, float64; the divisor's gradient is -floor_divide(a, b) (1.0 / 0.1 gives 9) or -trunc(a / b)")
RA = [5.5, -5.5, 5.5, -5.5, 1.0, 0.3, -0.0, 7.0, 1.0, -1.0]
RB = [2.0, 2.0, -2.0, -2.0, 0.1, 0.1, 3.0, 3.5, float("inf"), float("inf")]
emit("kModA", torch.tensor(RA, dtype=f64))
emit("kModB", torch.tensor(RB, dtype=f64))
for name, fn in [("Remainder", torch.remainder), ("Fmod", torch.fmod)]:
    a = torch.tensor(RA[:8], dtype=f64, requires_grad=True)
    b = torch.tensor(RB[:8], dtype=f64, requires_grad=True)
    y = fn(a, b)
    y.backward(weights(8))
    emit(f"k{name}Values", fn(torch.tensor(RA, dtype=f64), torch.tensor(RB, dtype=f64)))
    emit(f"k{name}GradA", a.grad)
    emit(f"k{name}GradB", b.grad)
IA, IB = [7, -7, 7, -7, 0, 9, -9007199254740991], [3, 3, -3, -3, 5, -1, 2]
emit("kRemainderInt", torch.remainder(torch.tensor(IA), torch.tensor(IB)))
emit("kFmodInt", torch.fmod(torch.tensor(IA), torch.tensor(IB)))
emit("kRemainderIntScalar", torch.remainder(torch.tensor([-3, 3, 5, -5]), 2.5))
emit("kFmodIntScalar", torch.fmod(torch.tensor([-3, 3, 5, -5]), -2))

# Values for tests/nn/test_holders.cpp, printed by torch 1.13 (run with /usr/bin/python3).
import torch

torch.set_printoptions(precision=17)
x = torch.tensor([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0], dtype=torch.float64, requires_grad=True)
y = torch.nn.GELU(approximate="tanh")(x)
y.sum().backward()
print("gelu tanh", [float(v) for v in y], "grad", [float(v) for v in x.grad])

# ReLU(inplace=True) and LeakyReLU(0.2, inplace=True) on a non-leaf: the gradient reaches the leaf.
for name, module in [("relu", torch.nn.ReLU(inplace=True)), ("leaky_relu", torch.nn.LeakyReLU(0.2, inplace=True))]:
    a = torch.tensor([-2.0, 0.5, 3.0], dtype=torch.float64, requires_grad=True)
    h = a * 3.0
    out = module(h)
    assert out is h
    (out * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    print(name, "inplace values", [float(v) for v in h], "leaf grad", [float(v) for v in a.grad])

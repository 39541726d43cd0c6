# PyTorch 1.13's numbers for the view tests in test_views.cpp. Run: /usr/bin/python3 views_reference.py
import torch

torch.set_default_dtype(torch.float64)

a = torch.arange(4.0, requires_grad=True)
x = a * 1
x[0] *= 2
x.sum().backward()
print("x[0] *= 2:", a.grad.tolist())

a = torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], requires_grad=True)
y = a.exp()
y.t()[0].mul_(3)
try:
    y.sum().backward()
except RuntimeError as e:
    print("exp output modified through a view:", str(e)[:60])
x = a * 2
x.t()[0].mul_(3)
(x ** 2).sum().backward()
print("t()[0].mul_(3) then squares:", [round(v, 12) for v in a.grad.flatten().tolist()])

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
x = a * a
v1, v2 = x[0], x[1]
v1 *= 3
(v2 * 2 + v1).backward()
print("sibling views:", a.grad.tolist(), "v2 grad_fn:", type(v2.grad_fn).__name__)

w = torch.tensor(5.0, requires_grad=True)
x = torch.zeros(3)
x[1] = w
print("x[1] = w:", x.tolist(), x.requires_grad)
(x * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
print("w.grad:", w.grad.item())

m = torch.arange(6.0).reshape(2, 3)
print("strides t:", m.t().stride(), "offset m[1]:", m[1].storage_offset(), "diag:", m.diagonal(1).tolist(),
      m.diagonal(1).stride(), m.diagonal(1).storage_offset())
print("slice step 2:", torch.arange(10.0)[1:8:3].tolist(), torch.arange(10.0)[1:8:3].stride())
try:
    m.t().view(6)
except RuntimeError as e:
    print("view error:", str(e).splitlines()[0])
print("reshape of t:", m.t().reshape(6).tolist(), m.t().reshape(6)._base is None)
print("expand strides:", torch.ones(3, 1).expand(3, 4).stride())

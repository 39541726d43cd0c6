# PyTorch 1.13's results for test_indexing.cpp. Run: /usr/bin/python3 indexing_reference.py
import torch

x = torch.arange(24.0).reshape(2, 3, 4)
print("x[0:2, 1]:", x[0:2, 1].tolist())
print("x[..., None].shape:", list(x[..., None].shape), "x[None, 1].shape:", list(x[None, 1].shape))
print("x[1, ..., 1:4:2]:", x[1, ..., 1:4:2].tolist())
print("x[:, torch.tensor([2, 0])]:", x[:, torch.tensor([2, 0])].flatten().tolist(), list(x[:, torch.tensor([2, 0])].shape))
mask = x[0] > 5
print("x[0][mask]:", x[0][mask].tolist())
print("x[:, mask] shape:", list(x[:, mask].shape), x[:, mask].flatten().tolist())
print("x[True].shape:", list(x[True].shape), "x[False].shape:", list(x[False].shape))
i2 = torch.tensor([[0, 1], [1, 0]])
print("x[1, i2] shape:", list(x[1, i2].shape), x[1, i2].flatten().tolist())
y = torch.zeros(3, 4)
y[1:, torch.tensor([0, 3])] = torch.tensor([5.0, 6.0])
print("index_put_ tensor:", y.flatten().tolist())
y = torch.zeros(3, 4)
y[y.sum(1, keepdim=True).expand(3, 4) == 0] = 2.0
y[0, 1:3] = torch.tensor([7.0, 8.0])
print("index_put_ mask + slice:", y.flatten().tolist())
a = torch.arange(6.0, requires_grad=True)
b = a * 1
b[torch.tensor([0, 2])] = torch.tensor([10.0, 20.0])
(b * torch.arange(6.0)).sum().backward()
print("grad through index_put_:", a.grad.tolist())
a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
(a[torch.tensor([1, 1, 0])] * 2).sum().backward()
print("grad through index:", a.grad.tolist())

# Several index tensors (advanced indexing): broadcast together; adjacent indexed dims keep their place,
# separated ones go first.
x = torch.arange(24.0).reshape(2, 3, 4)
i, j = torch.tensor([0, 1]), torch.tensor([1, 2])
print("x[i, j]:", list(x[i, j].shape), x[i, j].flatten().tolist())
print("x[:, [0, 2], [1, 3]]:", list(x[:, [0, 2], [1, 3]].shape), x[:, [0, 2], [1, 3]].flatten().tolist())
print("x[[0, 1], :, [1, 3]]:", list(x[[0, 1], :, [1, 3]].shape), x[[0, 1], :, [1, 3]].flatten().tolist())
print("x[[[0], [1]], [0, 2]]:", list(x[[[0], [1]], [0, 2]].shape), x[[[0], [1]], [0, 2]].flatten().tolist())
print("x[1, [0, 2], -1]:", x[1, [0, 2], -1].tolist())
y = x.permute(2, 0, 1)  # strided, [4, 2, 3]
m = y.sum(2) > 30
print("y[m] (mask over two dims of a strided tensor):", list(y[m].shape), y[m].flatten().tolist())
print("x[:, m2] with a 2-d mask after a slice:", x[:, torch.tensor([[True, False, True, False]] * 3)].tolist())
z = torch.zeros(2, 3, 4)
z[[0, 1], [1, 2]] = torch.tensor([1.0, 2.0, 3.0, 4.0])
print("index_put_ two tensors:", z.flatten().tolist())
z = torch.zeros(4, 2, 3).permute(1, 2, 0)  # a strided [2, 3, 4]
z[[1, 0], :, [3, 0]] = 5.0
print("index_put_ on a strided tensor:", z.flatten().tolist())
w = torch.zeros(3, 4).t()  # strided [4, 3]
w[w.sum(1) == 0] = torch.arange(3.0)
print("index_put_ mask on a transposed tensor:", w.flatten().tolist())
a = torch.arange(12.0, requires_grad=True)
b = a.reshape(3, 4) * 1
v = torch.tensor([10.0, 20.0], requires_grad=True)
b[[0, 2], [1, 3]] = v
(b * torch.arange(12.0).reshape(3, 4)).sum().backward()
print("grads through index_put_ with two tensors:", a.grad.tolist(), v.grad.tolist())
a = torch.arange(12.0, requires_grad=True)
(a.reshape(3, 4)[[0, 0, 2], [1, 1, 3]] * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
print("grad through repeated positions:", a.grad.tolist())

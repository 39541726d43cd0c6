# Prints PyTorch 1.13's results for every core op on zero-size and 0-d inputs; the expectations in
# test_adversarial_autograd.cpp were taken from this output. Run: /usr/bin/python3 empty_reference.py
import torch

torch.set_default_dtype(torch.float64)


def show(name, fn, *shapes):
    xs = [torch.zeros(s, requires_grad=True) for s in shapes]
    try:
        y = fn(*xs)
    except Exception as e:  # noqa: BLE001
        print(f"{name}: error: {str(e).splitlines()[0]}")
        return
    values = y.detach().flatten().tolist()[:6]
    grads = ""
    if y.requires_grad:
        y.sum().backward()
        grads = " grads " + " ".join(str(list(x.grad.shape)) if x.grad is not None else "None" for x in xs)
    print(f"{name}: shape {list(y.shape)} values {values}{grads}")


show("sum dim 1 of [0,3]", lambda x: x.sum(1), (0, 3))
show("sum dim 0 of [0,3]", lambda x: x.sum(0), (0, 3))
show("sum dim 1 of [2,0,3]", lambda x: x.sum(1), (2, 0, 3))
show("sum dims 0,2 of [2,0,3] keepdim", lambda x: x.sum((0, 2), keepdim=True), (2, 0, 3))
show("sum of [0,3]", lambda x: x.sum(), (0, 3))
show("mean of [0,3]", lambda x: x.mean(), (0, 3))
show("mean dim 0 of [0,3]", lambda x: x.mean(0), (0, 3))
show("mean dim 1 of [0,3]", lambda x: x.mean(1), (0, 3))
show("max of [0,3]", lambda x: x.max(), (0, 3))
show("matmul [2,3,0]@[0,4]", lambda a, b: a @ b, (2, 3, 0), (0, 4))
show("matmul [2,0]@[0,3]", lambda a, b: a @ b, (2, 0), (0, 3))
show("matmul [0,3]@[3,4]", lambda a, b: a @ b, (0, 3), (3, 4))
show("matmul [0]@[0]", lambda a, b: a @ b, (0,), (0,))
show("matmul [2,0,3]@[2,3,4]", lambda a, b: a @ b, (2, 0, 3), (2, 3, 4))
show("softmax dim 1 of [0,3]", lambda x: x.softmax(1), (0, 3))
show("softmax dim 1 of [3,0]", lambda x: x.softmax(1), (3, 0))
show("log_softmax dim 1 of [0,3]", lambda x: x.log_softmax(1), (0, 3))
show("log_softmax dim 0 of [0,3]", lambda x: x.log_softmax(0), (0, 3))
show("sum_to [0,3] -> [0,1]", lambda x: x.sum(1, keepdim=True), (0, 3))
show("add [0,3]+[3]", lambda a, b: a + b, (0, 3), (3,))
show("mul [0,1]*[1,3]", lambda a, b: a * b, (0, 1), (1, 3))
show("div [0]/[]", lambda a, b: a / b, (0,), ())
show("pow [0]^[0]", lambda a, b: a ** b, (0,), (0,))
show("exp [0,3]", lambda x: x.exp(), (0, 3))
show("relu [0]", lambda x: x.relu(), (0,))
show("clamp [0]", lambda x: x.clamp(-1, 1), (0,))
show("transpose [0,3]", lambda x: x.t(), (0, 3))
show("transpose [2,0,3] 0,2", lambda x: x.transpose(0, 2), (2, 0, 3))
show("reshape [0,3] -> [-1,3]", lambda x: x.reshape(-1, 3), (0, 3))
show("reshape [0,3] -> [3,-1]", lambda x: x.reshape(3, -1), (0, 3))
show("reshape [0,3] -> [-1,0]", lambda x: x.reshape(-1, 0), (0, 3))
show("unsqueeze [0]", lambda x: x.unsqueeze(0), (0,))
show("squeeze [0,1]", lambda x: x.squeeze(), (0, 1))
show("expand [0,1] -> [0,3]", lambda x: x.expand(0, 3), (0, 1))
show("slice [5] 2:2", lambda x: x[2:2], (5,))
show("index_select [0,3] dim 1 []", lambda x: x.index_select(1, torch.tensor([], dtype=torch.long)), (0, 3))
show("index_select [3] []", lambda x: x.index_select(0, torch.tensor([], dtype=torch.long)), (3,))
show("cat [0,3],[2,3]", lambda a, b: torch.cat([a, b]), (0, 3), (2, 3))
show("cat [0],[2,3]", lambda a, b: torch.cat([a, b]), (0,), (2, 3))
show("cat [2,3],[0] dim 1", lambda a, b: torch.cat([a, b], 1), (2, 3), (0,))
show("stack [0,3],[0,3]", lambda a, b: torch.stack([a, b]), (0, 3), (0, 3))
show("select [0,3] 0", lambda x: x[0], (0, 3))
show("squeeze 0-d dim 5", lambda x: x.squeeze(5), ())
show("squeeze 0-d dim 0", lambda x: x.squeeze(0), ())
show("squeeze 0-d dim -1", lambda x: x.squeeze(-1), ())
show("size 0 of 0-d", lambda x: x.new_zeros(x.size(0)), ())
show("t of 0-d", lambda x: x.t(), ())
show("sum dim 0 of 0-d", lambda x: x.sum(0), ())
show("softmax of 0-d", lambda x: x.softmax(0), ())
show("cat 0-d", lambda a, b: torch.cat([a, b]), (), ())
x = torch.tensor([1.0, float("nan"), 3.0, float("nan")], requires_grad=True)
x.max().backward()
print("max with NaNs: grad", x.grad.tolist())
x = torch.tensor([1.0, float("nan"), 3.0], requires_grad=True)
x.min().backward()
print("min with a NaN: grad", x.grad.tolist())
print("item<int> of nan:", end=" ")
try:
    print(int(torch.tensor(float("nan")).item()))
except Exception as e:  # noqa: BLE001
    print("error:", e)

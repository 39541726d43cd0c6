# PyTorch 1.13's values and gradients for test_ops_layout.cpp. Run: /usr/bin/python3 ops_layout_reference.py
# It prints C++ constants, pasted into test_ops_layout.cpp between the "ops_layout_reference.py output" markers.
# Gradients are of (f(inputs) * w).sum() with w_i = (i % 3) - 0.5 + 0.25 i over the output's elements.
import math

import torch

f64 = torch.float64
F = torch.nn.functional


def cpp(values):
    def one(v):
        if isinstance(v, bool):
            return "1" if v else "0"
        if math.isnan(v):
            return "NAN"
        if math.isinf(v):
            return "INFINITY" if v > 0 else "-INFINITY"
        return repr(float(v))
    return "{" + ", ".join(one(v) for v in values) + "}"


def emit(name, tensor):
    print(f"const std::vector<double> {name} = {cpp(tensor.detach().flatten().tolist())};")


def emit_shape(name, tensor):
    print(f"const xg::Shape {name}Shape = {{{', '.join(str(s) for s in tensor.shape)}}};")


def weights(n):
    return torch.tensor([(i % 3) - 0.5 + 0.25 * i for i in range(n)], dtype=f64)


def seq(shape, k=7, m=11):
    # ((i * k) % m - 5) / 4: signs, ties and a zero; the C++ test builds the same inputs.
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((i * k) % m - 5) / 4 for i in range(n)], dtype=f64).reshape(shape)


def case(name, fn, *inputs):
    """Values (and shape) of fn(*inputs), and the gradient of every float64 input."""
    leaves = [x.clone().requires_grad_(True) if x.dtype == f64 else x for x in inputs]
    y = fn(*leaves)
    emit(f"k{name}", y)
    emit_shape(f"k{name}", y)
    if y.dtype == f64 and any(x.requires_grad for x in leaves if isinstance(x, torch.Tensor)):
        y.backward(weights(y.numel()).reshape(y.shape))
        for i, x in enumerate(leaves):
            if isinstance(x, torch.Tensor) and x.requires_grad:
                emit(f"k{name}Grad{i}", x.grad)


long = torch.long
A = seq((3, 4))
CUBE = seq((2, 3, 4))
print("// Inputs: seq(shape) = ((i * 7) % 11 - 5) / 4 in row-major order")
emit("kSeq34", A)

print("// gather")
case("GatherDim1", lambda x: x.gather(1, torch.tensor([[0, 3, 3], [2, 1, 0], [1, 1, 1]])), A)
case("GatherDim0", lambda x: x.gather(0, torch.tensor([[2, 0, 1, 1], [0, 0, 2, 1]])), A)
case("GatherNegDim", lambda x: x.gather(-1, torch.tensor([[[3], [0], [2]], [[1], [1], [0]]])), CUBE)
case("GatherTransposed", lambda x: x.t().gather(0, torch.tensor([[1, 2, 0], [3, 3, 3]])), A)
case("GatherCubeDim1", lambda x: x.gather(1, torch.tensor([[[2, 0, 1, 1]], [[0, 2, 2, 1]]])), CUBE)

print("// scatter / scatter_add (duplicated positions: scatter keeps the last write, scatter_add sums)")
SRC = seq((3, 2), 5, 13)
emit("kSeq32", SRC)
case("ScatterDim1", lambda x, s: x.scatter(1, torch.tensor([[1, 0], [3, 3], [2, 0]]), s), A, SRC)
case("ScatterValue", lambda x: x.scatter(0, torch.tensor([[0, 1, 2, 0]]), -2.5), A)
case("ScatterAddDim1", lambda x, s: x.scatter_add(1, torch.tensor([[1, 0], [3, 3], [2, 0]]), s), A, SRC)
case("ScatterAddDim0", lambda x, s: x.scatter_add(0, torch.tensor([[2, 2], [0, 2], [2, 1]]), s), A, SRC)
# A src larger than the index: only its leading block is read (forward only: PyTorch 1.13's backward fails).
case("ScatterLargeSrc", lambda x: x.scatter(0, torch.tensor([[1, 0, 2]]), seq((3, 4), 5, 13)), A.detach())
case("ScatterLong", lambda x: x.scatter(1, torch.tensor([[0, 0], [1, 2]]), torch.tensor([[7, 8], [9, 10]])),
     torch.arange(6).reshape(2, 3))
case("ScatterAddLong", lambda x: x.scatter_add(1, torch.tensor([[0, 0], [1, 2]]), torch.tensor([[7, 8], [9, 10]])),
     torch.arange(6).reshape(2, 3))

print("// index_add")
case("IndexAddDim0", lambda x, s: x.index_add(0, torch.tensor([2, 0, 2]), s), A, seq((3, 4), 3, 7))
case("IndexAddAlpha", lambda x, s: x.index_add(0, torch.tensor([2, 0, 2]), s, alpha=-0.5), A, seq((3, 4), 3, 7))
case("IndexAddDim1", lambda x, s: x.index_add(1, torch.tensor([3, 1]), s, alpha=2), A, SRC)
case("IndexAddInt32", lambda x, s: x.index_add(-1, torch.tensor([0, 0], dtype=torch.int32), s), A, SRC)
case("IndexAddLongAlpha", lambda x: x.index_add(0, torch.tensor([1, 1]), torch.tensor([[1, 2, 3], [4, 5, 6]]), alpha=3),
     torch.arange(6).reshape(2, 3))

print("// masked_select, nonzero")
MASK = A > 0
emit("kMask34", MASK.double())
case("MaskedSelect", lambda x: x.masked_select(A > 0), A)
case("MaskedSelectMaskBroadcast", lambda x: x.masked_select(torch.tensor([True, False, False, True])), A)
case("MaskedSelectSelfBroadcast", lambda x: x.masked_select(A > 0), seq((4,), 3, 7))
# The C++ test selects from x.t() itself. PyTorch 1.13's gradient for a non-contiguous input is wrong (its
# backward masked_scatter_s into a zeros_like that keeps the transposed strides, and fills it in memory order:
# torch.autograd.gradcheck fails on it), so the reference gradient comes from a contiguous copy: same values.
case("MaskedSelectTransposed", lambda x: x.t().contiguous().masked_select(A.t() < 0), A)
case("Nonzero", lambda x: x.nonzero(), CUBE)
case("NonzeroFlat", lambda x: x.nonzero(), torch.tensor([0.0, 2.0, float('nan'), -0.0, 1.0], dtype=f64))

print("// flip, roll, repeat, tile")
case("Flip0", lambda x: x.flip([0]), CUBE)
case("Flip12", lambda x: x.flip([1, -1]), CUBE)
case("FlipTransposed", lambda x: x.transpose(0, 2).flip([0, 2]), CUBE)
case("Roll0", lambda x: x.roll(1, 0), CUBE)
case("RollTwo", lambda x: x.roll([1, -5], [2, 1]), CUBE)
case("RollFlat", lambda x: x.roll(5), CUBE)
case("RollTransposed", lambda x: x.t().roll(-1, 0), A)
case("Repeat", lambda x: x.repeat(2, 1, 3), A[:2, :3])
case("RepeatSliced", lambda x: x[:, 1::2].repeat(2, 2), A)
case("RepeatScalar", lambda x: x.repeat(3, 2), torch.tensor(1.5, dtype=f64))
case("Tile", lambda x: x.tile([2]), A[:2, :3])
case("TileMore", lambda x: x.tile([2, 1, 2]), A[:2, :3])

print("// chunk, split, unbind: a weighted sum of the pieces, so each piece's gradient shows")
case("Chunk", lambda x: torch.cat([c * (i + 1) for i, c in enumerate(x.chunk(3, 1))], 1), A)
case("Split", lambda x: torch.cat([c * (i + 1) for i, c in enumerate(x.split([1, 3], -1))], 1), A)
case("Unbind", lambda x: torch.stack([c * (i + 1) for i, c in enumerate(x.unbind(1))], 0), A)

print("// outer, dot, mv, bmm")
V3 = seq((3,), 5, 13)
V4 = seq((4,), 3, 7)
case("Outer", lambda a, b: torch.outer(a, b), V3, V4)
case("Dot", lambda a, b: torch.dot(a, b), V4, seq((4,), 5, 9))
case("Mv", lambda m, v: torch.mv(m, v), A, V4)
case("Bmm", lambda a, b: torch.bmm(a, b), CUBE, seq((2, 4, 2), 5, 13))
case("BmmTransposed", lambda a, b: torch.bmm(a.transpose(1, 2), b), seq((2, 4, 3), 3, 7), seq((2, 4, 2), 5, 13))

print("// einsum")
B = seq((4, 5), 5, 13)
case("EinsumMatmul", lambda a, b: torch.einsum('ij,jk->ik', a, b), A, B)
case("EinsumBatched", lambda a, b: torch.einsum('bij,bjk->bik', a, b), CUBE, seq((2, 4, 2), 5, 13))
case("EinsumBatchedT", lambda a, b: torch.einsum('bij,bkj->bik', a, b), CUBE, seq((2, 5, 4), 5, 13))
case("EinsumAttention", lambda q, k: torch.einsum('bhqd,bhkd->bhqk', q, k), seq((2, 2, 3, 4)), seq((2, 2, 5, 4), 5, 13))
case("EinsumImplicit", lambda a, b: torch.einsum('ij,kj', a, b), A, seq((2, 4), 5, 13))
case("EinsumImplicitOrder", lambda a, b: torch.einsum('ba,Ab', a, b), A, seq((2, 3), 5, 13))
case("EinsumTranspose", lambda a: torch.einsum('ijk->kji', a), CUBE)
case("EinsumDiagonal", lambda a: torch.einsum('ii->i', a), seq((3, 3)))
case("EinsumTrace", lambda a: torch.einsum('ii', a), seq((3, 3)))
case("EinsumBatchDiag", lambda a: torch.einsum('iij->j', a), seq((3, 3, 2)))
case("EinsumSumAll", lambda a: torch.einsum('ij->', a), A)
case("EinsumSumRows", lambda a: torch.einsum('ijk->j', a), CUBE)
case("EinsumInner", lambda a, b: torch.einsum('i,i', a, b), V4, seq((4,), 5, 9))
case("EinsumOuter", lambda a, b: torch.einsum('i,j->ij', a, b), V3, V4)
case("EinsumMatVec", lambda a, b: torch.einsum('ij,j->i', a, b), A, V4)
case("EinsumEllipsis", lambda a, b: torch.einsum('...ij,...jk->...ik', a, b), CUBE, seq((4, 2), 5, 13))
case("EinsumEllipsisImplicit", lambda a: torch.einsum('i...', a), CUBE)
case("EinsumHadamardSum", lambda a, b: torch.einsum('ij,ij->j', a, b), A, seq((3, 4), 5, 13))
case("EinsumOnlyOneSide", lambda a, b: torch.einsum('ij,kl->ik', a, b), A, seq((2, 5), 5, 13))
case("EinsumBroadcast", lambda a, b: torch.einsum('bij,bjk->bik', a, b), seq((1, 3, 4)), seq((2, 4, 2), 5, 13))
case("EinsumBroadcastContracted", lambda a, b: torch.einsum('ij,jk->ik', a, b), seq((3, 1)), seq((4, 2), 5, 13))
case("EinsumDiagProduct", lambda a, b: torch.einsum('ii,ij->j', a, b), seq((3, 3)), seq((3, 2), 5, 13))
case("EinsumLong", lambda a, b: torch.einsum('ij,jk', a, b), torch.arange(6).reshape(2, 3), torch.arange(6).reshape(3, 2) - 2)
case("EinsumLongSum", lambda a: torch.einsum('ij->j', a), torch.arange(6, dtype=torch.int32).reshape(2, 3))

print("// tril, triu")
case("Tril", lambda x: x.tril(), A)
case("TrilNeg", lambda x: x.tril(-1), A)
case("Triu1", lambda x: x.triu(1), A)
case("TriuNeg", lambda x: x.triu(-1), CUBE)
case("TrilBatchTransposed", lambda x: x.transpose(1, 2).tril(1), CUBE)

print("// one_hot")
case("OneHot", lambda x: F.one_hot(x), torch.tensor([[0, 2], [3, 1]]))
case("OneHotClasses", lambda x: F.one_hot(x, 5), torch.tensor([4, 0, 2]))

print("// in place (on a non-leaf, and through a view: the base takes the history)")
IDX = torch.tensor([[2, 0, 2]])


def scatter_view(x, s):
    y = x * 1
    y[1:, 1:].scatter_(1, torch.tensor([[2, 0], [1, 1]]), s)
    return y


case("ScatterInplace", lambda x, s: (x * 2).scatter_(1, IDX, s), seq((2, 3)), seq((1, 3), 5, 13))
case("ScatterValueInplace", lambda x: (x * 2).scatter_(0, torch.tensor([[1, 0, 1]]), 4.0), seq((2, 3)))
case("ScatterAddInplace", lambda x, s: (x * 1).scatter_add_(1, IDX, s), seq((2, 3)), seq((1, 3), 5, 13))
case("IndexAddInplace", lambda x, s: (x * 1).index_add_(0, torch.tensor([1, 1]), s, alpha=2), seq((2, 3)), seq((2, 3), 5, 13))
case("TrilInplace", lambda x: (x * 1).tril_(-1), A)
case("TriuInplace", lambda x: (x * 1).triu_(1), A)
case("ScatterInplaceView", scatter_view, A, seq((2, 2), 5, 13))

print("// empty and 0-d tensors (shapes)")
case("GatherEmpty", lambda x: x.gather(1, torch.zeros(5, 0, dtype=long)), A)
case("GatherScalar", lambda x: x.gather(0, torch.tensor([0, 0])), torch.tensor(2.5, dtype=f64))
case("ScatterScalar", lambda x, s: x.scatter(0, torch.tensor(0), s), torch.tensor(2.5, dtype=f64), torch.tensor(-1.0, dtype=f64))
case("IndexAddScalar", lambda x, s: x.index_add(0, torch.tensor([0, 0]), s), torch.tensor(1.0, dtype=f64), torch.tensor([2.0, 3.0], dtype=f64))
case("MaskedSelectScalar", lambda x: x.masked_select(torch.tensor(True)), torch.tensor(2.0, dtype=f64))
case("MaskedSelectEmpty", lambda x: x.masked_select(torch.zeros(0, 3, dtype=torch.bool)), torch.zeros(0, 3, dtype=f64))
case("NonzeroScalar", lambda x: x.nonzero(), torch.tensor(2.0, dtype=f64))
case("NonzeroEmpty", lambda x: x.nonzero(), torch.zeros(0, 3, dtype=f64))
case("FlipEmpty", lambda x: x.flip([0, 1]), torch.zeros(0, 3, dtype=f64))
case("RollEmpty", lambda x: x.roll(1, 0), torch.zeros(0, 3, dtype=f64))
case("RollScalar", lambda x: x.roll(1), torch.tensor(2.0, dtype=f64))
case("RepeatZero", lambda x: x.repeat(0, 2), A[:2, :3])
case("TrilEmpty", lambda x: x.tril(), torch.zeros(0, 3, dtype=f64))
case("BmmEmpty", lambda a, b: torch.bmm(a, b), torch.zeros(2, 2, 0, dtype=f64), torch.zeros(2, 0, 3, dtype=f64))
case("EinsumEmpty", lambda a, b: torch.einsum('ij,jk->ik', a, b), torch.zeros(2, 0, dtype=f64), torch.zeros(0, 3, dtype=f64))
case("DotEmpty", lambda a, b: torch.dot(a, b), torch.zeros(0, dtype=f64), torch.zeros(0, dtype=f64))
case("OneHotEmpty", lambda x: F.one_hot(x, 3), torch.zeros(0, dtype=long))
case("OneHotScalar", lambda x: F.one_hot(x), torch.tensor(2))
print("// chunk/split of an empty dim: shapes of the pieces")
for name, pieces in [("ChunkEmpty", torch.zeros(0, 3).chunk(3)), ("SplitEmpty", torch.zeros(0, 3).split(2)),
                     ("ChunkUneven", torch.zeros(7).chunk(3)), ("ChunkFewer", torch.zeros(2, 3).chunk(5, 1)),
                     ("SplitSizesZero", torch.zeros(2, 3).split([0, 3, 0], 1))]:
    print(f"const std::vector<xg::Shape> k{name} = {{{', '.join('{' + ', '.join(str(s) for s in p.shape) + '}' for p in pieces)}}};")

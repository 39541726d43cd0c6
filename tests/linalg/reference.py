#!/usr/bin/python3
"""Writes tests/linalg/reference_data.hpp: torch.linalg 1.13's values and gradients that test_linalg.cpp checks
xg::linalg against. Needs Debian's python3-torch (run it with /usr/bin/python3); CI only reads the header.

Every case is inputs -> outputs (float64, random, well-conditioned, seed 19). The gradients are those of
loss = sum_j sum(W_j * output_j) for random weights W_j, also stored. Outputs that LAPACK defines only up to a
sign per column (eigenvectors, singular vectors) enter the loss as elementwise squares, which do not depend on
those signs; their raw values are stored too and compared column by column up to sign.
"""
import math
import os

import torch

torch.manual_seed(19)
dt = torch.float64
entries = []


def put(name, t):
    entries.append((name, torch.as_tensor(t).detach().to(torch.float64).contiguous()))


def well(n, batch=()):
    """A random matrix with a dominant diagonal: well-conditioned, any sign of determinant."""
    return torch.randn(*batch, n, n, dtype=dt) + n * torch.eye(n, dtype=dt)


def spd(n, batch=()):
    M = torch.randn(*batch, n, n, dtype=dt)
    return M @ M.mT + n * torch.eye(n, dtype=dt)


def sym(n, batch=()):
    M = torch.randn(*batch, n, n, dtype=dt)
    return M + M.mT


def case(name, fn, inputs):
    """fn(*inputs) -> output or tuple of outputs, all differentiable."""
    ins = [x.clone().requires_grad_(True) for x in inputs]
    outs = fn(*ins)
    if not isinstance(outs, tuple):
        outs = (outs,)
    for i, x in enumerate(ins):
        put(f"{name}.in{i}", x)
    loss = 0
    for j, o in enumerate(outs):
        put(f"{name}.out{j}", o)
        W = torch.randn(o.shape, dtype=dt)
        put(f"{name}.w{j}", W)
        loss = loss + (W * o).sum()
    for i, g in enumerate(torch.autograd.grad(loss, ins)):
        put(f"{name}.grad{i}", g)


def values(name, fn, inputs):
    """Values only (no gradient defined or wanted)."""
    outs = fn(*inputs)
    if not isinstance(outs, tuple):
        outs = (outs,)
    for i, x in enumerate(inputs):
        put(f"{name}.in{i}", x)
    for j, o in enumerate(outs):
        put(f"{name}.out{j}", o)


L = torch.linalg

# solve: matrix and vector right-hand sides, batched, broadcast batch dims.
case("solve", L.solve, [well(4), torch.randn(4, 2, dtype=dt)])
case("solve_vector", L.solve, [well(3), torch.randn(3, dtype=dt)])
case("solve_batched", L.solve, [well(3, (2,)), torch.randn(2, 3, 2, dtype=dt)])
case("solve_batched_vector", L.solve, [well(3, (2,)), torch.randn(2, 3, dtype=dt)])
case("solve_broadcast", L.solve, [well(3, (2, 1)), torch.randn(3, 3, 2, dtype=dt)])
case("inv", L.inv, [well(4)])
case("inv_batched", L.inv, [well(3, (2,))])
negative = well(3)
negative[[0, 1]] = negative[[1, 0]]  # a row swap: negative determinant
case("det", L.det, [well(4)])
case("det_negative", L.det, [negative])
case("det_batched", L.det, [well(3, (2, 2))])
case("slogdet", lambda A: L.slogdet(A)[1], [well(4)])
case("slogdet_batched", lambda A: L.slogdet(A)[1], [torch.stack([well(3), negative])])
values("slogdet_sign", lambda A: L.slogdet(A)[0], [torch.stack([well(3), negative])])
case("cholesky", L.cholesky, [spd(4)])
case("cholesky_upper", lambda A: L.cholesky(A, upper=True), [spd(4)])
case("cholesky_batched", L.cholesky, [spd(3, (2,))])
case("qr_tall", L.qr, [torch.randn(5, 3, dtype=dt)])
case("qr_wide", L.qr, [torch.randn(3, 5, dtype=dt)])
case("qr_square_batched", L.qr, [torch.randn(2, 3, 3, dtype=dt)])
case("qr_complete_wide", lambda A: L.qr(A, mode="complete"), [torch.randn(3, 4, dtype=dt)])
values("qr_complete_tall", lambda A: L.qr(A, mode="complete"), [torch.randn(4, 2, dtype=dt)])
values("qr_r", lambda A: L.qr(A, mode="r")[1], [torch.randn(2, 4, 3, dtype=dt)])


def eigh_invariant(UPLO):
    def f(A):
        w, V = L.eigh(A, UPLO=UPLO)
        return w, V * V
    return f


case("eigh", eigh_invariant("L"), [sym(4)])
case("eigh_upper", eigh_invariant("U"), [sym(4)])
case("eigh_batched", eigh_invariant("L"), [sym(3, (2,))])
A = torch.randn(4, 4, dtype=dt)  # not symmetric: only the named triangle is read
values("eigh_vectors_L", lambda A: L.eigh(A, UPLO="L"), [A])
values("eigh_vectors_U", lambda A: L.eigh(A, UPLO="U"), [A])
case("eigvalsh", L.eigvalsh, [sym(4)])
case("eigvalsh_batched", lambda A: L.eigvalsh(A, UPLO="U"), [sym(3, (2,))])


def svd_invariant(full):
    def f(A):
        U, S, Vh = L.svd(A, full_matrices=full)
        k = S.shape[-1]
        Uk, Vk = U[..., :k], Vh[..., :k, :]
        return S, Uk * Uk, Vk * Vk, Uk @ Vk  # U_k Vh_k does not depend on the signs either
    return f


for shape, tag in [((4, 3), "tall"), ((3, 5), "wide"), ((3, 3), "square"), ((2, 4, 3), "batched")]:
    X = torch.randn(*shape, dtype=dt)
    case(f"svd_{tag}", svd_invariant(False), [X])
    case(f"svd_full_{tag}", svd_invariant(True), [X])
    values(f"svd_vectors_{tag}", lambda A: L.svd(A, full_matrices=False), [X])
case("svdvals", L.svdvals, [torch.randn(4, 3, dtype=dt)])
case("svdvals_batched", L.svdvals, [torch.randn(2, 3, 5, dtype=dt)])


def lstsq_solution(A, B):
    return L.lstsq(A, B, driver="gelsd").solution


for tag, (A, B) in {
    "tall": (torch.randn(6, 3, dtype=dt), torch.randn(6, 2, dtype=dt)),
    "vector": (torch.randn(6, 3, dtype=dt), torch.randn(6, dtype=dt)),
    "batched": (torch.randn(2, 5, 3, dtype=dt), torch.randn(2, 5, 2, dtype=dt)),
    "wide": (torch.randn(3, 5, dtype=dt), torch.randn(3, 2, dtype=dt)),
    "square": (well(4), torch.randn(4, 1, dtype=dt)),
}.items():
    if tag != "vector":  # torch 1.13's lstsq backward fails on a vector B (matmul with B.mT)
        case(f"lstsq_{tag}", lstsq_solution, [A, B])
    values(f"lstsq_all_{tag}", lambda A, B: tuple(L.lstsq(A, B, driver="gelsd")), [A, B])
rank2 = torch.randn(5, 2, dtype=dt) @ torch.randn(2, 3, dtype=dt)  # rank 2: no residuals
values("lstsq_all_deficient", lambda A, B: tuple(L.lstsq(A, B, driver="gelsd")), [rank2, torch.randn(5, 2, dtype=dt)])

case("pinv_tall", L.pinv, [torch.randn(4, 3, dtype=dt)])
case("pinv_wide", L.pinv, [torch.randn(3, 5, dtype=dt)])
case("pinv_batched", L.pinv, [torch.randn(2, 3, 3, dtype=dt)])
case("pinv_hermitian", lambda A: L.pinv(A, hermitian=True), [sym(4)])
values("pinv_deficient", L.pinv, [rank2])

x = torch.randn(2, 3, 4, dtype=dt)
for ord_ in [2, 1, math.inf, -math.inf, 3, 0.5, -1.5]:
    tag = str(ord_).replace("-", "m").replace(".", "_")
    case(f"vector_norm_{tag}", lambda t, o=ord_: L.vector_norm(t, ord=o), [x])
    case(f"vector_norm_{tag}_dim", lambda t, o=ord_: L.vector_norm(t, ord=o, dim=(0, 2), keepdim=True), [x])
values("vector_norm_0", lambda t: L.vector_norm(t, ord=0, dim=-1), [torch.tensor([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]], dtype=dt)])
case("vector_norm_zero", lambda t: L.vector_norm(t, dim=-1), [torch.tensor([[0.0, 0.0], [3.0, 4.0]], dtype=dt)])

M = torch.randn(2, 3, 4, dtype=dt)
for ord_ in ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf]:
    tag = str(ord_).replace("-", "m")
    case(f"matrix_norm_{tag}", lambda t, o=ord_: L.matrix_norm(t, ord=o), [M])
    case(f"matrix_norm_{tag}_dim", lambda t, o=ord_: L.matrix_norm(t, ord=o, dim=(2, 0), keepdim=True), [M])
case("norm_default", lambda t: L.norm(t), [M])
case("norm_vector_ord", lambda t: L.norm(t[0, 0], ord=3), [M])
case("norm_matrix_ord", lambda t: L.norm(t[0], ord=math.inf), [M])
case("norm_dim1", lambda t: L.norm(t, dim=(1,)), [M])
case("norm_nuc", lambda t: L.norm(t, ord="nuc", dim=(0, 1)), [M])

values("matrix_rank", lambda A: L.matrix_rank(A), [torch.stack([torch.randn(5, 3, dtype=dt), rank2])])
values("matrix_rank_hermitian", lambda A: L.matrix_rank(A, hermitian=True), [rank2 @ rank2.mT])
values("matrix_rank_atol", lambda A: L.matrix_rank(A, atol=1.0, rtol=0.0), [torch.diag(torch.tensor([3.0, 2.0, 0.5, 0.1], dtype=dt))])

for ord_ in [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf]:
    tag = str(ord_).replace("-", "m")
    # torch 1.13's backward of cond through inv fails (an in-place write on inv's output): values only there.
    (case if ord_ in (None, 2, -2) else values)(f"cond_{tag}", lambda t, o=ord_: L.cond(t, p=o), [well(3, (2,))])
values("cond_singular", lambda A: L.cond(A, p="fro"), [torch.stack([torch.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=dt), well(2)])])

# float32: the same LAPACK routines in single precision.
A32, B32 = well(4).float(), torch.randn(4, 2)
values("f32_solve", L.solve, [A32, B32])
values("f32_eigvalsh", L.eigvalsh, [sym(4).float()])
values("f32_svdvals", L.svdvals, [torch.randn(4, 3)])
values("f32_det", L.det, [well(3).float()])
values("f32_cholesky", L.cholesky, [spd(3).float()])
values("f32_lstsq", lstsq_solution, [torch.randn(5, 3), torch.randn(5, 2)])


def fmt(v):
    return "INFINITY" if v == math.inf else "-INFINITY" if v == -math.inf else repr(float(v))


lines = [
    "// Generated by tests/linalg/reference.py from torch.linalg 1.13 (Debian's python3-torch): do not edit.",
    "// Each entry: a name, a shape and row-major float64 values.",
    "#pragma once",
    "#include <cmath>",
    "#include <cstdint>",
    "#include <vector>",
    "",
    "struct ReferenceTensor {",
    "  const char* name;",
    "  std::vector<int64_t> shape;",
    "  std::vector<double> values;",
    "};",
    "",
    "inline const std::vector<ReferenceTensor>& reference_tensors() {",
    "  static const std::vector<ReferenceTensor> table = {",
]
for name, t in entries:
    shape = ", ".join(str(s) for s in t.shape)
    data = ", ".join(fmt(v) for v in t.flatten().tolist())
    lines.append(f'      {{"{name}", {{{shape}}}, {{{data}}}}},')
lines += ["  };", "  return table;", "}", ""]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference_data.hpp")
with open(out, "w") as f:
    f.write("\n".join(lines))
print(f"{len(entries)} tensors written to {out}")

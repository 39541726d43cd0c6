// xg::linalg against torch.linalg 1.13. The expected numbers are in reference_data.hpp, written by
// tests/linalg/reference.py (Debian's python3-torch, seed 19): each case's inputs, outputs, loss weights W_j and
// the gradients of loss = sum_j sum(W_j * output_j). Values and gradients must agree to 1e-9 relative, entry by
// entry (float64; see check_close). Gradcheck and gradgradcheck need no reference.
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "helpers.hpp"
#include "reference_data.hpp"

namespace la = xg::linalg;
using Tensors = std::vector<xg::Tensor>;

namespace {
const ReferenceTensor* find_reference(const std::string& name) {
  for (const ReferenceTensor& entry : reference_tensors())
    if (name == entry.name) return &entry;
  return nullptr;
}

xg::Tensor reference(const std::string& name, bool requires_grad = false) {
  const ReferenceTensor* entry = find_reference(name);
  REQUIRE_MESSAGE(entry != nullptr, "no reference tensor " << name);
  return xg::tensor(entry->values, entry->shape, f64(requires_grad));
}

// Elementwise relative agreement: |got - expected| <= tolerance * |expected| for every entry, with a floor of
// 1e-3 times the tensor's largest entry for entries that are (nearly) zero (triangles of R, zero gradients).
// Infinite entries must be equal. Shapes must be equal.
void check_close(const xg::Tensor& got, const xg::Tensor& expected, const std::string& label, double tolerance = 1e-9) {
  INFO(label);
  REQUIRE(got.defined());
  REQUIRE(xg::shape_string(got.shape()) == xg::shape_string(expected.shape()));
  std::vector<double> a = got.contiguous().to_vector<double>(), b = expected.to_vector<double>();
  double scale = 0;
  for (double v : b)
    if (!std::isinf(v)) scale = std::max(scale, std::abs(v));
  size_t bad = 0, first_bad = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    bool ok = std::isinf(b[i]) ? a[i] == b[i]
                               : std::abs(a[i] - b[i]) <= tolerance * std::max(std::abs(b[i]), 1e-3 * scale);
    if (!ok && bad++ == 0) first_bad = i;
  }
  CHECK_MESSAGE(bad == 0, bad << " entries differ; the first, [" << first_bad << "]: " << a[first_bad] << " vs "
                                  << b[first_bad]);
}
void check_close(const xg::Tensor& got, const std::string& name, double tolerance = 1e-9) {
  check_close(got, reference(name), name, tolerance);
}

// Runs reference case `name`: fn on its inputs, every output against torch's, then the gradients of
// sum_j sum(W_j * output_j) with respect to every input.
void check_case(const std::string& name, const std::function<Tensors(const Tensors&)>& fn) {
  Tensors inputs;
  while (find_reference(name + ".in" + std::to_string(inputs.size())))
    inputs.push_back(reference(name + ".in" + std::to_string(inputs.size()), true));
  Tensors outputs = fn(inputs);
  xg::Tensor loss = xg::scalar_tensor(0.0, f64(false));
  for (size_t j = 0; j < outputs.size(); ++j) {
    check_close(outputs[j], name + ".out" + std::to_string(j));
    loss = loss + (outputs[j] * reference(name + ".w" + std::to_string(j))).sum();
  }
  Tensors grads = xg::autograd::grad({loss}, inputs, {}, false, false, /*allow_unused=*/true);
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string grad_name = name + ".grad" + std::to_string(i);
    if (find_reference(grad_name)) check_close(grads[i], grad_name);
  }
}
void check_case(const std::string& name, const std::function<xg::Tensor(const xg::Tensor&)>& fn) {
  check_case(name, [&](const Tensors& in) { return Tensors{fn(in[0])}; });
}

// Columns of got [*, r, c] against the reference's (or rows, for Vh), each up to its sign (LAPACK fixes
// singular and eigenvectors only up to sign).
void check_columns_up_to_sign(xg::Tensor got, const std::string& name, bool rows = false) {
  xg::Tensor expected = reference(name);
  if (rows) got = got.transpose(-2, -1), expected = expected.transpose(-2, -1);
  REQUIRE(xg::shape_string(got.shape()) == xg::shape_string(expected.shape()));
  xg::Tensor dots = (got * expected).sum({-2}, true);
  std::vector<double> d = dots.to_vector<double>();
  for (double& v : d) v = v < 0 ? -1.0 : 1.0;
  check_close(got * xg::tensor(d, dots.shape(), f64(false)), expected, name + " (up to column signs)");
}

xg::Tensor squares(const xg::Tensor& x) { return x * x; }

// Gradcheck and gradgradcheck of fn at inputs (float64).
void check_gradients(const xg::autograd::Function& fn, const Tensors& inputs) {
  CHECK(xg::autograd::gradcheck(fn, inputs));
  CHECK(xg::autograd::gradgradcheck(fn, inputs));
}

xg::Tensor eye(int64_t n) {
  xg::Tensor out = xg::zeros({n, n}, f64(false));
  for (int64_t i = 0; i < n; ++i) out[i][i] = 1.0;
  return out;
}
// The identity in the shape of like's [*, n, n] matrices.
xg::Tensor broadcast_eye(int64_t n, const xg::Tensor& like) { return eye(n).expand(like.shape()).contiguous(); }
// A random well-conditioned matrix: randn + n I.
xg::Tensor well(xg::Shape shape) {
  int64_t n = shape.back();
  return (xg::randn(shape, f64(false)) + double(n) * eye(n)).detach().requires_grad_(true);
}
xg::Tensor sym(const xg::Tensor& x) { return x + x.transpose(-2, -1); }

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no exception";
}
}  // namespace

TEST_CASE("linalg: solve and inv equal torch.linalg's values and gradients") {
  for (const char* name : {"solve", "solve_vector", "solve_batched", "solve_batched_vector", "solve_broadcast"})
    check_case(name, [](const Tensors& in) { return Tensors{la::solve(in[0], in[1])}; });
  check_case("inv", la::inv);
  check_case("inv_batched", la::inv);
  xg::Tensor A = reference("solve.in0"), B = reference("solve.in1");
  check_close(xg::matmul(A, la::solve(A, B)), B, "A solve(A, B) = B");
}

TEST_CASE("linalg: det and slogdet equal torch.linalg's values and gradients") {
  for (const char* name : {"det", "det_negative", "det_batched"}) check_case(name, la::det);
  for (const char* name : {"slogdet", "slogdet_batched"})
    check_case(name, [](const xg::Tensor& A) { return std::get<1>(la::slogdet(A)); });
  auto [sign, logabsdet] = la::slogdet(reference("slogdet_sign.in0"));
  check_close(sign, "slogdet_sign.out0");
  CHECK(!sign.requires_grad());
  // Singular: det 0, sign 0 and log|det| -inf (no error, as in torch).
  xg::Tensor singular = xg::tensor({1, 2, 2, 4}, {2, 2}, f64(false));
  CHECK(la::det(singular).item() == 0.0);
  auto [s0, l0] = la::slogdet(singular);
  CHECK(s0.item() == 0.0);
  CHECK(l0.item() == -INFINITY);
}

TEST_CASE("linalg: cholesky equals torch.linalg's values and gradients") {
  check_case("cholesky", [](const xg::Tensor& A) { return la::cholesky(A); });
  check_case("cholesky_upper", [](const xg::Tensor& A) { return la::cholesky(A, true); });
  check_case("cholesky_batched", [](const xg::Tensor& A) { return la::cholesky(A); });
}

TEST_CASE("linalg: qr equals torch.linalg's values and gradients in every mode") {
  for (const char* name : {"qr_tall", "qr_wide", "qr_square_batched"})
    check_case(name, [](const Tensors& in) {
      auto [Q, R] = la::qr(in[0]);
      return Tensors{Q, R};
    });
  check_case("qr_complete_wide", [](const Tensors& in) {
    auto [Q, R] = la::qr(in[0], "complete");
    return Tensors{Q, R};
  });
  auto [Q, R] = la::qr(reference("qr_complete_tall.in0"), "complete");
  check_close(Q, "qr_complete_tall.out0");
  check_close(R, "qr_complete_tall.out1");
  auto [Qr, Rr] = la::qr(reference("qr_r.in0"), "r");
  CHECK(xg::shape_string(Qr.shape()) == "[0]");
  check_close(Rr, "qr_r.out0");
}

TEST_CASE("linalg: eigh and eigvalsh equal torch.linalg's values and gradients") {
  for (const char* name : {"eigh", "eigh_upper", "eigh_batched"}) {
    std::string uplo = std::string(name) == "eigh_upper" ? "U" : "L";
    check_case(name, [uplo](const Tensors& in) {
      auto [w, V] = la::eigh(in[0], uplo);
      return Tensors{w, squares(V)};
    });
  }
  // A non-symmetric input: only the named triangle is read, as LAPACK (and torch) do.
  for (const char* uplo : {"L", "U"}) {
    std::string name = std::string("eigh_vectors_") + uplo;
    auto [w, V] = la::eigh(reference(name + ".in0"), uplo);
    check_close(w, name + ".out0");
    check_columns_up_to_sign(V, name + ".out1");
  }
  check_case("eigvalsh", [](const xg::Tensor& A) { return la::eigvalsh(A); });
  check_case("eigvalsh_batched", [](const xg::Tensor& A) { return la::eigvalsh(A, "U"); });
  // Without grad the values come from the values-only LAPACK path; they agree with the eigh path.
  check_close(la::eigvalsh(reference("eigvalsh.in0")), "eigvalsh.out0");
}

TEST_CASE("linalg: svd and svdvals equal torch.linalg's values and gradients") {
  for (const char* tag : {"tall", "wide", "square", "batched"}) {
    for (bool full : {false, true}) {
      std::string name = std::string(full ? "svd_full_" : "svd_") + tag;
      check_case(name, [full](const Tensors& in) {
        auto [U, S, Vh] = la::svd(in[0], full);
        int64_t k = S.size(-1);
        xg::Tensor Uk = U.narrow(-1, 0, k), Vk = Vh.narrow(-2, 0, k);
        return Tensors{S, squares(Uk), squares(Vk), xg::matmul(Uk, Vk)};
      });
    }
    std::string name = std::string("svd_vectors_") + tag;
    auto [U, S, Vh] = la::svd(reference(name + ".in0"), false);
    check_columns_up_to_sign(U, name + ".out0");
    check_close(S, name + ".out1");
    check_columns_up_to_sign(Vh, name + ".out2", /*rows=*/true);
    // Full matrices: U and Vh orthogonal and the product reconstructs A.
    auto [Uf, Sf, Vhf] = la::svd(reference(name + ".in0"), true);
    int64_t m = Uf.size(-1), n = Vhf.size(-1), k = Sf.size(-1);
    check_close(xg::matmul(Uf.transpose(-2, -1), Uf), broadcast_eye(m, Uf), "U^T U = I", 1e-12);
    check_close(xg::matmul(Vhf, Vhf.transpose(-2, -1)), broadcast_eye(n, Vhf), "Vh Vh^T = I", 1e-12);
    xg::Tensor rebuilt = xg::matmul(Uf.narrow(-1, 0, k) * Sf.unsqueeze(-2), Vhf.narrow(-2, 0, k));
    check_close(rebuilt, reference(name + ".in0"), "U S Vh = A", 1e-12);
  }
  check_case("svdvals", [](const xg::Tensor& A) { return la::svdvals(A); });
  check_case("svdvals_batched", [](const xg::Tensor& A) { return la::svdvals(A); });
  check_close(la::svdvals(reference("svdvals.in0")), "svdvals.out0");
}

TEST_CASE("linalg: lstsq equals torch.linalg.lstsq (gelsd): solution, residuals, rank, singular values") {
  for (const char* tag : {"tall", "batched", "wide", "square"})
    check_case(std::string("lstsq_") + tag, [](const Tensors& in) {
      return Tensors{std::get<0>(la::lstsq(in[0], in[1]))};
    });
  for (const char* tag : {"tall", "vector", "batched", "wide", "square", "deficient"}) {
    std::string name = std::string("lstsq_all_") + tag;
    auto [X, residuals, rank, S] = la::lstsq(reference(name + ".in0"), reference(name + ".in1"));
    check_close(X, name + ".out0");
    if (reference(name + ".out1").numel() == 0) CHECK(residuals.numel() == 0);
    else check_close(residuals, name + ".out1");
    check_close(rank, name + ".out2");
    check_close(S, name + ".out3");
  }
}

TEST_CASE("linalg: pinv equals torch.linalg.pinv's values and gradients") {
  for (const char* name : {"pinv_tall", "pinv_wide", "pinv_batched"})
    check_case(name, [](const xg::Tensor& A) { return la::pinv(A); });
  check_case("pinv_hermitian", [](const xg::Tensor& A) { return la::pinv(A, std::nullopt, std::nullopt, true); });
  check_close(la::pinv(reference("pinv_deficient.in0")), "pinv_deficient.out0");
}

TEST_CASE("linalg: vector_norm, matrix_norm and norm equal torch.linalg's values and gradients") {
  const std::vector<std::pair<std::string, double>> orders = {
      {"2", 2}, {"1", 1}, {"inf", INFINITY}, {"minf", -INFINITY}, {"3", 3}, {"0_5", 0.5}, {"m1_5", -1.5}};
  for (auto& [tag, ord] : orders) {
    double p = ord;
    check_case("vector_norm_" + tag, [p](const xg::Tensor& x) { return la::vector_norm(x, p); });
    check_case("vector_norm_" + tag + "_dim",
               [p](const xg::Tensor& x) { return la::vector_norm(x, p, std::vector<int64_t>{0, 2}, true); });
  }
  check_close(la::vector_norm(reference("vector_norm_0.in0"), 0, std::vector<int64_t>{-1}), "vector_norm_0.out0");
  check_case("vector_norm_zero", [](const xg::Tensor& x) { return la::vector_norm(x, 2, std::vector<int64_t>{-1}); });

  for (const char* ord : {"fro", "nuc"}) {
    std::string o = ord;
    check_case("matrix_norm_" + o, [o](const xg::Tensor& A) { return la::matrix_norm(A, o); });
    check_case("matrix_norm_" + o + "_dim", [o](const xg::Tensor& A) { return la::matrix_norm(A, o, {2, 0}, true); });
  }
  const std::vector<std::pair<std::string, double>> matrix_orders = {
      {"1", 1}, {"m1", -1}, {"2", 2}, {"m2", -2}, {"inf", INFINITY}, {"minf", -INFINITY}};
  for (auto& [tag, ord] : matrix_orders) {
    double p = ord;
    check_case("matrix_norm_" + tag, [p](const xg::Tensor& A) { return la::matrix_norm(A, p); });
    check_case("matrix_norm_" + tag + "_dim", [p](const xg::Tensor& A) { return la::matrix_norm(A, p, {2, 0}, true); });
  }
  check_case("norm_default", [](const xg::Tensor& A) { return la::norm(A); });
  check_case("norm_vector_ord", [](const xg::Tensor& A) { return la::norm(A[0][0], 3.0); });
  check_case("norm_matrix_ord", [](const xg::Tensor& A) { return la::norm(A[0], INFINITY); });
  check_case("norm_dim1", [](const xg::Tensor& A) { return la::norm(A, std::nullopt, std::vector<int64_t>{1}); });
  check_case("norm_nuc", [](const xg::Tensor& A) { return la::norm(A, "nuc", std::vector<int64_t>{0, 1}); });
}

TEST_CASE("linalg: matrix_rank and cond equal torch.linalg's") {
  check_close(la::matrix_rank(reference("matrix_rank.in0")), "matrix_rank.out0");
  check_close(la::matrix_rank(reference("matrix_rank_hermitian.in0"), std::nullopt, std::nullopt, true),
              "matrix_rank_hermitian.out0");
  check_close(la::matrix_rank(reference("matrix_rank_atol.in0"), 1.0, 0.0), "matrix_rank_atol.out0");
  check_case("cond_None", [](const xg::Tensor& A) { return la::cond(A); });
  check_case("cond_2", [](const xg::Tensor& A) { return la::cond(A, 2.0); });
  check_case("cond_m2", [](const xg::Tensor& A) { return la::cond(A, -2.0); });
  for (const char* ord : {"fro", "nuc"}) {
    std::string name = std::string("cond_") + ord;
    check_close(la::cond(reference(name + ".in0"), std::string(ord)), name + ".out0");
  }
  const std::vector<std::pair<std::string, double>> orders = {{"1", 1}, {"m1", -1}, {"inf", INFINITY}, {"minf", -INFINITY}};
  for (auto& [tag, ord] : orders) check_close(la::cond(reference("cond_" + tag + ".in0"), ord), "cond_" + tag + ".out0");
  // A singular matrix has condition number inf (its batch neighbour is unaffected).
  check_close(la::cond(reference("cond_singular.in0"), std::string("fro")), "cond_singular.out0");
}

TEST_CASE("linalg: float32 inputs give float32 results close to torch's float32 ones") {
  auto f32 = [](const std::string& name) { return reference(name).to(xg::kFloat32); };
  auto check32 = [](const xg::Tensor& got, const std::string& name) {
    CHECK(got.dtype() == xg::kFloat32);
    check_close(got.to(xg::kFloat64), name, 1e-5);
  };
  check32(la::solve(f32("f32_solve.in0"), f32("f32_solve.in1")), "f32_solve.out0");
  check32(la::eigvalsh(f32("f32_eigvalsh.in0")), "f32_eigvalsh.out0");
  check32(la::svdvals(f32("f32_svdvals.in0")), "f32_svdvals.out0");
  check32(la::det(f32("f32_det.in0")), "f32_det.out0");
  check32(la::cholesky(f32("f32_cholesky.in0")), "f32_cholesky.out0");
  check32(std::get<0>(la::lstsq(f32("f32_lstsq.in0"), f32("f32_lstsq.in1"))), "f32_lstsq.out0");
  // Gradients stay float32 and agree with the float64 ones.
  xg::Tensor A64 = reference("solve.in0", true), A32 = reference("solve.in0").to(xg::kFloat32).requires_grad_(true);
  for (const xg::Tensor& A : {A64, A32}) {
    auto [w, V] = la::eigh(sym(A));
    (la::det(A) + la::svdvals(A).sum() + w.sum() + la::inv(A).sum()).backward();
  }
  CHECK(A32.grad().dtype() == xg::kFloat32);
  check_close(A32.grad().to(xg::kFloat64), A64.grad(), "float32 gradient", 1e-4);
}

TEST_CASE("linalg: multi-output functions return tuples for structured bindings") {
  xg::Tensor A = reference("svd_tall.in0");
  auto [U, S, Vh] = la::svd(A, false);
  auto [Q, R] = la::qr(A);
  auto [w, V] = la::eigh(xg::matmul(A.t(), A));
  auto [X, residuals, rank, sv] = la::lstsq(A, xg::ones({4, 1}, f64(false)));
  auto [sign, logabsdet] = la::slogdet(xg::matmul(A.t(), A));
  CHECK(rank.item<int64_t>() == 3);
  CHECK(sign.item() == 1.0);
  CHECK(U.is_contiguous());
  CHECK(V.is_contiguous());
  check_close(w, (sv * sv).index_select(0, {2, 1, 0}), "eigvals(A^T A) = svd(A)^2, ascending", 1e-12);
}

// ---------------------------------------------------------------- gradcheck / gradgradcheck (float64)

TEST_CASE("linalg: gradcheck and gradgradcheck of solve, inv, det, slogdet") {
  xg::manual_seed(7);
  xg::Tensor A = well({3, 3}), Ab = well({2, 3, 3}), B = random_input({3, 2}), v = random_input({3});
  check_gradients([](const Tensors& in) { return la::solve(in[0], in[1]); }, {A, B});
  check_gradients([](const Tensors& in) { return la::solve(in[0], in[1]); }, {Ab, v});  // broadcast vector
  check_gradients([](const Tensors& in) { return la::inv(in[0]); }, {Ab});
  check_gradients([](const Tensors& in) { return la::det(in[0]); }, {Ab});
  check_gradients([](const Tensors& in) { return std::get<1>(la::slogdet(in[0])); }, {A});
}

TEST_CASE("linalg: det's gradient at a singular matrix is the cofactor matrix (torch's SVD formula)") {
  // [[1, 2], [2, 4]] has rank 1: d det / dA = [[4, -2], [-2, 1]] (the cofactors), finite, no NaN.
  xg::Tensor A = xg::tensor({1, 2, 2, 4}, {2, 2}, f64());
  la::det(A).backward();
  check_values(A.grad(), {4, -2, -2, 1}, 1e-9);
  // A batch mixing singular and regular matrices takes each formula on its own elements.
  xg::Tensor batch = xg::tensor({1, 2, 2, 4, 2, 0, 0, 3}, {2, 2, 2}, f64());
  la::det(batch).sum().backward();
  check_values(batch.grad(), {4, -2, -2, 1, 3, 0, 0, 2}, 1e-9);
  // The 3x3 rank-2 case through gradcheck (the SVD path) and its second derivative.
  xg::Tensor S = xg::tensor({1, 2, 3, 4, 5, 6, 5, 7, 9}, {3, 3}, f64());  // row 3 = row 1 + row 2
  CHECK(std::abs(la::det(S).item()) < 1e-12);
  CHECK(xg::autograd::gradcheck([](const Tensors& in) { return la::det(in[0]); }, {S}));
}

TEST_CASE("linalg: gradcheck and gradgradcheck of cholesky, qr, eigh, eigvalsh") {
  xg::manual_seed(8);
  xg::Tensor X = random_input({2, 3, 3});
  // Symmetric positive-definite inputs through a parametrization (cholesky and eigh read one triangle).
  auto spd = [](const xg::Tensor& x) {
    xg::Tensor eye3 = eye(3);
    return xg::matmul(x, x.transpose(-2, -1)) + 3.0 * eye3;
  };
  check_gradients([spd](const Tensors& in) { return la::cholesky(spd(in[0])); }, {X});
  check_gradients([spd](const Tensors& in) { return la::cholesky(spd(in[0]), true); }, {X});
  for (xg::Shape shape : {xg::Shape{4, 3}, xg::Shape{3, 4}, xg::Shape{2, 3, 3}}) {
    xg::Tensor M = random_input(shape);
    check_gradients([](const Tensors& in) {
      auto [Q, R] = la::qr(in[0]);
      return xg::cat({Q.flatten(), R.flatten()});
    }, {M});
  }
  check_gradients([](const Tensors& in) {
    auto [w, V] = la::eigh(sym(in[0]));
    return xg::cat({w.flatten(), squares(V).flatten()});
  }, {X});
  check_gradients([](const Tensors& in) { return la::eigvalsh(sym(in[0]), "U"); }, {X});
}

TEST_CASE("linalg: gradcheck and gradgradcheck of svd, svdvals, pinv, lstsq") {
  xg::manual_seed(9);
  for (xg::Shape shape : {xg::Shape{4, 3}, xg::Shape{3, 4}, xg::Shape{2, 3, 3}}) {
    xg::Tensor M = random_input(shape);
    for (bool full : {false, true})
      check_gradients([full](const Tensors& in) {
        auto [U, S, Vh] = la::svd(in[0], full);
        int64_t k = S.size(-1);
        xg::Tensor Uk = U.narrow(-1, 0, k), Vk = Vh.narrow(-2, 0, k);
        return xg::cat({S.flatten(), squares(Uk).flatten(), xg::matmul(Uk, Vk).flatten()});
      }, {M});
    check_gradients([](const Tensors& in) { return la::svdvals(in[0]); }, {M});
    check_gradients([](const Tensors& in) { return la::pinv(in[0]); }, {M});
  }
  xg::Tensor H = random_input({3, 3});
  check_gradients([](const Tensors& in) { return la::pinv(sym(in[0]) + 4.0 * eye(3), std::nullopt, std::nullopt, true); }, {H});
  xg::Tensor A = random_input({5, 3}), B = random_input({5, 2}), b = random_input({5});
  check_gradients([](const Tensors& in) { return std::get<0>(la::lstsq(in[0], in[1])); }, {A, B});
  check_gradients([](const Tensors& in) { return std::get<0>(la::lstsq(in[0], in[1])); }, {A, b});
  xg::Tensor W = random_input({2, 3, 4}), C = random_input({2, 3, 1});  // underdetermined: minimum norm
  check_gradients([](const Tensors& in) { return std::get<0>(la::lstsq(in[0], in[1])); }, {W, C});
}

TEST_CASE("linalg: gradcheck and gradgradcheck of the norms and cond") {
  xg::manual_seed(10);
  xg::Tensor x = random_input({2, 3, 4});
  for (double ord : std::vector<double>{2.0, 1.0, INFINITY, -INFINITY, 3.0, 0.5, -1.5})
    check_gradients([ord](const Tensors& in) { return la::vector_norm(in[0], ord, std::vector<int64_t>{0, 2}); }, {x});
  for (double ord : std::vector<double>{1.0, -1.0, 2.0, -2.0, INFINITY, -INFINITY})
    check_gradients([ord](const Tensors& in) { return la::matrix_norm(in[0], ord); }, {x});
  for (const char* ord : {"fro", "nuc"}) {
    std::string o = ord;
    check_gradients([o](const Tensors& in) { return la::matrix_norm(in[0], o, {0, 2}); }, {x});
  }
  xg::Tensor A = well({2, 3, 3});
  check_gradients([](const Tensors& in) { return la::cond(in[0]); }, {A});
  check_gradients([](const Tensors& in) { return la::cond(in[0], std::string("fro")); }, {A});
  check_gradients([](const Tensors& in) { return la::cond(in[0], 1.0); }, {A});
  // At a zero vector the 2-norm's gradient is 0 (torch's masked_fill), not NaN.
  xg::Tensor zero = xg::zeros({3}, f64());
  la::vector_norm(zero).backward();
  check_values(zero.grad(), {0, 0, 0});
}

// ---------------------------------------------------------------- errors

TEST_CASE("linalg: singular and non-positive-definite input throw LinAlgError naming the function and element") {
  xg::Tensor singular = xg::tensor({1, 2, 2, 4}, {2, 2}, f64(false));
  CHECK(error_of([&] { la::solve(singular, xg::ones({2}, f64(false))); }) ==
        "linalg.solve: The diagonal element 2 is zero, the solve could not be completed because the input matrix is "
        "singular.");
  CHECK(error_of([&] { la::inv(singular); }) ==
        "linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the input matrix "
        "is singular.");
  xg::Tensor batch = xg::stack({xg::tensor({2, 0, 0, 2}, {2, 2}, f64(false)), singular});
  CHECK(error_of([&] { la::inv(batch); }) ==
        "linalg.inv: (Batch element 1): The diagonal element 2 is zero, the inversion could not be completed because "
        "the input matrix is singular.");
  CHECK_THROWS_AS(la::solve(batch, xg::ones({2, 2, 1}, f64(false))), la::LinAlgError);
  xg::Tensor indefinite = xg::tensor({1, 2, 2, 1}, {2, 2}, f64(false));
  CHECK(error_of([&] { la::cholesky(xg::stack({xg::tensor({2, 0, 0, 2}, {2, 2}, f64(false)), indefinite})); }) ==
        "linalg.cholesky: (Batch element 1): The factorization could not be completed because the input is not "
        "positive-definite (the leading minor of order 2 is not positive-definite).");
  CHECK_THROWS_AS(la::cholesky(indefinite.to(xg::kFloat32)), la::LinAlgError);
  // A zero matrix (all pivots zero) reports the first one; float32 too.
  CHECK(error_of([&] { la::inv(xg::zeros({3, 3})); }).find("The diagonal element 1 is zero") != std::string::npos);
  // slogdet's gradient at a singular matrix needs A^{-T}: an error, not NaN.
  xg::Tensor S = singular.detach().requires_grad_(true);
  CHECK_THROWS_AS(std::get<1>(la::slogdet(S)).backward(), la::LinAlgError);
}

TEST_CASE("linalg: shape, dtype and argument errors throw std::invalid_argument") {
  xg::Tensor A = xg::ones({3, 3}, f64(false));
  CHECK(error_of([&] { la::solve(A, xg::ones({4, 2}, f64(false))); }) ==
        "linalg.solve: Incompatible shapes of A and B for the equation AX = B ([3, 3] and [4, 2])");
  CHECK_THROWS_AS(la::solve(xg::ones({3, 4}, f64(false)), xg::ones({3}, f64(false))), std::invalid_argument);
  CHECK_THROWS_AS(la::solve(A, xg::ones({3})), std::invalid_argument);  // float32 B, float64 A
  CHECK_THROWS_AS(la::solve(xg::ones({2, 3, 3}, f64(false)), xg::ones({4, 3, 1}, f64(false))), std::invalid_argument);
  CHECK(error_of([&] { la::inv(xg::ones({3})); }) ==
        "linalg.inv: the input must have at least 2 dimensions, got shape [3]");
  CHECK(error_of([&] { la::det(xg::ones({2, 3})); }) ==
        "linalg.det: A must be batches of square matrices, but they are 2 by 3 matrices");
  CHECK_THROWS_AS(la::cholesky(xg::Tensor()), std::invalid_argument);
  CHECK_THROWS_AS(la::qr(A, "economic"), std::invalid_argument);
  CHECK_THROWS_AS(la::eigh(A, "X"), std::invalid_argument);
  CHECK_THROWS_AS(la::lstsq(A, xg::ones({4, 1}, f64(false))), std::invalid_argument);
  CHECK_THROWS_AS(la::lstsq(A, xg::ones({2, 3, 3, 1}, f64(false))), std::invalid_argument);
  CHECK_THROWS_AS(la::matrix_norm(A, 3.0), std::invalid_argument);
  CHECK_THROWS_AS(la::matrix_norm(A, "spectral"), std::invalid_argument);
  CHECK_THROWS_AS(la::matrix_norm(xg::ones({3}), "fro"), std::invalid_argument);
  CHECK_THROWS_AS(la::vector_norm(A, 2, std::vector<int64_t>{0, 0}), std::invalid_argument);
  CHECK_THROWS_AS(la::vector_norm(A, 2, std::vector<int64_t>{2}), std::invalid_argument);
  CHECK_THROWS_AS(la::norm(xg::ones({2, 2, 2}), 2.0), std::invalid_argument);
  // qr(mode="r") and complete tall QR are not differentiable (torch's rules): the backward says so.
  xg::Tensor M = random_input({4, 3});
  CHECK(error_of([&] { std::get<1>(la::qr(M, "r")).sum().backward(); }).find("mode='r'") != std::string::npos);
  CHECK(error_of([&] { std::get<0>(la::qr(M, "complete")).sum().backward(); }).find("nrows > ncols") !=
        std::string::npos);
}

TEST_CASE("linalg: empty matrices and empty batches") {
  xg::Tensor empty_batch = xg::ones({0, 3, 3}, f64(false));
  CHECK(xg::shape_string(la::solve(empty_batch, xg::ones({0, 3, 2}, f64(false))).shape()) == "[0, 3, 2]");
  CHECK(xg::shape_string(la::det(empty_batch).shape()) == "[0]");
  CHECK(xg::shape_string(std::get<0>(la::eigh(empty_batch)).shape()) == "[0, 3]");
  CHECK(xg::shape_string(la::svdvals(empty_batch).shape()) == "[0, 3]");
  xg::Tensor empty_matrix = xg::ones({0, 0}, f64(false));
  CHECK(la::det(empty_matrix).item() == 1.0);  // the empty product
  CHECK(la::inv(empty_matrix).numel() == 0);
  CHECK(la::svdvals(xg::ones({0, 3}, f64(false))).numel() == 0);
}

// linalg::solve and linalg::lstsq on a 1000 x 1000 float64 system against calling LAPACK directly (dgesv_,
// dgelsd_ from OpenBLAS on copies of the same data, as a direct caller must: LAPACK overwrites its inputs).
// Rounds alternate between the two so both see the same machine load; medians are printed.
// Usage: linalg_bench [n] [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>
#include <xgrad.hpp>

namespace xg = xgrad;

extern "C" {
void dgesv_(const int* n, const int* nrhs, double* a, const int* lda, int* ipiv, double* b, const int* ldb, int* info);
void dgelsd_(const int* m, const int* n, const int* nrhs, double* a, const int* lda, double* b, const int* ldb,
             double* s, const double* rcond, int* rank, double* work, const int* lwork, int* iwork, int* info);
}

namespace {
double seconds(const std::function<void()>& body) {
  auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
void report(const char* name, const std::vector<double>& ours, const std::vector<double>& raw) {
  double a = median(ours), b = median(raw);
  std::printf("%-34s xgrad %8.2f ms   raw LAPACK %8.2f ms   xgrad / raw = %.3f (%s)\n", name, a * 1e3, b * 1e3, a / b,
              a <= 1.10 * b ? "within 10%" : "NOT within 10%");
}
}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
  xg::manual_seed(0);
  xg::Tensor A = xg::randn({n, n}, xg::dtype(xg::kFloat64));
  xg::Tensor b = xg::randn({n}, xg::dtype(xg::kFloat64));
  std::vector<double> a_data = A.to_vector<double>(), b_data = b.to_vector<double>();
  std::printf("linalg bench: %d x %d float64, one right-hand side, %d interleaved rounds\n", n, n, rounds);

  std::vector<double> work_a(a_data.size()), work_b(b_data.size());
  std::vector<int> pivots(n);
  auto raw_solve = [&] {
    std::memcpy(work_a.data(), a_data.data(), a_data.size() * sizeof(double));
    std::memcpy(work_b.data(), b_data.data(), b_data.size() * sizeof(double));
    int nrhs = 1, info = 0;
    dgesv_(&n, &nrhs, work_a.data(), &n, pivots.data(), work_b.data(), &n, &info);
  };
  std::vector<double> s(n);
  auto raw_lstsq = [&] {
    std::memcpy(work_a.data(), a_data.data(), a_data.size() * sizeof(double));
    std::memcpy(work_b.data(), b_data.data(), b_data.size() * sizeof(double));
    int nrhs = 1, rank = 0, info = 0, query = -1;
    double rcond = 2.220446049250313e-16 * n, size = 0;
    int isize = 0;
    dgelsd_(&n, &n, &nrhs, work_a.data(), &n, work_b.data(), &n, s.data(), &rcond, &rank, &size, &query, &isize, &info);
    int lwork = static_cast<int>(size);
    std::vector<double> work(static_cast<size_t>(lwork));
    std::vector<int> iwork(static_cast<size_t>(std::max(isize, 1)));
    dgelsd_(&n, &n, &nrhs, work_a.data(), &n, work_b.data(), &n, s.data(), &rcond, &rank, work.data(), &lwork,
            iwork.data(), &info);
  };

  // The raw calls read the row-major buffer as column-major, i.e. they solve with A^T: as fast, since it is as
  // random. xgrad solves with A itself; its residual shows it does.
  xg::Tensor x = xg::linalg::solve(A, b);
  double residual = (xg::matmul(A, x) - b).abs().max().item();
  std::printf("solve residual max |A x - b| = %.2e\n", residual);

  std::vector<double> ours_solve, raw_solve_t, ours_lstsq, raw_lstsq_t;
  raw_solve();  // warm up both paths
  xg::linalg::solve(A, b);
  for (int r = 0; r < rounds; ++r) {
    ours_solve.push_back(seconds([&] { xg::linalg::solve(A, b); }));
    raw_solve_t.push_back(seconds(raw_solve));
  }
  report("solve (getrf + getrs vs dgesv)", ours_solve, raw_solve_t);
  for (int r = 0; r < std::max(3, rounds / 2); ++r) {
    ours_lstsq.push_back(seconds([&] { xg::linalg::lstsq(A, b); }));
    raw_lstsq_t.push_back(seconds(raw_lstsq));
  }
  report("lstsq (gelsd vs dgelsd)", ours_lstsq, raw_lstsq_t);
  return 0;
}

#!/usr/bin/env bash
# Runs xgrad_bench (and torch_bench when it was built) and prints the README's table.
# Usage: bench/run.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

includes="-Iautograd/include -Inn/include -Ioptim/include -Idata/include"
time_compile() {  # seconds for g++ -O2 -c of one file
  local start end
  start=$(date +%s.%N)
  g++ -std=c++17 -O2 "$@" -c -o "$work/probe.o"
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"
"$build/bench/xgrad_bench" > "$work/xgrad.txt"
echo "C|$(time_compile $includes bench/training_loop.cpp)|s|" >> "$work/xgrad.txt"
if [ -x "$build/bench/torch_bench" ]; then
  "$build/bench/torch_bench" > "$work/torch.txt"
  torch_includes="-I/usr/include/torch/csrc/api/include"
  echo "C|$(time_compile $torch_includes bench/torch_training_loop.cpp)|s|" >> "$work/torch.txt"
else
  : > "$work/torch.txt"
fi

awk -F'|' '
  BEGIN {
    name["W1"] = "seed manual GD step (100 points)";        target["W1"] = "<= 2 us"
    name["W2"] = "Linear(1,1) + MSELoss + SGD step";        target["W2"] = "<= 2.5 us"
    name["W3"] = "DataLoader d=5 b=32, Linear, SGD step";   target["W3"] = "<= 4 us"
    name["W4"] = "MLP 5-64-64-1 tanh, Adam step";           target["W4"] = "<= 40 us"
    name["W5"] = "MLP 512-1024-1024-1, b=256, AdamW, 1 thread"; target["W5"] = ">= 85% of sgemm"
    name["W5x2"] = "same, 2 threads";                        target["W5x2"] = "-"
    name["W6"] = "chain y = y*c + d, per iteration";        target["W6"] = "<= 0.2 us/op"
    name["W7"] = "x [256,512] @ w.t(), w [1024,512], forward"; target["W7"] = "no copy of w"
    name["C"] = "compile a training-loop file (g++ -O2)";   target["C"] = "<= 3 s"
  }
  FNR == NR { x[$1] = $2; unit[$1] = $3; note[$1] = $4; order[++n] = $1; next }
  { t[$1] = $2; tnote[$1] = $4 }
  END {
    print "| id | workload | xgrad | LibTorch | LibTorch / xgrad | target | notes |"
    print "|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; ++i) {
      id = order[i]
      lt = (id in t) ? sprintf("%.3g %s", t[id], unit[id]) : "not built"
      ratio = (id in t && x[id] > 0) ? sprintf("%.1fx", t[id] / x[id]) : "-"
      notes = note[id]
      if (id in tnote && tnote[id] != "") notes = notes " (LibTorch: " tnote[id] ")"
      printf "| %s | %s | %.3g %s | %s | %s | %s | %s |\n", id, name[id], x[id], unit[id], lt, ratio, target[id], notes
    }
  }' "$work/xgrad.txt" "$work/torch.txt"

# linalg::solve and lstsq of a 1000 x 1000 system against raw LAPACK (issue 19: within 10 %).
if [ -x "$build/bench/linalg_bench" ]; then
  echo
  "$build/bench/linalg_bench"
fi

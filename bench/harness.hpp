// Timing helpers shared by xgrad_bench.cpp and torch_bench.cpp.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

using Clock = std::chrono::steady_clock;

// Median over `repeats` runs of the time per call of `body` (called `iterations` times per run).
inline double median_seconds(int repeats, int iterations, const std::function<void()>& body) {
  std::vector<double> runs;
  for (int r = 0; r < repeats; ++r) {
    auto start = Clock::now();
    for (int i = 0; i < iterations; ++i) body();
    runs.push_back(std::chrono::duration<double>(Clock::now() - start).count() / iterations);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

// One result line for bench/run.sh: `id|value|unit|note`.
inline void row(const char* id, double value, const char* unit, const std::string& note = "") {
  std::printf("%s|%.3f|%s|%s\n", id, value, unit, note.c_str());
  std::fflush(stdout);
}

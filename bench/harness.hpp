// Timing helpers shared by xgrad_bench.cpp and torch_bench.cpp.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

using Clock = std::chrono::steady_clock;

// Time per call of `body` over `repeats` runs of `iterations` calls: the median run, and the best run
// (on a shared machine the best is the closest to the code's own cost).
struct Timing {
  double median, best;
};
inline Timing time_runs(int repeats, int iterations, const std::function<void()>& body) {
  std::vector<double> runs;
  for (int r = 0; r < repeats; ++r) {
    auto start = Clock::now();
    for (int i = 0; i < iterations; ++i) body();
    runs.push_back(std::chrono::duration<double>(Clock::now() - start).count() / iterations);
  }
  std::sort(runs.begin(), runs.end());
  return {runs[runs.size() / 2], runs.front()};
}
inline double median_seconds(int repeats, int iterations, const std::function<void()>& body) {
  return time_runs(repeats, iterations, body).median;
}

// "best 1.23 us" for the notes column.
inline std::string best_note(double seconds, double scale, const char* unit) {
  char text[64];
  std::snprintf(text, sizeof text, "best run %.3g %s", seconds * scale, unit);
  return text;
}

// One result line for bench/run.sh: `id|value|unit|note`.
inline void row(const char* id, double value, const char* unit, const std::string& note = "") {
  std::printf("%s|%.3f|%s|%s\n", id, value, unit, note.c_str());
  std::fflush(stdout);
}

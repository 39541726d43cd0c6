// Shared by the examples: CSV output and gnuplot pictures. Kept out of the library on purpose.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace example {

// Writes `columns` (equal length) under `header` as CSV.
inline void write_csv(const std::string& path, const std::vector<std::string>& header,
                      const std::vector<std::vector<double>>& columns) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path);
  for (size_t c = 0; c < header.size(); ++c) out << (c ? "," : "") << header[c];
  out << "\n";
  size_t rows = columns.empty() ? 0 : columns[0].size();
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < columns.size(); ++c) out << (c ? "," : "") << (r < columns[c].size() ? columns[c][r] : NAN);
    out << "\n";
  }
}

inline bool have_gnuplot() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

// Runs a gnuplot script that draws into `png` (paths relative to the folder holding `png`).
inline void plot(const std::string& png, const std::string& script, const std::string& size = "900,560") {
  std::filesystem::path target(png);
  if (!have_gnuplot()) {
    std::printf("gnuplot not found: kept the CSV data, skipped %s (apt-get install gnuplot-nox)\n", png.c_str());
    return;
  }
  std::filesystem::path gp = target;
  gp.replace_extension(".gp");
  std::ofstream(gp) << "set terminal pngcairo size " << size << " noenhanced\nset output '" << target.filename().string()
                    << "'\nset datafile separator ','\nset key autotitle columnhead\nset grid\n"
                    << script << "\n";
  std::string command = "cd '" + target.parent_path().string() + "' && gnuplot '" + gp.filename().string() + "'";
  if (std::system(command.c_str()) == 0)
    std::printf("wrote %s\n", png.c_str());
  else
    std::printf("gnuplot failed on %s; the CSV data is kept\n", gp.string().c_str());
}

}  // namespace example

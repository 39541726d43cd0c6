// Checkpoints: a named state dict as an .npz archive that numpy.load opens (one .npy per name).
#pragma once

#include <string>

#include "xgrad/nn/module.hpp"

namespace xgrad {

// Writes to a temporary file beside `path`, then renames it over `path`: a crash never leaves a
// half-written checkpoint.
void save(const StateDict& state, const std::string& path);
void save(const nn::Module& module, const std::string& path);
// Reads and validates the whole archive; throws std::runtime_error naming the file and the entry for a
// missing, truncated or corrupted file.
StateDict load_state_dict_file(const std::string& path);
// Loads into `module`; a missing or extra name, or a shape or dtype mismatch, throws before any
// parameter is touched.
void load(nn::Module& module, const std::string& path);

}  // namespace xgrad

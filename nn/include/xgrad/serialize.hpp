// Checkpoints: a named state dict as an .npz archive that numpy.load opens (one .npy per name).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "xgrad/nn/module.hpp"

namespace xgrad {

// Writes to a uniquely named temporary file beside `path`, then renames it over `path`: a crash or a
// failure never leaves a half-written checkpoint, and concurrent saves to one path do not collide (the
// last rename wins). An empty state saves as an empty archive.
void save(const StateDict& state, const std::string& path);
// A model's state_dict(): its parameters and buffers.
void save(const nn::Module& module, const std::string& path);
template <typename ModuleType>
void save(const nn::ModuleHolder<ModuleType>& module, const std::string& path) {
  save(*module, path);
}
template <typename ModuleType>
void save(const std::shared_ptr<ModuleType>& module, const std::string& path) {
  save(static_cast<const nn::Module&>(*module), path);
}
// Reads and validates the whole archive; throws std::runtime_error naming the file and the entry for a
// missing, truncated or corrupted file.
StateDict load_state_dict_file(const std::string& path);
// Loads into `module`; a missing or extra name, or a shape or dtype mismatch, throws before any
// parameter is touched and before any array data is read.
void load(nn::Module& module, const std::string& path);
template <typename ModuleType>
void load(nn::ModuleHolder<ModuleType>& module, const std::string& path) {
  load(*module, path);
}
template <typename ModuleType>
void load(const std::shared_ptr<ModuleType>& module, const std::string& path) {
  load(static_cast<nn::Module&>(*module), path);
}

// What an entry's .npy header declares, known before any of its data is read.
struct EntryHeader {
  std::string name;  // the archive name without ".npy"
  Shape shape;
  Dtype dtype;
};

// An .npz opened for reading. The constructor parses only each entry's .npy header, so a loader can check
// names, shapes and dtypes against what it expects before inflating any data: a few kilobytes of
// compressed entry can declare gigabytes. Every error is a std::runtime_error naming the file and entry.
class CheckpointReader {
 public:
  explicit CheckpointReader(const std::string& path);
  ~CheckpointReader();
  CheckpointReader(const CheckpointReader&) = delete;
  CheckpointReader& operator=(const CheckpointReader&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<EntryHeader>& entries() const { return entries_; }
  // Throws unless the entries named `prefix` + name are exactly `expected`'s names, shapes and dtypes.
  // `noun` and `owner` word the message: "missing parameter 'w'", "... but the model expects [3, 2]";
  // the expected names listed in `buffers` are called "buffer" instead.
  void expect(const std::string& prefix, const StateDict& expected, const std::string& noun, const std::string& owner,
              const std::vector<std::string>& buffers = {}) const;
  // Inflates one entry; its buffer grows only as data arrives.
  Tensor read(size_t index);
  StateDict read_all();
  [[noreturn]] void fail(const std::string& what) const;  // throws "checkpoint '<path>': <what>"

 private:
  struct Archive;
  std::string path_;
  std::unique_ptr<Archive> archive_;
  std::vector<EntryHeader> entries_;
};

}  // namespace xgrad

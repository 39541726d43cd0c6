// .npz checkpoints: xtensor writes each .npy, libzip makes and reads the archive, and a small strict
// parser reads the .npy headers (xtensor's reader sign-extends header lengths above 127 bytes, so a rank-24
// tensor saved fine but could not be loaded).
#include "xgrad/serialize.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>
#include <system_error>
#include <unordered_map>

#include "kernels.hpp"
#include <xtensor/xnpy.hpp>

namespace xgrad {

namespace {
[[noreturn]] void checkpoint_error(const std::string& path, const std::string& what) {
  throw std::runtime_error("checkpoint '" + path + "': " + what);
}

std::string describe(const Shape& shape, Dtype dtype) { return shape_string(shape) + " " + dtype_name(dtype); }

std::string system_message(int error) { return std::generic_category().message(error); }

bool is_directory(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::is_directory(path, ignored);
}

// ---------------------------------------------------------------- writing

std::string to_npy(const Tensor& tensor) {
  std::string bytes;
  Tensor hold;
  const Tensor& values = dense(tensor, hold);
  // Integer tensors too: BatchNorm's num_batches_tracked is an int64 buffer. Bool is refused (a byte other
  // than 0 or 1 read back into a bool would be undefined behaviour; no module has a bool buffer yet).
  if (tensor.dtype() == kBool)
    throw Error("save: bool tensors cannot be saved in a checkpoint (float32, float64, int64 and int32 only)");
  XG_DISPATCH_ALL(tensor.dtype(), if constexpr (!std::is_same<T, bool>::value) bytes = xt::dump_npy(adapt<T>(*values.impl())));
  return bytes;
}

// A file beside the target whose name no other save uses at the same time (process id and a counter,
// claimed with O_EXCL), removed unless it is committed over the target.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& target) : target_(target) {
    static std::atomic<uint64_t> counter{0};
    for (int attempt = 0; attempt < 100; ++attempt) {  // a name can be taken by a crashed run's leftover
      path_ = target + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
      int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd >= 0) {
        ::close(fd);
        return;
      }
      if (errno != EEXIST) checkpoint_error(target, "cannot create a temporary file beside it: " + system_message(errno));
    }
    checkpoint_error(target, "cannot create a temporary file beside it: every name tried is taken");
  }
  ~TemporaryFile() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  const std::string& path() const { return path_; }

  // Flushes the data to disk before the rename, so a crash cannot leave an empty file in place of the old one.
  void commit() {
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    int error = fd < 0 || ::fsync(fd) != 0 ? errno : 0;
    if (fd >= 0) ::close(fd);
    if (error) checkpoint_error(target_, "cannot flush the finished file to disk: " + system_message(error));
    if (std::rename(path_.c_str(), target_.c_str()) != 0)
      checkpoint_error(target_, "cannot move the finished file into place: " + system_message(errno));
    path_.clear();
  }

 private:
  std::string target_, path_;
};

struct ArchiveDiscarder {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
using ZipArchive = std::unique_ptr<zip_t, ArchiveDiscarder>;

std::string zip_error_message(int code) {
  zip_error_t details;
  zip_error_init_with_code(&details, code);
  std::string message = zip_error_strerror(&details);
  zip_error_fini(&details);
  return message;
}

void write_archive(const StateDict& state, const std::string& file, const std::string& path) {
  if (state.empty()) {
    // libzip deletes an archive left with no entries rather than writing it, so write the 22-byte end
    // record of an empty zip (what numpy.savez writes for no arrays) directly.
    const char end_record[22] = {'P', 'K', 5, 6};
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(end_record, sizeof end_record);
    out.close();
    if (!out) checkpoint_error(path, "cannot write " + file);
    return;
  }
  std::vector<std::string> buffers;  // libzip reads them at zip_close
  buffers.reserve(state.size());
  int error = 0;
  ZipArchive archive(zip_open(file.c_str(), ZIP_TRUNCATE, &error));
  if (!archive) checkpoint_error(path, "cannot create " + file + ": " + zip_error_message(error));
  for (auto& [name, tensor] : state) {
    buffers.push_back(to_npy(tensor));
    zip_source_t* source = zip_source_buffer(archive.get(), buffers.back().data(), buffers.back().size(), 0);
    zip_int64_t index = source ? zip_file_add(archive.get(), (name + ".npy").c_str(), source, ZIP_FL_ENC_UTF_8) : -1;
    if (source && index < 0) zip_source_free(source);  // once added, the archive owns it
    // Stored, not deflated: like numpy.savez, and float data barely compresses.
    if (index < 0 || zip_set_file_compression(archive.get(), static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) < 0)
      checkpoint_error(path, "cannot add entry '" + name + "': " + zip_strerror(archive.get()));
  }
  if (zip_close(archive.get()) < 0) checkpoint_error(path, std::string("cannot write: ") + zip_strerror(archive.get()));
  archive.release();  // zip_close freed it
}

// ---------------------------------------------------------------- reading .npy headers

constexpr size_t kMaxHeaderBytes = 1 << 16;  // a float array's header is a few hundred bytes at most
constexpr size_t kMaxRank = 64;              // numpy's own limit

// A cursor over the header dict numpy writes: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
struct Cursor {
  const std::string& text;
  size_t pos = 0;

  void skip_spaces() {
    while (pos < text.size() && text[pos] == ' ') ++pos;
  }
  bool at(char c) {
    skip_spaces();
    return pos < text.size() && text[pos] == c;
  }
  bool take(char c) {
    if (!at(c)) return false;
    ++pos;
    return true;
  }
  bool take_word(const char* word) {
    skip_spaces();
    size_t length = std::strlen(word);
    if (text.compare(pos, length, word) != 0) return false;
    pos += length;
    return true;
  }
  bool take_string(std::string& out) {  // '...' or "...", without escapes (numpy's keys and dtypes have none)
    if (!at('\'') && !at('"')) return false;
    char quote = text[pos];
    size_t end = text.find(quote, pos + 1);
    if (end == std::string::npos) return false;
    out = text.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    return out.find('\\') == std::string::npos;
  }
  bool take_integer(int64_t& out) {  // a Python int literal: digits, no sign, no leading zero
    skip_spaces();
    size_t start = pos;
    out = 0;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
      int digit = text[pos] - '0';
      if (out > (std::numeric_limits<int64_t>::max() - digit) / 10) return false;
      out = out * 10 + digit;
    }
    return pos > start && !(text[start] == '0' && pos - start > 1);
  }
};

bool take_shape(Cursor& in, Shape& shape) {
  if (!in.take('(')) return false;
  while (!in.take(')')) {
    int64_t extent = 0;
    if (!in.take_integer(extent) || shape.size() == kMaxRank) return false;
    shape.push_back(extent);
    // A one-element tuple needs its comma: "(3)" is the integer 3 in Python.
    if (!in.take(',') && !(shape.size() > 1 && in.at(')'))) return false;
  }
  return true;
}

// Parses the header dict strictly (exactly the three keys, each once, then space padding and '\n');
// returns what is wrong, or "" with `shape` and `dtype` set.
std::string parse_header(const std::string& text, Shape& shape, Dtype& dtype) {
  if (text.empty() || text.back() != '\n') return "the header does not end with a newline";
  Cursor in{text};
  if (!in.take('{')) return "the header is not a dict";
  std::string descr;
  bool has_descr = false, has_order = false, has_shape = false;
  while (!in.take('}')) {
    std::string key;
    if (!in.take_string(key) || !in.take(':')) return "the header dict is malformed";
    if (key == "descr" && !has_descr) {
      has_descr = true;
      if (!in.take_string(descr)) return "'descr' is not a string";
    } else if (key == "fortran_order" && !has_order) {
      has_order = true;
      if (in.take_word("True")) return "the array is in Fortran order (only C order is supported)";
      if (!in.take_word("False")) return "'fortran_order' is not True or False";
    } else if (key == "shape" && !has_shape) {
      has_shape = true;
      if (!take_shape(in, shape))
        return "'shape' is not a tuple of at most " + std::to_string(kMaxRank) + " non-negative integers";
    } else {
      return "the header has an unexpected or repeated key '" + key + "'";
    }
    if (!in.take(',') && !in.at('}')) return "the header dict is malformed";
  }
  if (!has_descr || !has_order || !has_shape) return "the header lacks 'descr', 'fortran_order' or 'shape'";
  in.skip_spaces();
  if (in.pos != text.size() - 1) return "the header has bytes after its dict";
  if (descr == "<f4") dtype = kFloat32;
  else if (descr == "<f8") dtype = kFloat64;
  else if (descr == "<i8") dtype = kInt64;
  else if (descr == "<i4") dtype = kInt32;
  else return "unsupported element type '" + descr + "' (float32 '<f4', float64 '<f8', int64 '<i8' and int32 '<i4' only)";
  return "";
}

struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};
using ZipFile = std::unique_ptr<zip_file_t, ZipFileCloser>;

// Reads `size` bytes, fewer only at the end of the entry; -1 on a read error.
zip_int64_t read_up_to(zip_file_t* file, char* into, size_t size) {
  size_t done = 0;
  while (done < size) {
    zip_int64_t got = zip_fread(file, into + done, size - done);
    if (got < 0) return -1;
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return static_cast<zip_int64_t>(done);
}
}  // namespace

// ---------------------------------------------------------------- CheckpointReader

struct CheckpointReader::Archive {
  ZipArchive zip;
  struct Layout {
    zip_uint64_t index;    // in the zip
    std::string preamble;  // magic, version, header length and header: everything before the data
    size_t data_bytes;
  };
  std::vector<Layout> layouts;  // parallel to entries_
};

void CheckpointReader::fail(const std::string& what) const { checkpoint_error(path_, what); }

CheckpointReader::CheckpointReader(const std::string& path) : path_(path), archive_(std::make_unique<Archive>()) {
  if (is_directory(path)) fail("is a directory, not an .npz archive");
  // One open file for the whole read: zip_open(path) would stat and open the name separately, and a
  // concurrent save renaming a new file into place between the two made a good archive look corrupted.
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) fail("cannot open the file: " + system_message(errno));
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_filep_create(file, 0, -1, &error);  // owns `file` from here
  if (!source) std::fclose(file);
  else archive_->zip.reset(zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error));
  if (source && !archive_->zip) zip_source_free(source);
  if (!archive_->zip) {
    std::string reason = zip_error_code_zip(&error) == ZIP_ER_EXISTS ? "two entries have the same name"
                                                                       : zip_error_strerror(&error);
    zip_error_fini(&error);
    fail("cannot open as an .npz archive: " + reason);
  }
  zip_t* zip = archive_->zip.get();
  std::set<std::string> names;
  zip_int64_t count = zip_get_num_entries(zip, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t info;
    if (zip_stat_index(zip, static_cast<zip_uint64_t>(i), 0, &info) != 0 || !(info.valid & ZIP_STAT_NAME))
      fail("entry " + std::to_string(i) + " is unreadable");
    std::string file_name = info.name;
    if (file_name.size() < 5 || file_name.compare(file_name.size() - 4, 4, ".npy") != 0)
      fail("entry '" + file_name + "' is not a .npy array");
    std::string name = file_name.substr(0, file_name.size() - 4);
    if (!names.insert(name).second) fail("entry '" + name + "' appears twice");
    if (!(info.valid & ZIP_STAT_SIZE)) fail("entry '" + name + "' has no size");
    auto bad = [&](const std::string& what) { fail("entry '" + name + "' " + what); };

    ZipFile file(zip_fopen_index(zip, static_cast<zip_uint64_t>(i), 0));
    if (!file) bad(std::string("cannot be opened: ") + zip_strerror(zip));
    // Magic (6 bytes), version (2), header length (2 for version 1.0, 4 for 2.0 and 3.0), header.
    std::string preamble(10, '\0');
    if (read_up_to(file.get(), preamble.data(), 10) != 10 || preamble.compare(0, 6, "\x93NUMPY") != 0)
      bad("is not a .npy array (no \\x93NUMPY magic)");
    unsigned major = static_cast<unsigned char>(preamble[6]), minor = static_cast<unsigned char>(preamble[7]);
    if (!((major == 1 || major == 2 || major == 3) && minor == 0))
      bad("has unsupported .npy version " + std::to_string(major) + "." + std::to_string(minor));
    if (major > 1) {
      preamble.resize(12);
      if (read_up_to(file.get(), &preamble[10], 2) != 2) bad("is truncated in its .npy header");
    }
    size_t header_bytes = 0;  // little-endian, read as unsigned bytes
    for (size_t b = preamble.size(); b-- > 8;) header_bytes = header_bytes << 8 | static_cast<unsigned char>(preamble[b]);
    if (header_bytes > kMaxHeaderBytes)
      bad("has a .npy header of " + std::to_string(header_bytes) + " bytes (at most " + std::to_string(kMaxHeaderBytes) +
          " accepted)");
    size_t start = preamble.size();
    preamble.resize(start + header_bytes);
    if (read_up_to(file.get(), &preamble[start], header_bytes) != static_cast<zip_int64_t>(header_bytes))
      bad("is truncated in its .npy header");
    EntryHeader entry{name, {}, kFloat32};
    std::string problem = parse_header(preamble.substr(start), entry.shape, entry.dtype);
    if (!problem.empty()) bad("has an invalid .npy header: " + problem);
    // The data size the header promises must be exactly what the zip directory says the entry holds, so
    // neither a forged shape nor a forged size can make a reader allocate more than the other allows.
    size_t elements = 1, limit = static_cast<size_t>(std::numeric_limits<int64_t>::max()) / 8;
    for (int64_t extent : entry.shape) {
      if (extent != 0 && elements > limit / static_cast<size_t>(extent)) bad("declares an impossible shape " + shape_string(entry.shape));
      elements *= static_cast<size_t>(extent);
    }
    size_t data_bytes = elements * dtype_size(entry.dtype);
    if (info.size < preamble.size() || info.size - preamble.size() != data_bytes)
      bad("is truncated or has trailing bytes: shape " + describe(entry.shape, entry.dtype) + " needs " +
          std::to_string(data_bytes) + " bytes of data, the entry holds " +
          std::to_string(info.size < preamble.size() ? 0 : info.size - preamble.size()));
    entries_.push_back(std::move(entry));
    archive_->layouts.push_back({static_cast<zip_uint64_t>(i), std::move(preamble), data_bytes});
  }
}

CheckpointReader::~CheckpointReader() = default;

void CheckpointReader::expect(const std::string& prefix, const StateDict& expected, const std::string& noun,
                              const std::string& owner, const std::vector<std::string>& buffers) const {
  std::unordered_map<std::string, const Tensor*> wanted;
  for (auto& [name, tensor] : expected) wanted.emplace(prefix + name, &tensor);
  const std::set<std::string> buffer_set(buffers.begin(), buffers.end());
  auto noun_of = [&](const std::string& name) {  // name without the prefix
    return buffer_set.count(name) ? std::string("buffer") : noun;
  };
  size_t matched = 0;
  for (const EntryHeader& entry : entries_) {
    if (entry.name.compare(0, prefix.size(), prefix) != 0) continue;
    auto found = wanted.find(entry.name);
    if (found == wanted.end()) fail("unexpected " + noun + " '" + entry.name + "'");
    const Tensor& like = *found->second;
    if (entry.shape != like.shape() || entry.dtype != like.dtype())
      fail(noun_of(entry.name.substr(prefix.size())) + " '" + entry.name + "' is " + describe(entry.shape, entry.dtype) +
           " in the file, but " + owner + " expects " + describe(like.shape(), like.dtype()));
    ++matched;
  }
  if (matched == wanted.size()) return;
  std::set<std::string> present;
  for (const EntryHeader& entry : entries_) present.insert(entry.name);
  for (auto& [name, tensor] : expected)
    if (!present.count(prefix + name)) fail("missing " + noun_of(name) + " '" + prefix + name + "'");
}

Tensor CheckpointReader::read(size_t index) {
  const EntryHeader& entry = entries_.at(index);
  const Archive::Layout& layout = archive_->layouts[index];
  auto bad = [&](const std::string& what) { fail("entry '" + entry.name + "' " + what); };
  ZipFile file(zip_fopen_index(archive_->zip.get(), layout.index, 0));
  if (!file) bad(std::string("cannot be opened: ") + zip_strerror(archive_->zip.get()));
  std::string preamble(layout.preamble.size(), '\0');
  if (read_up_to(file.get(), preamble.data(), preamble.size()) != static_cast<zip_int64_t>(preamble.size()) ||
      preamble != layout.preamble)
    bad("changed while it was being read");
  // Grow the buffer only as data arrives, so a forged size cannot make us allocate what the entry lacks.
  std::string data;
  char chunk[1 << 16];
  while (data.size() < layout.data_bytes) {
    zip_int64_t got = zip_fread(file.get(), chunk, std::min(sizeof chunk, layout.data_bytes - data.size()));
    if (got < 0) bad(std::string("is corrupted: ") + zip_file_strerror(file.get()));
    if (got == 0) bad("is truncated: its data ends after " + std::to_string(data.size()) + " of " +
                      std::to_string(layout.data_bytes) + " bytes");
    data.append(chunk, static_cast<size_t>(got));
  }
  // Reading on to the end is what makes libzip check the entry's CRC.
  zip_int64_t extra = zip_fread(file.get(), chunk, 1);
  if (extra < 0) bad(std::string("is corrupted: ") + zip_file_strerror(file.get()));
  if (extra > 0) bad("has bytes after its data");
  Tensor tensor = make_tensor(entry.shape, entry.dtype);
  if (!data.empty()) std::memcpy(tensor.impl()->raw(), data.data(), data.size());
  return tensor;
}

StateDict CheckpointReader::read_all() {
  StateDict state;
  state.reserve(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) state.emplace_back(entries_[i].name, read(i));
  return state;
}

// ---------------------------------------------------------------- public functions

void save(const StateDict& state, const std::string& path) {
  std::set<std::string> names;
  for (auto& [name, tensor] : state) {
    if (name.empty()) checkpoint_error(path, "an entry name is empty");
    size_t nul = name.find('\0');  // cut there: the name would be cut there in the archive and in messages
    if (nul != std::string::npos) checkpoint_error(path, "entry name '" + name.substr(0, nul) + "...' contains a NUL byte");
    if (!names.insert(name).second) checkpoint_error(path, "entry '" + name + "' appears twice");
    if (!tensor.defined()) checkpoint_error(path, "entry '" + name + "' is undefined");
  }
  if (is_directory(path)) checkpoint_error(path, "is a directory");
  TemporaryFile temporary(path);  // removed by its destructor if anything below throws
  write_archive(state, temporary.path(), path);
  temporary.commit();
}

void save(const nn::Module& module, const std::string& path) { save(module.state_dict(), path); }

StateDict load_state_dict_file(const std::string& path) { return CheckpointReader(path).read_all(); }

void load(nn::Module& module, const std::string& path) {
  CheckpointReader reader(path);
  reader.expect("", module.state_dict(), "parameter", "the model", module.buffer_names());
  StateDict state = reader.read_all();
  try {
    module.load_state_dict(state);
  } catch (const std::invalid_argument& error) {
    reader.fail(error.what());
  }
}

}  // namespace xgrad

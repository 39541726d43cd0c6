// .npz checkpoints: xtensor writes and parses each .npy, libzip makes the archive.
#include "xgrad/serialize.hpp"

#include <zip.h>

#include <cstdio>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "kernels.hpp"
#include <xtensor/xnpy.hpp>

namespace xgrad {

namespace {
[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("checkpoint '" + path + "': " + what);
}

std::string to_npy(const Tensor& tensor) {
  std::string bytes;
  XG_DISPATCH(tensor.dtype(), bytes = xt::dump_npy(adapt<T>(*tensor.impl())));
  return bytes;
}

// Parses one .npy with xtensor's reader after checking that its header promises no more data than the
// entry holds, so a corrupted header can neither over-allocate nor read past the end.
Tensor from_npy(const std::string& bytes, const std::string& path, const std::string& name) {
  std::istringstream header_stream(bytes);
  std::string typestring;
  std::vector<size_t> shape;
  try {
    unsigned char major = 0, minor = 0;
    xt::detail::read_magic(header_stream, &major, &minor);
    std::string header;
    if (major == 1 && minor == 0) header = xt::detail::read_header_1_0(header_stream);
    else if (major == 2 && minor == 0) header = xt::detail::read_header_2_0(header_stream);
    else fail(path, "entry '" + name + "' has an unsupported .npy version");
    bool fortran_order = false;
    xt::detail::parse_header(header, typestring, &fortran_order, shape);
    if (fortran_order) fail(path, "entry '" + name + "' is in Fortran order");
  } catch (const std::exception& error) {  // xtensor's parser throws runtime_error, stoi invalid_argument
    if (std::string(error.what()).rfind("checkpoint", 0) == 0) throw;
    fail(path, "entry '" + name + "' is not a valid .npy array (" + error.what() + ")");
  }
  Dtype dtype;
  if (typestring == "<f4") dtype = kFloat32;
  else if (typestring == "<f8") dtype = kFloat64;
  else fail(path, "entry '" + name + "' has unsupported element type '" + typestring + "' (float32/float64 only)");
  Shape dims;
  size_t count = 1;
  for (size_t extent : shape) {
    if (extent != 0 && count > std::numeric_limits<size_t>::max() / 8 / extent)
      fail(path, "entry '" + name + "' declares an impossible shape");
    count *= extent;
    dims.push_back(static_cast<int64_t>(extent));
  }
  std::streamoff data_start = header_stream.tellg();
  if (data_start < 0 || bytes.size() - static_cast<size_t>(data_start) != count * dtype_size(dtype))
    fail(path, "entry '" + name + "' is truncated or has trailing bytes: shape " + shape_string(dims) + " needs " +
                   std::to_string(count * dtype_size(dtype)) + " bytes of data");
  std::istringstream stream(bytes);
  auto file = xt::detail::load_npy_file(stream);
  Tensor tensor = make_tensor(dims, dtype);
  std::copy(file.ptr(), file.ptr() + file.n_bytes(), static_cast<char*>(tensor.impl()->raw()));
  return tensor;
}

struct ArchiveCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
}  // namespace

void save(const StateDict& state, const std::string& path) {
  std::string temporary = path + ".tmp";
  int error = 0;
  zip_t* archive = zip_open(temporary.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!archive) fail(path, "cannot create " + temporary);
  // Any failure drops the unfinished archive and its temporary file: the target is never touched.
  auto abandon = [&](const std::string& what) {
    zip_discard(archive);
    std::remove(temporary.c_str());
    fail(path, what);
  };
  std::vector<std::string> buffers;  // libzip reads them at zip_close
  buffers.reserve(state.size());
  for (auto& [name, tensor] : state) {
    if (!tensor.defined()) abandon("entry '" + name + "' is undefined");
    buffers.push_back(to_npy(tensor));
    zip_source_t* source = zip_source_buffer(archive, buffers.back().data(), buffers.back().size(), 0);
    zip_int64_t index = source ? zip_file_add(archive, (name + ".npy").c_str(), source, ZIP_FL_ENC_UTF_8) : -1;
    // Stored, not deflated: like numpy.savez, and float data barely compresses.
    if (index < 0 || zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) < 0) {
      if (source && index < 0) zip_source_free(source);  // once added, the archive owns it
      abandon("cannot add entry '" + name + "': " + zip_strerror(archive));
    }
  }
  if (zip_close(archive) < 0) abandon(std::string("cannot write: ") + zip_strerror(archive));
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    fail(path, "cannot move the finished file into place");
  }
}

void save(const nn::Module& module, const std::string& path) { save(module.state_dict(), path); }

StateDict load_state_dict_file(const std::string& path) {
  int error = 0;
  std::unique_ptr<zip_t, ArchiveCloser> archive(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error));
  if (!archive) {
    zip_error_t details;
    zip_error_init_with_code(&details, error);
    std::string reason = zip_error_strerror(&details);
    zip_error_fini(&details);
    fail(path, "cannot open as an .npz archive: " + reason);
  }
  StateDict state;
  zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t info;
    if (zip_stat_index(archive.get(), i, 0, &info) != 0) fail(path, "entry " + std::to_string(i) + " is unreadable");
    std::string file_name = info.name;
    if (file_name.size() < 5 || file_name.compare(file_name.size() - 4, 4, ".npy") != 0)
      fail(path, "entry '" + file_name + "' is not a .npy array");
    std::string name = file_name.substr(0, file_name.size() - 4);
    if (!(info.valid & ZIP_STAT_SIZE)) fail(path, "entry '" + name + "' has no size");
    zip_file_t* file = zip_fopen_index(archive.get(), i, 0);
    if (!file) fail(path, "entry '" + name + "' cannot be opened: " + zip_strerror(archive.get()));
    // Grow the buffer only as data actually arrives, so a forged size cannot make us allocate it up front.
    std::string bytes;
    char chunk[1 << 16];
    zip_int64_t got = 0;
    while ((got = zip_fread(file, chunk, sizeof chunk)) > 0) {
      bytes.append(chunk, static_cast<size_t>(got));
      if (bytes.size() > info.size) break;
    }
    zip_fclose(file);
    if (got < 0 || bytes.size() != info.size) fail(path, "entry '" + name + "' is truncated or corrupted");
    for (auto& entry : state)
      if (entry.first == name) fail(path, "entry '" + name + "' appears twice");
    state.emplace_back(name, from_npy(bytes, path, name));
  }
  return state;
}

void load(nn::Module& module, const std::string& path) {
  StateDict state = load_state_dict_file(path);
  try {
    module.load_state_dict(state);
  } catch (const std::invalid_argument& error) {
    fail(path, error.what());
  }
}

}  // namespace xgrad

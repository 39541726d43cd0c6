// Hostile checkpoint files, tried systematically: every .npy header field out of range, wrong dtypes and
// shapes, unknown, missing and duplicate entries, out-of-range values, truncations and byte flips, a
// decompression bomb, and concurrent saves. Every failed load must throw std::runtime_error naming the
// file and leave the model, optimizer and scheduler bit-identical.
#include <sys/resource.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "helpers.hpp"

namespace nn = xg::nn;
namespace optim = xg::optim;
namespace fs = std::filesystem;

namespace {
doctest::Contains contains(const std::string& text) { return doctest::Contains(text.c_str()); }

// A fresh directory per process: ctest runs the cases of one binary in parallel processes.
struct ScratchDir {
  ScratchDir() : path(fs::temp_directory_path() / ("xgrad_adv_files_" + std::to_string(getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (auto& entry : fs::directory_iterator(path)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  fs::path path;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::remove(path.c_str());  // rather than truncate: ext4 flushes a truncated-and-rewritten file on close
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Names, shapes, dtypes and the exact bits of every tensor.
std::string fingerprint(const xg::StateDict& state) {
  std::string out;
  for (auto& [name, t] : state) {
    out += name + xg::shape_string(t.shape()) + xg::dtype_name(t.dtype()) + ":";
    if (t.dtype() == xg::kFloat32) out.append(reinterpret_cast<const char*>(t.data_ptr<float>()), t.numel() * 4);
    else out.append(reinterpret_cast<const char*>(t.data_ptr<double>()), t.numel() * 8);
  }
  return out;
}

// A model, an Adam optimizer with state and a stepped scheduler.
struct Training {
  nn::Sequential model{nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 2)};
  optim::Adam adam{model->parameters(), optim::AdamOptions(0.01)};
  optim::StepLR schedule{adam, 1, 0.5};
  explicit Training(int steps = 2) {
    xg::Tensor x = xg::randn({5, 3});
    for (int i = 0; i < steps; ++i) {
      adam.zero_grad();
      nn::functional::mse_loss(model(x), xg::zeros({5, 2})).backward();
      adam.step();
      schedule.step();
    }
  }
  std::string snapshot() const {
    return fingerprint(model->state_dict()) + "|" + fingerprint(adam.state_dict()) + "|" + fingerprint(schedule.state_dict());
  }
  void load(const std::string& path) { optim::load_checkpoint(path, model, adam, &schedule); }
};

// ------------------------------------------------------------ building .npy entries and archives

std::string dict(const std::string& descr, const std::string& shape, const std::string& order = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
}
// An .npy as numpy writes it: magic, version, little-endian header length, header padded to 64 with '\n'.
std::string npy(const std::string& header_dict, const std::string& data, unsigned char major = 1) {
  size_t prefix = major == 1 ? 10 : 12;
  std::string header = header_dict;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (size_t b = 0; b < prefix - 8; ++b) out += static_cast<char>(header.size() >> (8 * b) & 0xff);
  return out + header + data;
}
std::string floats(size_t count, float value = 0.25f) {
  std::string bytes(count * 4, '\0');
  for (size_t i = 0; i < count; ++i) std::memcpy(&bytes[i * 4], &value, 4);
  return bytes;
}
std::string number(double value) {
  std::string bytes(8, '\0');
  std::memcpy(&bytes[0], &value, 8);
  return npy(dict("<f8", "()"), bytes);
}

struct Entry {
  std::string name;         // with ".npy"
  std::string bytes;        // followed by `zeros` zero bytes, generated as libzip reads them
  size_t zeros = 0;
  int method = ZIP_CM_STORE;
};

// A libzip source that streams `head` and then zeros, so a huge entry is built without allocating it.
struct Stream {
  const Entry* entry;
  size_t offset = 0;
  static zip_int64_t callback(void* state, void* data, zip_uint64_t length, zip_source_cmd_t command) {
    auto* self = static_cast<Stream*>(state);
    size_t total = self->entry->bytes.size() + self->entry->zeros;
    switch (command) {
      case ZIP_SOURCE_OPEN: self->offset = 0; return 0;
      case ZIP_SOURCE_READ: {
        const std::string& head = self->entry->bytes;
        size_t n = std::min<size_t>(length, total - self->offset);
        size_t from_head = self->offset < head.size() ? std::min(n, head.size() - self->offset) : 0;
        if (from_head > 0) std::memcpy(data, head.data() + self->offset, from_head);
        std::memset(static_cast<char*>(data) + from_head, 0, n - from_head);
        self->offset += n;
        return static_cast<zip_int64_t>(n);
      }
      case ZIP_SOURCE_CLOSE: return 0;
      case ZIP_SOURCE_STAT: {
        auto* info = static_cast<zip_stat_t*>(data);
        zip_stat_init(info);
        info->size = total;
        info->valid |= ZIP_STAT_SIZE;
        return sizeof(zip_stat_t);
      }
      case ZIP_SOURCE_ERROR: return 2 * sizeof(int);
      case ZIP_SOURCE_FREE: return 0;
      case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                              ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
      default: return -1;
    }
  }
};

void write_zip(const std::string& path, const std::vector<Entry>& entries) {
  std::remove(path.c_str());
  int error = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  REQUIRE(zip);
  std::vector<Stream> streams(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    streams[i].entry = &entries[i];
    zip_source_t* source = zip_source_function(zip, &Stream::callback, &streams[i]);
    zip_int64_t index = zip_file_add(zip, entries[i].name.c_str(), source, ZIP_FL_OVERWRITE);
    REQUIRE(index >= 0);
    REQUIRE(zip_set_file_compression(zip, static_cast<zip_uint64_t>(index), entries[i].method, 1) == 0);
  }
  REQUIRE(zip_close(zip) == 0);
}

std::vector<Entry> read_zip(const std::string& path) {
  int error = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_RDONLY, &error);
  REQUIRE(zip);
  std::vector<Entry> entries;
  for (zip_int64_t i = 0; i < zip_get_num_entries(zip, 0); ++i) {
    zip_stat_t info;
    REQUIRE(zip_stat_index(zip, static_cast<zip_uint64_t>(i), 0, &info) == 0);
    std::string bytes(info.size, '\0');
    zip_file_t* file = zip_fopen_index(zip, static_cast<zip_uint64_t>(i), 0);
    REQUIRE(zip_fread(file, &bytes[0], info.size) == static_cast<zip_int64_t>(info.size));
    zip_fclose(file);
    entries.push_back({info.name, bytes});
  }
  zip_discard(zip);
  return entries;
}

// `entries` with `name` replaced by `bytes` (or removed when `bytes` is empty).
std::vector<Entry> with(std::vector<Entry> entries, const std::string& name, const std::string& bytes) {
  auto found = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.name == name; });
  REQUIRE(found != entries.end());
  if (bytes.empty()) entries.erase(found);
  else found->bytes = bytes;
  return entries;
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// A bad .npy for an entry that should be [4, 3] float32, and what the error must say.
struct BadEntry {
  const char* what;
  std::string bytes;
  std::string message;
  bool structural;  // wrong for any reader, not only against the model's expectation
};

std::vector<BadEntry> bad_weights() {
  std::string ok_data = floats(12);
  std::string rank65 = "(";
  for (int i = 0; i < 65; ++i) rank65 += "1, ";
  rank65 += ")";
  std::string no_newline = npy(dict("<f4", "(4, 3)"), ok_data);
  no_newline[no_newline.size() - ok_data.size() - 1] = ' ';
  std::string short_length = npy(dict("<f4", "(4, 3)"), ok_data);
  short_length[8] = 10;  // the length field says 10 bytes; the dict is longer
  std::string long_length = npy(dict("<f4", "(4, 3)"), ok_data);
  long_length[8] = '\xff';
  long_length[9] = '\xff';
  std::string huge_v2 = npy(dict("<f4", "(4, 3)"), ok_data, 2);
  huge_v2.replace(8, 4, std::string("\0\0\x10\0", 4));  // 1 MiB
  std::string bad_magic = npy(dict("<f4", "(4, 3)"), ok_data);
  bad_magic[5] = 'Z';
  auto version = [&](char major, char minor) {
    std::string bytes = npy(dict("<f4", "(4, 3)"), ok_data);
    bytes[6] = major;
    bytes[7] = minor;
    return bytes;
  };
  return {
      {"float64", npy(dict("<f8", "(4, 3)"), floats(24)), "is [4, 3] float64 in the file, but the model expects [4, 3] float32", false},
      {"int32", npy(dict("<i4", "(4, 3)"), ok_data), "is [4, 3] int32 in the file, but the model expects [4, 3] float32", false},
      {"int16", npy(dict("<i2", "(4, 3)"), std::string(24, '\0')), "unsupported element type '<i2'", true},
      {"big-endian", npy(dict(">f4", "(4, 3)"), ok_data), "unsupported element type '>f4'", true},
      {"bytes", npy(dict("|u1", "(4, 3)"), std::string(12, '\0')), "unsupported element type '|u1'", true},
      {"float16", npy(dict("<f2", "(4, 3)"), std::string(24, '\0')), "unsupported element type '<f2'", true},
      {"object", npy(dict("|O", "(4, 3)"), ok_data), "unsupported element type '|O'", true},
      {"transposed", npy(dict("<f4", "(3, 4)"), ok_data), "is [3, 4] float32 in the file, but the model expects [4, 3] float32", false},
      {"flat", npy(dict("<f4", "(12,)"), ok_data), "is [12] float32 in the file", false},
      {"rank 3", npy(dict("<f4", "(4, 3, 1)"), ok_data), "is [4, 3, 1] float32", false},
      {"0-d", npy(dict("<f4", "()"), floats(1)), "is [] float32", false},
      {"empty", npy(dict("<f4", "(4, 0)"), ""), "is [4, 0] float32", false},
      {"bomb", npy(dict("<f4", "(4000000000, 3)"), ok_data), "truncated or has trailing bytes", true},
      {"negative extent", npy(dict("<f4", "(-4, 3)"), ok_data), "'shape' is not a tuple", true},
      {"fractional extent", npy(dict("<f4", "(4, 3.0)"), ok_data), "'shape' is not a tuple", true},
      {"not a tuple", npy(dict("<f4", "(12)"), ok_data), "'shape' is not a tuple", true},
      {"a list", npy(dict("<f4", "[4, 3]"), ok_data), "'shape' is not a tuple", true},
      {"leading zero", npy(dict("<f4", "(04, 3)"), ok_data), "'shape' is not a tuple", true},
      {"int64 overflow", npy(dict("<f4", "(99999999999999999999, 3)"), ok_data), "'shape' is not a tuple", true},
      {"size overflow", npy(dict("<f4", "(9223372036854775807, 3)"), ok_data), "impossible shape", true},
      {"rank 65", npy(dict("<f4", rank65), floats(1)), "at most 64", true},
      {"Fortran order", npy(dict("<f4", "(4, 3)", "True"), ok_data), "Fortran order", true},
      {"fortran_order 0", npy(dict("<f4", "(4, 3)", "0"), ok_data), "'fortran_order' is not True or False", true},
      {"no shape", npy("{'descr': '<f4', 'fortran_order': False, }", ok_data), "lacks", true},
      {"extra key", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), 'x': 1, }", ok_data), "unexpected or repeated key 'x'", true},
      {"repeated key", npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4, 3)}", ok_data), "unexpected or repeated key 'descr'", true},
      {"not a dict", npy("('<f4', False, (4, 3))", ok_data), "not a dict", true},
      {"missing comma", npy("{'descr': '<f4' 'fortran_order': False, 'shape': (4, 3)}", ok_data), "malformed", true},
      {"unterminated string", npy("{'descr': '<f4, 'fortran_order': False, 'shape': (4, 3)}", ok_data), "malformed", true},
      {"trailing bytes in the header", npy(dict("<f4", "(4, 3)") + " junk", ok_data), "bytes after its dict", true},
      {"no newline", no_newline, "does not end with a newline", true},
      {"short header length", short_length, "does not end with a newline", true},
      {"header longer than the entry", long_length, "truncated in its .npy header", true},
      {"1 MiB header", huge_v2, "1048576 bytes", true},
      {"bad magic", bad_magic, "no \\x93NUMPY magic", true},
      {"version 0.0", version(0, 0), "unsupported .npy version 0.0", true},
      {"version 1.1", version(1, 1), "unsupported .npy version 1.1", true},
      {"version 4.0", version(4, 0), "unsupported .npy version 4.0", true},
      {"too short", "\x93NUM", "is not a .npy array", true},
      {"nothing", std::string(), "", true},  // (removed from the archive: a missing entry)
      {"one byte short", npy(dict("<f4", "(4, 3)"), floats(11) + "abc"), "needs 48 bytes of data, the entry holds 47", true},
      {"one byte long", npy(dict("<f4", "(4, 3)"), ok_data + "x"), "needs 48 bytes of data, the entry holds 49", true},
  };
}
}  // namespace

TEST_CASE("every malformed .npy field is refused by load, load_checkpoint and load_state_dict_file") {
  ScratchDir dir;
  Training source, target;
  std::string model_file = dir.file("model.npz"), checkpoint = dir.file("checkpoint.npz"), bad = dir.file("bad.npz");
  xg::save(source.model, model_file);
  optim::save_checkpoint(checkpoint, source.model, source.adam, &source.schedule);
  std::vector<Entry> model_entries = read_zip(model_file), checkpoint_entries = read_zip(checkpoint);
  const std::string before = target.snapshot();

  for (const BadEntry& entry : bad_weights()) {
    CAPTURE(entry.what);
    bool missing = entry.bytes.empty();
    std::string message = missing ? "missing parameter" : entry.message;
    // Into a module.
    write_zip(bad, with(model_entries, "0.weight.npy", entry.bytes));
    CHECK_THROWS_WITH_AS(xg::load(target.model, bad), contains("checkpoint '" + bad + "'"), std::runtime_error);
    CHECK_THROWS_WITH_AS(xg::load(target.model, bad), contains(missing ? "missing parameter '0.weight'" : "'0.weight'"), std::runtime_error);
    CHECK_THROWS_WITH_AS(xg::load(target.model, bad), contains(message), std::runtime_error);
    if (entry.structural && !missing)
      CHECK_THROWS_WITH_AS(xg::load_state_dict_file(bad), contains(message), std::runtime_error);
    // Into a whole checkpoint.
    write_zip(bad, with(checkpoint_entries, "model.0.weight.npy", entry.bytes));
    CHECK_THROWS_WITH_AS(target.load(bad), contains("'model.0.weight'"), std::runtime_error);
    CHECK_THROWS_WITH_AS(target.load(bad), contains(message), std::runtime_error);
    REQUIRE(target.snapshot() == before);
  }
}

TEST_CASE("numpy's header variants are accepted: versions 2.0 and 3.0, double quotes, any key order, no trailing comma") {
  ScratchDir dir;
  std::string path = dir.file("variants.npz");
  std::string data = floats(6, 1.5f);
  std::vector<std::string> variants = {
      npy(dict("<f4", "(2, 3)"), data, 2),
      npy(dict("<f4", "(2, 3)"), data, 3),
      npy("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}", data),
      npy("{'shape':(2,3),'fortran_order':False,'descr':'<f4'}", data),
      npy("{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 2 , 3 , ) , }", data),
  };
  for (const std::string& variant : variants) {
    write_zip(path, {{"w.npy", variant}});
    xg::StateDict state = xg::load_state_dict_file(path);
    REQUIRE(state.size() == 1);
    CHECK(state[0].second.shape() == xg::Shape{2, 3});
    CHECK(state[0].second.to_vector<float>() == std::vector<float>(6, 1.5f));
  }
}

TEST_CASE("tensors of every rank up to numpy's 64, empty tensors and special values round-trip bit for bit") {
  ScratchDir dir;
  std::string path = dir.file("ranks.npz");
  xg::StateDict state;
  for (size_t rank : {0, 1, 2, 5, 23, 24, 25, 40, 64}) {
    xg::Shape shape(rank, 1);
    if (rank > 0) shape[0] = 2;
    if (rank > 1) shape[rank - 1] = 3;
    state.emplace_back("rank" + std::to_string(rank), xg::randn(shape));
  }
  state.emplace_back("empty", xg::zeros({3, 0, 2}));
  state.emplace_back("none", xg::zeros({0}, xg::dtype(xg::kFloat64)));
  double inf = std::numeric_limits<double>::infinity();
  state.emplace_back("special", xg::tensor({-0.0, inf, -inf, std::nan(""), 4.9e-324, 1.7976931348623157e308}, xg::dtype(xg::kFloat64)));
  xg::save(state, path);
  // The rank-24 header is over 127 bytes: xtensor's reader sign-extended its length and failed.
  for (const Entry& entry : read_zip(path))
    if (entry.name == "rank24.npy")
      CHECK((static_cast<unsigned char>(entry.bytes[8]) | static_cast<unsigned char>(entry.bytes[9]) << 8) > 127);
  xg::StateDict loaded = xg::load_state_dict_file(path);
  CHECK(fingerprint(loaded) == fingerprint(state));
  // And into a module whose parameter has rank 24.
  struct Deep : nn::Module {
    Deep() { w = register_parameter("w", xg::randn(xg::Shape(24, 1))); }
    xg::Tensor w;
  } deep, other;
  xg::save(deep, path);
  xg::load(other, path);
  CHECK(fingerprint(other.state_dict()) == fingerprint(deep.state_dict()));
}

TEST_CASE("a module without parameters saves and loads back an empty archive") {
  ScratchDir dir;
  std::string path = dir.file("empty.npz");
  nn::Sequential empty{nn::ReLU(), nn::Tanh()};
  xg::save(empty, path);  // failed with "cannot move the finished file into place"
  CHECK(read_bytes(path).size() == 22);  // just the end record, as numpy.savez writes for no arrays
  xg::load(empty, path);
  CHECK(xg::load_state_dict_file(path).empty());
  xg::save(xg::StateDict(), path);
  CHECK(xg::load_state_dict_file(path).empty());
  // An empty archive for a model with parameters is a missing parameter, and changes nothing.
  Training target;
  std::string before = target.snapshot();
  CHECK_THROWS_WITH_AS(xg::load(target.model, path), doctest::Contains("missing parameter '0.weight'"), std::runtime_error);
  CHECK_THROWS_WITH_AS(target.load(path), doctest::Contains("missing parameter 'model.0.weight'"), std::runtime_error);
  CHECK(target.snapshot() == before);
  CHECK(dir.listing() == std::vector<std::string>{"empty.npz"});
}

TEST_CASE("unknown, missing, duplicate and misplaced entries, and out-of-range values in a checkpoint") {
  ScratchDir dir;
  Training source, target;
  std::string good = dir.file("good.npz"), bad = dir.file("bad.npz");
  optim::save_checkpoint(good, source.model, source.adam, &source.schedule);
  const std::vector<Entry> entries = read_zip(good);
  const std::string before = target.snapshot();
  auto refused = [&](const std::vector<Entry>& archive, const std::string& message) {
    write_zip(bad, archive);
    CHECK_THROWS_WITH_AS(target.load(bad), contains(message), std::runtime_error);
    REQUIRE(target.snapshot() == before);
  };
  auto plus = [&](Entry extra) {
    std::vector<Entry> more = entries;
    more.push_back(std::move(extra));
    return more;
  };
  std::string weight = npy(dict("<f4", "(4, 3)"), floats(12));
  refused(plus({"other.x.npy", number(1)}), "unexpected entry 'other.x'");
  refused(plus({"model.extra.npy", number(1)}), "unexpected parameter 'model.extra'");
  refused(plus({"notes.txt", "hello"}), "entry 'notes.txt' is not a .npy array");
  refused(plus({".npy", number(1)}), "entry '.npy' is not a .npy array");
  refused(with(entries, "model.2.bias.npy", ""), "missing parameter 'model.2.bias'");
  refused(with(entries, "scheduler.last_epoch.npy", ""), "missing scheduler entry 'scheduler.last_epoch'");
  refused(with(entries, "optimizer.group.0.lr.npy", ""), "missing 'group.0.lr'");
  // Optimizer entries: the optimizer's own check runs before any array data is inflated.
  refused(plus({"optimizer.state.0.bogus.npy", weight}), "unexpected entry 'state.0.bogus'");
  refused(plus({"optimizer.state.9.exp_avg.npy", weight}), "unexpected entry 'state.9.exp_avg'");
  refused(with(entries, "optimizer.state.0.exp_avg.npy", npy(dict("<f4", "(4,)"), floats(4))),
          "'state.0.exp_avg' has shape [4]");
  refused(with(entries, "optimizer.state.0.exp_avg.npy", npy(dict("<f4", "(5, 5)"), floats(25))),
          "optimizer entry 'optimizer.state.0.exp_avg' is [5, 5] float32, which is neither a number nor the shape");
  refused(with(entries, "optimizer.group.0.lr.npy", npy(dict("<f4", "(1,)"), floats(1))), "'group.0.lr' must be a float64 scalar, got shape [1]");
  // Values out of range.
  for (double lr : {-0.1, std::nan(""), std::numeric_limits<double>::infinity()})
    refused(with(entries, "optimizer.group.0.lr.npy", number(lr)), "Adam state: invalid learning rate ");
  for (double step : {0.0, -3.0, 2.5, std::nan("")})
    refused(with(entries, "optimizer.state.1.step.npy", number(step)), "'state.1.step' must be an integer in [1, ");
  for (double epoch : {-1.0, 0.5, std::nan("")})
    refused(with(entries, "scheduler.last_epoch.npy", number(epoch)), "StepLR state: 'last_epoch' must be an integer in [0, ");
  refused(with(entries, "scheduler.base_lr.0.npy", number(-1)), "StepLR state: 'base_lr.0' is -1 (must be a finite number >= 0)");
  refused(with(entries, "scheduler.last_lr.0.npy", number(std::nan(""))), "StepLR state: 'last_lr.0' is nan (must be a finite number >= 0)");
  refused(with(entries, "scheduler.last_epoch.npy", npy(dict("<f8", "(1,)"), std::string(8, '\0'))),
          "scheduler entry 'scheduler.last_epoch' is [1] float64 in the file, but the scheduler expects [] float64");
  // A scheduler's entries without a scheduler to take them, and a scheduler without entries.
  CHECK_THROWS_WITH_AS(optim::load_checkpoint(good, target.model, target.adam), doctest::Contains("unexpected entry 'scheduler."),
                       std::runtime_error);
  optim::SGD sgd(target.model->parameters(), optim::SGDOptions(0.1));
  CHECK_THROWS_AS(optim::load_checkpoint(good, target.model, sgd), std::runtime_error);  // Adam state into SGD
  REQUIRE(target.snapshot() == before);

  // Two entries with one name: built as "model.0.weighX" and renamed in the archive's bytes.
  write_zip(bad, plus({"model.0.weighX.npy", weight}));
  std::string bytes = read_bytes(bad);
  for (size_t at = bytes.find("model.0.weighX"); at != std::string::npos; at = bytes.find("model.0.weighX", at))
    bytes[at + 13] = 't';
  write_bytes(bad, bytes);
  CHECK_THROWS_WITH_AS(target.load(bad), doctest::Contains("two entries have the same name"), std::runtime_error);
  CHECK_THROWS_WITH_AS(xg::load_state_dict_file(bad), doctest::Contains("two entries have the same name"), std::runtime_error);
  REQUIRE(target.snapshot() == before);

  // The good file still loads, and gives exactly the saved state.
  target.load(good);
  CHECK(target.snapshot() == source.snapshot());
}

TEST_CASE("every truncation and byte flip of a checkpoint is refused or harmless, and a refusal changes nothing") {
  ScratchDir dir;
  // A small checkpoint (about 2 KB), so every position can be tried quickly.
  struct Small {
    nn::Linear model{2, 1};
    optim::SGD sgd{model->parameters(), optim::SGDOptions(0.1).momentum(0.9)};
    optim::StepLR schedule{sgd, 2, 0.5};
    Small() {
      sgd.zero_grad();
      model(xg::ones({1, 2})).sum().backward();
      sgd.step();
      schedule.step();
    }
    std::string snapshot() const {
      return fingerprint(model->state_dict()) + "|" + fingerprint(sgd.state_dict()) + "|" + fingerprint(schedule.state_dict());
    }
  } source, target;
  std::string good = dir.file("good.npz"), target_file = dir.file("target.npz"), bad = dir.file("bad.npz");
  optim::save_checkpoint(good, source.model, source.sgd, &source.schedule);
  optim::save_checkpoint(target_file, target.model, target.sgd, &target.schedule);
  const std::string bytes = read_bytes(good), before = target.snapshot(), saved = source.snapshot();
  REQUIRE(bytes.size() < 4096);
  std::vector<size_t> silently_wrong, changed_on_failure, wrong_exception;
  size_t refused = 0, harmless = 0;
  auto attempt = [&](const std::string& contents, size_t position) {
    write_bytes(bad, contents);
    try {
      optim::load_checkpoint(bad, target.model, target.sgd, &target.schedule);
    } catch (const std::runtime_error&) {
      ++refused;
      if (target.snapshot() != before) changed_on_failure.push_back(position);
      return;
    } catch (...) {
      wrong_exception.push_back(position);
      return;
    }
    ++harmless;  // e.g. a flipped timestamp: the data must then be exactly what was saved
    if (target.snapshot() != saved) silently_wrong.push_back(position);
    optim::load_checkpoint(target_file, target.model, target.sgd, &target.schedule);
  };
  auto start = std::chrono::steady_clock::now();
  for (size_t length = 0; length < bytes.size(); ++length) attempt(bytes.substr(0, length), length);
  CHECK(harmless == 0);  // no strict prefix of a zip is a zip
  for (size_t position = 0; position < bytes.size(); ++position)
    for (unsigned char mask : {0x01, 0xff}) {
      std::string flipped = bytes;
      flipped[position] = static_cast<char>(flipped[position] ^ mask);
      attempt(flipped, position);
    }
  MESSAGE(bytes.size() << " bytes: " << refused << " refused, " << harmless << " harmless, in "
                       << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
  CHECK(silently_wrong.empty());
  CHECK(changed_on_failure.empty());
  CHECK(wrong_exception.empty());
  CHECK(refused > bytes.size());
  CHECK(dir.listing() == std::vector<std::string>{"bad.npz", "good.npz", "target.npz"});
}

TEST_CASE("a decompression bomb is refused from its header: fast, without allocating what it declares") {
  ScratchDir dir;
  Training target;
  const std::string before = target.snapshot();
  std::string checkpoint = dir.file("good.npz"), bomb = dir.file("bomb.npz");
  optim::save_checkpoint(checkpoint, target.model, target.adam, &target.schedule);
  const std::vector<Entry> entries = read_zip(checkpoint);
  // 128 MiB of zeros deflated to about 128 KB, declared as a [32768, 1024] float32 weight.
  const size_t declared = size_t{128} << 20;
  Entry huge{"", npy(dict("<f4", "(32768, 1024)"), ""), declared, ZIP_CM_DEFLATE};
  auto bomb_as = [&](std::vector<Entry> archive, const std::string& name) {
    auto found = std::find_if(archive.begin(), archive.end(), [&](const Entry& e) { return e.name == name; });
    if (found != archive.end()) archive.erase(found);
    huge.name = name;
    archive.insert(archive.begin(), huge);
    write_zip(bomb, archive);
    REQUIRE(fs::file_size(bomb) < declared / 100);
  };
  long peak_before = peak_rss_kb();
  auto start = std::chrono::steady_clock::now();
  double loading = 0;
  auto timed = [&](auto&& load) {
    auto begin = std::chrono::steady_clock::now();
    load();
    loading += std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  };

  bomb_as(read_zip([&] {
            std::string model_file = dir.file("model.npz");
            xg::save(target.model, model_file);
            return model_file;
          }()),
          "0.weight.npy");
  timed([&] {
    CHECK_THROWS_WITH_AS(xg::load(target.model, bomb),
                         doctest::Contains("parameter '0.weight' is [32768, 1024] float32 in the file, but the model expects [4, 3] float32"),
                         std::runtime_error);
  });
  bomb_as(entries, "model.0.weight.npy");
  timed([&] {
    CHECK_THROWS_WITH_AS(target.load(bomb), doctest::Contains("parameter 'model.0.weight' is [32768, 1024] float32"),
                         std::runtime_error);
  });
  bomb_as(entries, "optimizer.state.0.exp_avg.npy");
  timed([&] {
    CHECK_THROWS_WITH_AS(target.load(bomb), doctest::Contains("optimizer entry 'optimizer.state.0.exp_avg' is [32768, 1024] float32"),
                         std::runtime_error);
  });
  bomb_as(entries, "scheduler.last_epoch.npy");
  timed([&] { CHECK_THROWS_WITH_AS(target.load(bomb), doctest::Contains("scheduler.last_epoch"), std::runtime_error); });
  CHECK(target.snapshot() == before);
  CHECK(loading < 1.0);
  long grown_mb = (peak_rss_kb() - peak_before) / 1024;
  MESSAGE("building and refusing four 128 MiB bombs took " << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                                                           << " s; loading " << loading << " s; peak memory grew " << grown_mb << " MiB");
  CHECK(grown_mb < 64);
}

TEST_CASE("many bogus optimizer fields shaped like a large parameter are refused before any is inflated") {
  ScratchDir dir;
  nn::Linear model(512, 512);  // a 1 MiB weight
  optim::SGD sgd(model->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  std::string good = dir.file("good.npz"), bad = dir.file("bad.npz");
  optim::save_checkpoint(good, model, sgd);
  std::vector<Entry> entries = read_zip(good);
  for (int i = 0; i < 64; ++i)  // 64 MiB if they were inflated
    entries.push_back({"optimizer.state.0.field" + std::to_string(i) + ".npy", npy(dict("<f4", "(512, 512)"), ""),
                       size_t{1} << 20, ZIP_CM_DEFLATE});
  write_zip(bad, entries);
  std::string before = fingerprint(model->state_dict()) + fingerprint(sgd.state_dict());
  long peak_before = peak_rss_kb();
  CHECK_THROWS_WITH_AS(optim::load_checkpoint(bad, model, sgd), doctest::Contains("unexpected entry 'state.0.field"),
                       std::runtime_error);
  CHECK((peak_rss_kb() - peak_before) / 1024 < 32);
  CHECK(fingerprint(model->state_dict()) + fingerprint(sgd.state_dict()) == before);
}

TEST_CASE("load_state_dict_file guards memory without an expectation: data size is checked against the zip directory") {
  ScratchDir dir;
  std::string path = dir.file("liar.npz");
  // The header declares 1 GiB; the entry holds 16 bytes of data.
  write_zip(path, {{"w.npy", npy(dict("<f4", "(268435456,)"), floats(4))}});
  CHECK_THROWS_WITH_AS(xg::load_state_dict_file(path),
                       doctest::Contains("entry 'w' is truncated or has trailing bytes: shape [268435456] float32 needs 1073741824 bytes of data, the entry holds 16"),
                       std::runtime_error);
  // A zip directory that lies too (both size fields patched to match the header): the data stream ends
  // long before, and the buffer only grew with what arrived.
  std::string head = npy(dict("<f4", "(268435456,)"), "");
  write_zip(path, {{"w.npy", head, 4096, ZIP_CM_DEFLATE}});
  std::string bytes = read_bytes(path);
  uint32_t honest = static_cast<uint32_t>(head.size() + 4096), forged = static_cast<uint32_t>(head.size()) + (1u << 30);
  std::string from(reinterpret_cast<const char*>(&honest), 4), to(reinterpret_cast<const char*>(&forged), 4);
  size_t local = 22, central = bytes.find("PK\x01\x02") + 24;  // uncompressed size fields
  REQUIRE(bytes.substr(local, 4) == from);
  REQUIRE(bytes.substr(central, 4) == from);
  bytes.replace(local, 4, to);
  bytes.replace(central, 4, to);
  write_bytes(path, bytes);
  long peak_before = peak_rss_kb();
  CHECK_THROWS_WITH_AS(xg::load_state_dict_file(path), doctest::Contains("entry 'w'"), std::runtime_error);
  CHECK((peak_rss_kb() - peak_before) / 1024 < 64);
}

TEST_CASE("concurrent saves to one path both succeed; readers always see one whole archive; no temporary is left") {
  ScratchDir dir;
  std::string path = dir.file("shared.npz");
  xg::StateDict a = {{"w", xg::full({256}, 1.0)}};
  xg::StateDict b = {{"w", xg::full({64}, 2.0, xg::dtype(xg::kFloat64))}, {"v", xg::ones({3})}};
  const std::string fa = fingerprint(a), fb = fingerprint(b);
  xg::save(a, path);
  std::atomic<int> writers_done{0}, save_errors{0}, torn_reads{0}, reads{0};
  auto writer = [&](const xg::StateDict& state) {
    for (int i = 0; i < 60; ++i) {
      try {
        xg::save(state, path);
      } catch (const std::exception&) {
        ++save_errors;
      }
    }
    ++writers_done;
  };
  std::string first_error;  // written by the reader thread, read after it joined
  std::thread reader([&] {
    while (writers_done < 2) {
      try {
        std::string got = fingerprint(xg::load_state_dict_file(path));
        if (got != fa && got != fb) ++torn_reads;
      } catch (const std::exception& error) {
        if (torn_reads++ == 0) first_error = error.what();
      }
      ++reads;
    }
  });
  std::thread first(writer, std::cref(a)), second(writer, std::cref(b));
  first.join();
  second.join();
  reader.join();
  CHECK(save_errors == 0);
  CHECK_MESSAGE(torn_reads == 0, first_error);
  CHECK(reads > 0);
  std::string final_state = fingerprint(xg::load_state_dict_file(path));
  CHECK((final_state == fa || final_state == fb));
  CHECK(dir.listing() == std::vector<std::string>{"shared.npz"});
}

TEST_CASE("a failed save names the path, leaves the old file untouched and no temporary behind") {
  ScratchDir dir;
  std::string path = dir.file("keep.npz");
  xg::StateDict good = {{"w", xg::ones({2})}};
  xg::save(good, path);
  const std::string old_bytes = read_bytes(path);
  auto refused = [&](const xg::StateDict& state, const std::string& message) {
    CHECK_THROWS_WITH_AS(xg::save(state, path), contains("checkpoint '" + path + "': " + message), std::runtime_error);
    CHECK(read_bytes(path) == old_bytes);
    CHECK(dir.listing() == std::vector<std::string>{"keep.npz"});
  };
  refused({{"w", xg::ones({2})}, {"x", xg::Tensor()}}, "entry 'x' is undefined");
  refused({{"w", xg::ones({2})}, {"w", xg::ones({3})}}, "entry 'w' appears twice");
  refused({{"", xg::ones({2})}}, "an entry name is empty");
  refused({{std::string("a\0b", 3), xg::ones({2})}}, "entry name 'a...' contains a NUL byte");
  std::string nowhere = dir.file("no/such/dir/x.npz");
  CHECK_THROWS_WITH_AS(xg::save(good, nowhere), contains("checkpoint '" + nowhere + "': cannot create a temporary file"),
                       std::runtime_error);
  std::string subdir = dir.file("sub");
  fs::create_directory(subdir);
  CHECK_THROWS_WITH_AS(xg::save(good, subdir), contains("checkpoint '" + subdir + "': is a directory"), std::runtime_error);
  CHECK_THROWS_WITH_AS(xg::load_state_dict_file(subdir), contains("is a directory"), std::runtime_error);
  CHECK_THROWS_WITH_AS(xg::load_state_dict_file(dir.file("missing.npz")),
                       contains("cannot open the file: No such file or directory"), std::runtime_error);
  std::string text = dir.file("text.npz");
  write_bytes(text, "not a zip");
  CHECK_THROWS_WITH_AS(xg::load_state_dict_file(text), contains("cannot open as an .npz archive: Not a zip archive"),
                       std::runtime_error);
  std::remove(text.c_str());
  CHECK(dir.listing() == std::vector<std::string>{"keep.npz", "sub"});
}

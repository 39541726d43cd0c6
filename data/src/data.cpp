#include "xgrad/data.hpp"

#include <locale.h>  // newlocale, strtod_l (POSIX / glibc)

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

#include "random.hpp"
#include "tensor_impl.hpp"

namespace xgrad {
namespace data {

Example Dataset::get_batch(const std::vector<size_t>& indices) const {
  if (indices.empty()) throw Error("Dataset::get_batch: no indices given");
  std::vector<Tensor> inputs, targets;
  inputs.reserve(indices.size());
  targets.reserve(indices.size());
  for (size_t index : indices) {
    Example example = get(index);
    if (!example.data.defined() || !example.target.defined())
      throw Error("DataLoader: example " + std::to_string(index) + " has an undefined " +
                                  (example.data.defined() ? "target" : "data") + " tensor");
    if (!inputs.empty() && (example.data.shape() != inputs[0].shape() || example.target.shape() != targets[0].shape()))
      throw Error("DataLoader: example " + std::to_string(index) + " has data " +
                                  shape_string(example.data.shape()) + " and target " +
                                  shape_string(example.target.shape()) + ", but the batch started with data " +
                                  shape_string(inputs[0].shape()) + " and target " + shape_string(targets[0].shape()));
    inputs.push_back(std::move(example.data));
    targets.push_back(std::move(example.target));
  }
  return {stack(inputs, 0), stack(targets, 0)};
}

TensorDataset::TensorDataset(Tensor data, Tensor targets) : data_(std::move(data)), targets_(std::move(targets)) {
  for (auto [tensor, which] : {std::pair(&data_, "data"), std::pair(&targets_, "targets")}) {
    if (!tensor->defined()) throw Error(std::string("TensorDataset: the ") + which + " tensor is undefined");
    if (tensor->dim() == 0)
      throw Error(std::string("TensorDataset: the ") + which +
                                  " tensor is 0-d; it needs a first dimension to index examples by");
  }
  if (data_.size(0) != targets_.size(0))
    throw Error("TensorDataset: data has " + std::to_string(data_.size(0)) + " rows (shape " +
                                shape_string(data_.shape()) + ") but targets have " + std::to_string(targets_.size(0)) +
                                " (shape " + shape_string(targets_.shape()) + ")");
}

size_t TensorDataset::size() const { return static_cast<size_t>(data_.size(0)); }

Example TensorDataset::get(size_t index) const {
  if (index >= size())
    throw std::out_of_range("TensorDataset: index " + std::to_string(index) + " out of range for " +
                            std::to_string(size()) + " examples");
  NoGradGuard no_grad;
  return {data_[static_cast<int64_t>(index)], targets_[static_cast<int64_t>(index)]};
}

Example TensorDataset::get_batch(const std::vector<size_t>& indices) const {
  const size_t count = size();
  for (size_t index : indices)
    if (index >= count)
      throw std::out_of_range("TensorDataset: index " + std::to_string(index) + " out of range for " +
                              std::to_string(count) + " examples");
  NoGradGuard no_grad;
  std::vector<int64_t> rows(indices.begin(), indices.end());
  return {index_select(data_, 0, rows), index_select(targets_, 0, rows)};
}

// ---------------------------------------------------------------- CSV

namespace {
[[noreturn]] void csv_error(const std::string& path, size_t line, const std::string& what) {
  throw std::runtime_error("CSV '" + path + "' line " + std::to_string(line) + ": " + what);
}

std::string trim(const std::string& text) {
  size_t first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  size_t last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    cells.push_back(trim(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return cells;
}

// Numbers are read in the C locale whatever the program set (a German locale would make strtod stop at
// the '.' of "1.5").
locale_t c_locale() {
  static locale_t locale = newlocale(LC_ALL_MASK, "C", locale_t(0));
  return locale;
}

// Parses one cell strictly as a whole decimal number (xt::load_csv would accept "1.5abc" as 1.5); returns
// what is wrong with it, or "" with `value` set.
std::string parse_number(const std::string& cell, Dtype dtype, double& value) {
  if (cell.empty()) return "is empty";
  // strtod also reads hex ("0x1A") and "nan(...)", which a CSV writer never means as a number.
  if (cell.find_first_of("xX(") != std::string::npos) return "has non-numeric cell '" + cell + "'";
  const char* text = cell.c_str();
  char* end = nullptr;
  errno = 0;
  value = strtod_l(text, &end, c_locale());
  if (end != text + cell.size()) return "has non-numeric cell '" + cell + "'";
  // ERANGE also flags underflow (1e-310, 1e-400), which numpy reads as a tiny value or zero: keep those.
  if ((errno == ERANGE && std::fabs(value) > 1) ||
      (dtype == kFloat32 && std::isfinite(value) && std::fabs(value) > std::numeric_limits<float>::max()))
    return "value '" + cell + "' is out of range for " + dtype_name(dtype);
  return "";
}

std::pair<Example, std::vector<std::string>> parse_csv(const std::string& path, const std::vector<std::string>& targets,
                                                       TensorOptions options) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw std::runtime_error("CSV '" + path + "': is a directory, not a file");
  std::ifstream file(path);
  if (!file) throw std::runtime_error("CSV '" + path + "': cannot open the file");
  std::string line;
  size_t line_number = 0;
  std::vector<std::string> header;
  while (header.empty() && std::getline(file, line)) {
    ++line_number;
    if (line_number == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);  // UTF-8 byte order mark
    if (!trim(line).empty()) header = split(line);
  }
  if (file.bad()) throw std::runtime_error("CSV '" + path + "': read error");
  if (header.empty()) throw std::runtime_error("CSV '" + path + "': the file is empty (a header row is required)");
  std::unordered_map<std::string, size_t> column;  // hashed: a header may have many thousands of names
  column.reserve(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    if (header[c].empty()) csv_error(path, line_number, "column " + std::to_string(c + 1) + " has an empty name");
    auto [found, added] = column.emplace(header[c], c);
    if (!added)
      csv_error(path, line_number, "column name '" + header[c] + "' appears twice (columns " +
                                       std::to_string(found->second + 1) + " and " + std::to_string(c + 1) + ")");
  }
  if (targets.empty()) throw std::runtime_error("CSV '" + path + "': no target column given");
  // Target columns keep the order the caller listed them in, whatever their order in the file.
  constexpr size_t kFeature = std::numeric_limits<size_t>::max();
  std::vector<size_t> target_slot(header.size(), kFeature);
  for (size_t t = 0; t < targets.size(); ++t) {
    auto found = column.find(targets[t]);
    if (found == column.end()) throw std::runtime_error("CSV '" + path + "': no column named '" + targets[t] + "'");
    if (target_slot[found->second] != kFeature)
      throw std::runtime_error("CSV '" + path + "': target column '" + targets[t] + "' is listed twice");
    target_slot[found->second] = t;
  }
  std::vector<std::string> features;
  for (size_t c = 0; c < header.size(); ++c)
    if (target_slot[c] == kFeature) features.push_back(header[c]);

  std::vector<double> feature_values, target_values;
  size_t rows = 0;
  while (std::getline(file, line)) {
    ++line_number;
    if (trim(line).empty()) continue;
    std::vector<std::string> cells = split(line);
    if (cells.size() != header.size())
      csv_error(path, line_number, "has " + std::to_string(cells.size()) + " cells but the header has " +
                                       std::to_string(header.size()));
    size_t row_targets = target_values.size();
    target_values.resize(row_targets + targets.size());
    for (size_t c = 0; c < cells.size(); ++c) {
      double value = 0;
      std::string problem = parse_number(cells[c], options.dtype(), value);
      if (!problem.empty())
        csv_error(path, line_number, "column " + std::to_string(c + 1) + " ('" + header[c] + "') " + problem);
      if (target_slot[c] == kFeature) feature_values.push_back(value);
      else target_values[row_targets + target_slot[c]] = value;
    }
    ++rows;
  }
  if (file.bad()) throw std::runtime_error("CSV '" + path + "': read error after line " + std::to_string(line_number));
  if (rows == 0) throw std::runtime_error("CSV '" + path + "': no data rows after the header");
  int64_t n = static_cast<int64_t>(rows);
  Tensor x = tensor(feature_values, {n, static_cast<int64_t>(features.size())}, options);
  Tensor y = tensor(target_values, {n, static_cast<int64_t>(targets.size())}, options);
  return {{x, y}, features};
}
}  // namespace

CSVDataset::CSVDataset(const std::string& path, const std::vector<std::string>& target_columns, TensorOptions options)
    : CSVDataset(parse_csv(path, target_columns, options)) {}

CSVDataset::CSVDataset(std::pair<Example, std::vector<std::string>> parsed)
    : TensorDataset(parsed.first.data, parsed.first.target), feature_columns_(std::move(parsed.second)) {}

// ---------------------------------------------------------------- loader

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  if (!dataset_) throw Error("DataLoader: the dataset is null");
  if (options_.batch_size() == 0) throw Error("DataLoader: batch_size must be at least 1");
  if (dataset_->size() > order_.max_size())
    throw Error("DataLoader: the dataset reports " + std::to_string(dataset_->size()) +
                                " examples, more than can be indexed");
  if (options_.drop_last() && size() == 0)
    throw Error("DataLoader: with drop_last, a dataset of " + std::to_string(dataset_->size()) +
                                " examples and batch_size " + std::to_string(options_.batch_size()) +
                                " yields no batch");
  generator_.seed(options_.seed() ? *options_.seed() : generator()());
  order_.resize(dataset_->size());
  std::iota(order_.begin(), order_.end(), size_t{0});
}

DataLoader::DataLoader(const Dataset& dataset, DataLoaderOptions options)
    : DataLoader(std::shared_ptr<const Dataset>(&dataset, [](const Dataset*) {}), options) {}

size_t DataLoader::size() const {
  size_t n = dataset_->size(), b = options_.batch_size();
  return n / b + (!options_.drop_last() && n % b != 0);  // not (n + b - 1) / b, which wraps for a huge b
}

DataLoader::Iterator DataLoader::begin() {
  if (order_.size() != dataset_->size()) {  // the dataset may have grown or shrunk
    if (dataset_->size() > order_.max_size())
      throw Error("DataLoader: the dataset reports " + std::to_string(dataset_->size()) +
                                  " examples, more than can be indexed");
    order_.resize(dataset_->size());
    std::iota(order_.begin(), order_.end(), size_t{0});
  }
  if (options_.shuffle()) std::shuffle(order_.begin(), order_.end(), generator_);
  return Iterator(this, 0);
}

DataLoader::Iterator DataLoader::end() { return Iterator(nullptr, size()); }

DataLoader::Iterator::Iterator(const DataLoader* loader, size_t batch) : loader_(loader), batch_(batch) {
  if (loader_) load();
}

void DataLoader::Iterator::load() {
  // Batches come from this epoch's order, even if the dataset changed size since begin().
  size_t n = loader_->order_.size(), b = loader_->options_.batch_size();
  if (batch_ >= loader_->size() || batch_ >= n / b + (n % b != 0)) return;
  size_t first = batch_ * b, last = first + std::min(b, n - first);
  std::vector<size_t> indices(loader_->order_.begin() + first, loader_->order_.begin() + last);
  current_ = loader_->dataset_->get_batch(indices);
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++batch_;
  load();
  return *this;
}

// ---------------------------------------------------------------- random_split

namespace {
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> base, std::vector<size_t> indices)
      : base_(std::move(base)), indices_(std::move(indices)) {}
  size_t size() const override { return indices_.size(); }
  Example get(size_t index) const override { return base_->get(base_index(index)); }
  Example get_batch(const std::vector<size_t>& indices) const override {
    std::vector<size_t> mapped;
    mapped.reserve(indices.size());
    for (size_t i : indices) mapped.push_back(base_index(i));
    return base_->get_batch(mapped);
  }

 private:
  size_t base_index(size_t index) const {
    if (index >= indices_.size())
      throw std::out_of_range("random_split subset: index " + std::to_string(index) + " out of range for " +
                              std::to_string(indices_.size()) + " examples");
    return indices_[index];
  }
  std::shared_ptr<const Dataset> base_;
  std::vector<size_t> indices_;
};
}  // namespace

std::vector<std::shared_ptr<Dataset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                   const std::vector<size_t>& lengths, uint64_t seed) {
  if (!dataset) throw Error("random_split: the dataset is null");
  size_t total = 0;
  for (size_t length : lengths) {
    // Checked, or lengths like {SIZE_MAX, 11} (a -1 converted to size_t) would wrap around to the size.
    if (length > std::numeric_limits<size_t>::max() - total)
      throw Error("random_split: the lengths overflow when added (length " + std::to_string(length) +
                                  "; a negative number converted to size_t?)");
    total += length;
  }
  if (total != dataset->size())
    throw Error("random_split: lengths add up to " + std::to_string(total) + " but the dataset has " +
                                std::to_string(dataset->size()) + " examples");
  std::vector<size_t> order(total);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 shuffler(seed);
  std::shuffle(order.begin(), order.end(), shuffler);
  std::vector<std::shared_ptr<Dataset>> parts;
  size_t offset = 0;
  for (size_t length : lengths) {
    parts.push_back(std::make_shared<Subset>(dataset, std::vector<size_t>(order.begin() + offset, order.begin() + offset + length)));
    offset += length;
  }
  return parts;
}

}  // namespace data
}  // namespace xgrad

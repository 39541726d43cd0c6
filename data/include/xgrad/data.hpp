// xgrad::data: datasets and a shuffling DataLoader, as torch.utils.data.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "xgrad/tensor.hpp"

namespace xgrad {
namespace data {

// One example or one batch: `for (auto& [x, y] : loader)` binds data and target.
struct Example {
  Tensor data;
  Tensor target;
};

// Subclass and define size() and get() for your own data.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual size_t size() const = 0;
  virtual Example get(size_t index) const = 0;
  // Examples stacked along a new dim 0. The default calls get() for each index and checks that shapes
  // agree; TensorDataset gathers rows in one pass instead.
  virtual Example get_batch(const std::vector<size_t>& indices) const;
};

// Indexes dim 0 of both tensors: both must be defined, have at least one dimension and the same length.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor data, Tensor targets);
  size_t size() const override;
  Example get(size_t index) const override;
  Example get_batch(const std::vector<size_t>& indices) const override;
  const Tensor& data() const { return data_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor data_, targets_;
};

// A numeric CSV with a header row: `target_columns` become the target (in the order given), the other
// columns the features (in file order): [N, features] and [N, targets]. A missing file or column, a non-numeric or out-of-range cell or a
// ragged row throws std::runtime_error naming the file, the line and the column. A UTF-8 byte order mark
// and CRLF line ends are accepted; values too small for the dtype underflow to zero (as numpy does).
class CSVDataset : public TensorDataset {
 public:
  CSVDataset(const std::string& path, const std::vector<std::string>& target_columns, TensorOptions options = {});
  const std::vector<std::string>& feature_columns() const { return feature_columns_; }

 private:
  CSVDataset(std::pair<Example, std::vector<std::string>> parsed);
  std::vector<std::string> feature_columns_;
};

class DataLoaderOptions {
 public:
  // Any integer type, so batch_size(32) and batch_size(size_t{32}) both compile; a value below 1 throws
  // std::invalid_argument here rather than wrapping around as a size_t.
  template <class Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  DataLoaderOptions batch_size(Int value) const {
    if (value <= 0)
      throw Error("DataLoaderOptions::batch_size: must be at least 1, got " + std::to_string(value));
    auto o = *this;
    o.batch_size_ = static_cast<size_t>(value);
    return o;
  }
  DataLoaderOptions shuffle(bool value) const { auto o = *this; o.shuffle_ = value; return o; }
  DataLoaderOptions drop_last(bool value) const { auto o = *this; o.drop_last_ = value; return o; }
  DataLoaderOptions seed(uint64_t value) const { auto o = *this; o.seed_ = value; return o; }
  size_t batch_size() const { return batch_size_; }
  bool shuffle() const { return shuffle_; }
  bool drop_last() const { return drop_last_; }
  std::optional<uint64_t> seed() const { return seed_; }

 private:
  size_t batch_size_ = 1;
  bool shuffle_ = false;
  bool drop_last_ = false;
  std::optional<uint64_t> seed_;
};

// Range-for yields one epoch of batches. With shuffle, every epoch draws a fresh permutation from the
// loader's own generator (seeded by options.seed(), else drawn from xg::manual_seed's generator).
class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  // Borrows a named dataset: it must outlive the loader.
  DataLoader(const Dataset& dataset, DataLoaderOptions options = {});
  // Takes a temporary dataset, as in DataLoader(TensorDataset(x, y)): it is moved into the loader, which
  // owns it (binding it to the borrowing overload would leave the loader reading a destroyed object).
  template <class D, std::enable_if_t<std::is_base_of_v<Dataset, std::decay_t<D>> && !std::is_lvalue_reference_v<D>, int> = 0>
  DataLoader(D&& dataset, DataLoaderOptions options = {})
      : DataLoader(std::make_shared<const std::decay_t<D>>(std::move(dataset)), options) {}

  class Iterator {
   public:
    Example& operator*() { return current_; }
    Example* operator->() { return &current_; }
    Iterator& operator++();
    bool operator!=(const Iterator& other) const { return batch_ != other.batch_; }
    bool operator==(const Iterator& other) const { return batch_ == other.batch_; }

   private:
    friend class DataLoader;
    Iterator(const DataLoader* loader, size_t batch);
    void load();
    const DataLoader* loader_;
    size_t batch_;
    Example current_;
  };

  Iterator begin();  // starts a new epoch
  Iterator end();
  size_t size() const;  // batches per epoch
  const Dataset& dataset() const { return *dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::mt19937_64 generator_;
  std::vector<size_t> order_;
};

// Splits `dataset` into disjoint random subsets of the given lengths (which must add up to its size;
// zero lengths give empty subsets).
std::vector<std::shared_ptr<Dataset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                   const std::vector<size_t>& lengths, uint64_t seed);

}  // namespace data
}  // namespace xgrad

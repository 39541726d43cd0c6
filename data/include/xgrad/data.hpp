// xgrad::data: datasets and a shuffling DataLoader, as torch.utils.data.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
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

// Indexes dim 0 of both tensors; their lengths must match.
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

// A numeric CSV with a header row: `target_columns` become the target, the other columns the features
// ([N, features] and [N, targets]). A missing file or column, a non-numeric cell or a ragged row throws
// std::runtime_error naming the file, the line and the column.
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
  DataLoaderOptions batch_size(size_t value) const { auto o = *this; o.batch_size_ = value; return o; }
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
  // The dataset must outlive the loader.
  DataLoader(const Dataset& dataset, DataLoaderOptions options = {});

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

// Splits `dataset` into disjoint random subsets of the given lengths (which must add up to its size).
std::vector<std::shared_ptr<Dataset>> random_split(std::shared_ptr<const Dataset> dataset,
                                                   const std::vector<size_t>& lengths, uint64_t seed);

}  // namespace data
}  // namespace xgrad

// xgrad::OrderedDict: LibTorch's torch::OrderedDict (torch/ordered_dict.h), an insertion-ordered dictionary
// with unique keys. Module::named_parameters(), named_buffers(), named_children() and named_modules()
// return one. Items give key() and value() (and *item, item->), and also unpack with structured bindings:
//   for (auto& [name, tensor] : model->named_parameters()) ...
// Misuse throws xgrad::Error with LibTorch's messages ("Parameter 'w' already defined", "Key 'x' is not
// defined"); an index out of bounds throws xgrad::IndexError (an Error).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "xgrad/util.hpp"

namespace xgrad {

namespace detail {
template <typename Key>
std::string describe_key(const Key& key) {
  if constexpr (std::is_convertible<const Key&, std::string>::value) return std::string(key);
  else if constexpr (std::is_arithmetic<Key>::value) return std::to_string(key);
  else return "<key>";
}
}  // namespace detail

// A (key, value) pair of an OrderedDict: OrderedDict<K, V>::Item. A class of its own (not nested) so that
// structured bindings can be enabled for it.
template <typename Key, typename Value>
class OrderedDictItem {
 public:
  OrderedDictItem(Key key, Value value) : pair_(std::move(key), std::move(value)) {}

  Value& operator*() { return value(); }
  const Value& operator*() const { return value(); }
  Value* operator->() { return &value(); }
  const Value* operator->() const { return &value(); }
  const Key& key() const noexcept { return pair_.first; }
  Value& value() noexcept { return pair_.second; }
  const Value& value() const noexcept { return pair_.second; }
  const std::pair<Key, Value>& pair() const noexcept { return pair_; }

  // Structured bindings: auto& [key, value] = item (the key is const).
  template <std::size_t I>
  decltype(auto) get() & {
    if constexpr (I == 0) return static_cast<const Key&>(pair_.first);
    else return static_cast<Value&>(pair_.second);
  }
  template <std::size_t I>
  decltype(auto) get() const& {
    if constexpr (I == 0) return static_cast<const Key&>(pair_.first);
    else return static_cast<const Value&>(pair_.second);
  }
  template <std::size_t I>
  decltype(auto) get() && {
    if constexpr (I == 0) return static_cast<const Key&&>(pair_.first);
    else return static_cast<Value&&>(pair_.second);
  }

 private:
  std::pair<Key, Value> pair_;
};

template <typename Key, typename Value>
class OrderedDict {
 public:
  using Item = OrderedDictItem<Key, Value>;
  // Any insert() may invalidate iterators.
  using Iterator = typename std::vector<Item>::iterator;
  using ConstIterator = typename std::vector<Item>::const_iterator;

  // key_description names the keys in error messages ("Parameter", "Buffer", "Submodule").
  explicit OrderedDict(std::string key_description = "Key") : key_description_(std::move(key_description)) {}
  OrderedDict(const OrderedDict&) = default;
  OrderedDict& operator=(const OrderedDict&) = default;
  OrderedDict(OrderedDict&&) = default;
  OrderedDict& operator=(OrderedDict&&) = default;
  ~OrderedDict() = default;
  /* implicit */ OrderedDict(std::initializer_list<Item> initializer_list) : OrderedDict("Key") {
    items_.reserve(initializer_list.size());
    for (auto& item : initializer_list) insert(item.key(), item.value());
  }

  const std::string& key_description() const noexcept { return key_description_; }

  // --- element access
  Item& front() { return items_.at(check_not_empty("front")); }
  const Item& front() const { return items_.at(check_not_empty("front")); }
  Item& back() { return items_.at(check_not_empty("back") + items_.size() - 1); }
  const Item& back() const { return items_.at(check_not_empty("back") + items_.size() - 1); }
  Item& operator[](size_t index) { return items_[check_index(index)]; }
  const Item& operator[](size_t index) const { return items_[check_index(index)]; }
  Value& operator[](const Key& key) {
    if (Value* value = find(key)) return *value;
    throw Error(key_description_ + " '" + detail::describe_key(key) + "' is not defined");
  }
  const Value& operator[](const Key& key) const {
    if (const Value* value = find(key)) return *value;
    throw Error(key_description_ + " '" + detail::describe_key(key) + "' is not defined");
  }

  // --- lookup
  Value* find(const Key& key) noexcept {
    auto found = index_.find(key);
    return found == index_.end() ? nullptr : &items_[found->second].value();
  }
  const Value* find(const Key& key) const noexcept {
    auto found = index_.find(key);
    return found == index_.end() ? nullptr : &items_[found->second].value();
  }
  bool contains(const Key& key) const noexcept { return find(key) != nullptr; }

  // --- iterators (in insertion order)
  Iterator begin() { return items_.begin(); }
  ConstIterator begin() const { return items_.begin(); }
  Iterator end() { return items_.end(); }
  ConstIterator end() const { return items_.end(); }

  // --- capacity
  size_t size() const noexcept { return items_.size(); }
  bool is_empty() const noexcept { return items_.empty(); }
  void reserve(size_t requested_capacity) {
    index_.reserve(requested_capacity);
    items_.reserve(requested_capacity);
  }

  // --- modifiers
  // Inserts a new key (an existing one throws xgrad::Error) and returns its value.
  template <typename K, typename V>
  Value& insert(K&& key, V&& value) {
    if (index_.count(key) != 0)
      throw Error(key_description_ + " '" + detail::describe_key(key) + "' already defined");
    items_.emplace_back(key, std::forward<V>(value));
    index_.emplace(std::forward<K>(key), items_.size() - 1);
    return items_.back().value();
  }
  Value& insert(Key key, Value&& value) { return insert<Key, Value>(std::move(key), std::move(value)); }
  // Inserts every item of `other`; a key already present throws.
  void update(OrderedDict&& other) {
    reserve(size() + other.size());
    for (auto& item : other) insert(std::move(const_cast<Key&>(item.key())), std::move(item.value()));
  }
  void update(const OrderedDict& other) {
    reserve(size() + other.size());
    for (auto& item : other) insert(item.key(), item.value());
  }
  void erase(const Key& key) {
    auto found = index_.find(key);
    if (found == index_.end()) throw Error("Key '" + detail::describe_key(key) + "' doesn't exist");
    const size_t index = found->second;
    index_.erase(found);
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(index));
    for (auto& entry : index_)
      if (entry.second > index) --entry.second;
  }
  void clear() {
    index_.clear();
    items_.clear();
  }

  // --- observers
  const std::vector<Item>& items() const noexcept { return items_; }
  std::vector<Key> keys() const {
    std::vector<Key> keys;
    keys.reserve(size());
    for (const auto& item : items_) keys.push_back(item.key());
    return keys;
  }
  std::vector<Value> values() const {
    std::vector<Value> values;
    values.reserve(size());
    for (const auto& item : items_) values.push_back(item.value());
    return values;
  }
  std::vector<std::pair<Key, Value>> pairs() const {
    std::vector<std::pair<Key, Value>> pairs;
    pairs.reserve(size());
    for (const auto& item : items_) pairs.push_back(item.pair());
    return pairs;
  }

  // Same keys and values in the same order.
  friend bool operator==(const OrderedDict& a, const OrderedDict& b) {
    if (a.items_.size() != b.items_.size()) return false;
    for (size_t i = 0; i < a.items_.size(); ++i)
      if (!(a.items_[i].key() == b.items_[i].key()) || !(a.items_[i].value() == b.items_[i].value())) return false;
    return true;
  }

 private:
  size_t check_index(size_t index) const {
    if (index >= items_.size()) throw IndexError("Index " + std::to_string(index) + " is out of bounds");
    return index;
  }
  size_t check_not_empty(const char* op) const {
    if (items_.empty()) throw Error(std::string("Called ") + op + "() on an empty OrderedDict");
    return 0;
  }

  std::unordered_map<Key, size_t> index_;
  std::vector<Item> items_;
  std::string key_description_{"Key"};
};

}  // namespace xgrad

namespace std {
template <typename Key, typename Value>
struct tuple_size<xgrad::OrderedDictItem<Key, Value>> : std::integral_constant<std::size_t, 2> {};
template <typename Key, typename Value>
struct tuple_element<0, xgrad::OrderedDictItem<Key, Value>> {
  using type = const Key;
};
template <typename Key, typename Value>
struct tuple_element<1, xgrad::OrderedDictItem<Key, Value>> {
  using type = Value;
};
}  // namespace std

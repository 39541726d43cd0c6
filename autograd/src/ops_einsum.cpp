// einsum for one and two operands, reduced to differentiable ops: diagonal (a subscript repeated within an
// operand), sum (subscripts no one else needs), permute/reshape and one batched matrix product (bmm, BLAS).
// Subscripts are a-z and A-Z; "..." stands for the remaining dims (aligned from the right across operands,
// as broadcasting); dims of size 1 broadcast against the other operand's. Without "->", the output is the
// ellipsis dims then the subscripts used exactly once, in order A-Z, a-z (PyTorch's rule).
#include <algorithm>
#include <cctype>
#include <string>

#include "ops_internal.hpp"

namespace xgrad {

namespace {
constexpr int kLetters = 52;  // A-Z are labels 0-25, a-z 26-51; ellipsis dims get 52, 53, ...

int label_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  return -1;
}
std::string name_of(int label) {
  if (label >= kLetters) return "... (dim " + std::to_string(label - kLetters) + ")";
  return std::string(1, static_cast<char>(label < 26 ? 'A' + label : 'a' + label - 26));
}

[[noreturn]] void fail(const std::string& why) { throw std::invalid_argument("einsum: " + why); }

struct Term {
  std::vector<int> labels;
  int ellipsis = -1;  // where "..." stands among the labels, or -1
};

// Parses subscripts in equation[begin, end) into terms separated by ',' (only allowed when `several`).
std::vector<Term> parse_terms(const std::string& equation, size_t begin, size_t end, bool several) {
  std::vector<Term> terms(1);
  for (size_t i = begin; i < end; ++i) {
    const char c = equation[i];
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == ',' && several) {
      terms.emplace_back();
      continue;
    }
    Term& term = terms.back();
    if (c == '.') {
      if (term.ellipsis >= 0)
        fail("found '.' for " + std::string(several ? "operand " + std::to_string(terms.size() - 1) : "the output") +
             " for which an ellipsis was already found");
      if (i + 2 >= end || equation[i + 1] != '.' || equation[i + 2] != '.')
        fail("found '.' at index " + std::to_string(i) + " that is not part of any ellipsis");
      term.ellipsis = static_cast<int>(term.labels.size());
      i += 2;
      continue;
    }
    const int label = label_of(c);
    if (label < 0)
      fail("invalid subscript given at index " + std::to_string(i) + " in the equation string, subscripts must be in [a-zA-Z]");
    term.labels.push_back(label);
  }
  return terms;
}

std::vector<int64_t> positions_of(const std::vector<int>& ids, const std::vector<int>& wanted) {
  std::vector<int64_t> out;
  for (int id : wanted) out.push_back(std::find(ids.begin(), ids.end(), id) - ids.begin());
  return out;
}
bool contains(const std::vector<int>& ids, int id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

// An operand with one label per dim.
struct Operand {
  Tensor value;
  std::vector<int> ids;
  int64_t size(int id) const { return value.shape()[positions_of(ids, {id})[0]]; }
  // Sums out the dims labelled `drop` (keeping them with size 1 when `keep`).
  void sum_over(const std::vector<int>& drop, bool keep) {
    if (drop.empty()) return;
    value = sum(value, positions_of(ids, drop), keep);
    if (!keep)
      for (int id : drop) ids.erase(std::find(ids.begin(), ids.end(), id));
  }
};

// A subscript repeated within one operand takes that operand's diagonal over the two dims.
void take_diagonals(Operand& op, size_t which) {
  for (size_t p = 0; p < op.ids.size(); ++p)
    for (size_t q = p + 1; q < op.ids.size(); ++q) {
      if (op.ids[p] != op.ids[q]) continue;
      const int64_t a = op.value.shape()[p], b = op.value.shape()[q];
      if (a != b)
        fail("subscript " + name_of(op.ids[p]) + " is repeated for operand " + std::to_string(which) +
             " but the sizes don't match, " + std::to_string(a) + " != " + std::to_string(b));
      const int label = op.ids[p];
      op.value = op.value.diagonal(0, static_cast<int64_t>(p), static_cast<int64_t>(q));  // appended last
      op.ids.erase(op.ids.begin() + q);
      op.ids.erase(op.ids.begin() + p);
      op.ids.push_back(label);
      return take_diagonals(op, which);
    }
}
}  // namespace

Tensor einsum(const std::string& equation, const std::vector<Tensor>& tensors) {
  if (tensors.empty()) fail("must specify at least one operand");
  for (const Tensor& t : tensors) check_defined("einsum", t);
  const size_t arrow = equation.find("->");
  const size_t lhs_end = arrow == std::string::npos ? equation.size() : arrow;
  std::vector<Term> terms = parse_terms(equation, 0, lhs_end, true);
  if (terms.size() > tensors.size()) fail("fewer operands were provided than specified in the equation");
  if (terms.size() < tensors.size()) fail("more operands were provided than specified in the equation");
  if (tensors.size() > 2)
    fail("only one or two operands are supported, got " + std::to_string(tensors.size()) +
         " (contract them pairwise with einsum)");

  // Each operand's dims as labels; ellipsis dims are aligned from the right across operands.
  int64_t ellipsis_dims = 0;
  for (size_t k = 0; k < terms.size(); ++k) {
    const int64_t rank = tensors[k].dim(), named = static_cast<int64_t>(terms[k].labels.size());
    if (terms[k].ellipsis < 0 && named != rank)
      fail("the number of subscripts in the equation (" + std::to_string(named) +
           ") does not match the number of dimensions (" + std::to_string(rank) + ") for operand " +
           std::to_string(k) + " and no ellipsis was given");
    if (terms[k].ellipsis >= 0 && named > rank)
      fail("the number of subscripts in the equation (" + std::to_string(named) +
           ") is more than the number of dimensions (" + std::to_string(rank) + ") for operand " + std::to_string(k));
    if (terms[k].ellipsis >= 0) ellipsis_dims = std::max(ellipsis_dims, rank - named);
  }
  std::vector<Operand> operands;
  int counts[kLetters] = {0};
  for (size_t k = 0; k < terms.size(); ++k) {
    Operand op{tensors[k], {}};
    const Term& term = terms[k];
    const int64_t covered = tensors[k].dim() - static_cast<int64_t>(term.labels.size());
    for (size_t i = 0; i <= term.labels.size(); ++i) {
      if (static_cast<int>(i) == term.ellipsis)
        for (int64_t e = 0; e < covered; ++e) op.ids.push_back(kLetters + static_cast<int>(ellipsis_dims - covered + e));
      if (i < term.labels.size()) {
        op.ids.push_back(term.labels[i]);
        ++counts[term.labels[i]];
      }
    }
    operands.push_back(std::move(op));
  }

  // The output's labels.
  std::vector<int> output;
  if (arrow != std::string::npos) {
    std::vector<Term> out_terms = parse_terms(equation, arrow + 2, equation.size(), false);
    const Term& term = out_terms[0];
    for (size_t i = 0; i <= term.labels.size(); ++i) {
      if (static_cast<int>(i) == term.ellipsis)
        for (int64_t e = 0; e < ellipsis_dims; ++e) output.push_back(kLetters + static_cast<int>(e));
      if (i == term.labels.size()) break;
      const int label = term.labels[i];
      if (contains(output, label)) fail("output subscript " + name_of(label) + " appears more than once in the output");
      if (counts[label] == 0)
        fail("output subscript " + name_of(label) + " does not appear in the equation for any input operand");
      output.push_back(label);
    }
  } else {
    for (int64_t e = 0; e < ellipsis_dims; ++e) output.push_back(kLetters + static_cast<int>(e));
    for (int label = 0; label < kLetters; ++label)
      if (counts[label] == 1) output.push_back(label);
  }

  for (size_t k = 0; k < operands.size(); ++k) take_diagonals(operands[k], k);

  // Sizes agree across operands, or one of them is 1 (it broadcasts).
  if (operands.size() == 2) {
    for (int id : operands[1].ids) {
      if (!contains(operands[0].ids, id)) continue;
      const int64_t a = operands[0].size(id), b = operands[1].size(id);
      if (a != b && a != 1 && b != 1)
        fail("subscript " + name_of(id) + " has size " + std::to_string(b) +
             " for operand 1 which does not broadcast with previously seen size " + std::to_string(a));
    }
  }

  if (operands.size() == 1) {
    Operand& op = operands[0];
    std::vector<int> drop;
    for (int id : op.ids)
      if (!contains(output, id)) drop.push_back(id);
    op.sum_over(drop, false);  // integer and bool inputs sum to int64, as PyTorch's einsum
    return op.value.permute(positions_of(op.ids, output));
  }

  Operand& a = operands[0];
  Operand& b = operands[1];
  check_same_dtype("einsum", a.value, b.value);
  const Dtype dtype = a.value.dtype();
  if (dtype == kBool) fail("two bool operands are not supported (as PyTorch's bmm)");
  // Labels only one operand has, and the output does not: summed out first.
  for (Operand* op : {&a, &b}) {
    const Operand& other = op == &a ? b : a;
    std::vector<int> drop;
    for (int id : op->ids)
      if (!contains(output, id) && !contains(other.ids, id)) drop.push_back(id);
    op->sum_over(drop, false);
  }
  // Shared labels of size 1 on one side: a contracted one sums the other side (keeping the dim), a kept one
  // expands to the other side's size.
  std::vector<int> batch, a_free, b_free, contracted;
  for (int id : a.ids)
    if (contains(b.ids, id) && !contains(output, id)) contracted.push_back(id);
  for (int id : contracted) {
    const int64_t sa = a.size(id), sb = b.size(id);
    if (sa == 1 && sb != 1) b.sum_over({id}, true);
    if (sb == 1 && sa != 1) a.sum_over({id}, true);
  }
  for (int id : output) {
    const bool in_a = contains(a.ids, id), in_b = contains(b.ids, id);
    if (in_a && in_b) batch.push_back(id);
    else if (in_a) a_free.push_back(id);
    else b_free.push_back(id);
  }
  for (int id : batch) {
    const int64_t sa = a.size(id), sb = b.size(id);
    Operand& small = sa < sb ? a : b;
    if (sa != sb) {
      Shape sizes = small.value.shape();
      sizes[positions_of(small.ids, {id})[0]] = std::max(sa, sb);
      small.value = small.value.expand(sizes);
    }
  }
  for (Operand* op : {&a, &b})
    if (op->value.dtype() != dtype) op->value = op->value.to(dtype);  // integer sums widened to int64

  auto extent = [](const Operand& op, const std::vector<int>& ids) {
    int64_t n = 1;
    for (int id : ids) n *= op.size(id);
    return n;
  };
  Shape result;
  for (int id : batch) result.push_back(a.size(id));
  for (int id : a_free) result.push_back(a.size(id));
  for (int id : b_free) result.push_back(b.size(id));
  const int64_t batches = extent(a, batch), rows = extent(a, a_free), inner = extent(a, contracted),
                columns = extent(b, b_free);
  std::vector<int> a_order = batch, b_order = batch;
  a_order.insert(a_order.end(), a_free.begin(), a_free.end());
  a_order.insert(a_order.end(), contracted.begin(), contracted.end());
  b_order.insert(b_order.end(), contracted.begin(), contracted.end());
  b_order.insert(b_order.end(), b_free.begin(), b_free.end());
  Tensor left = a.value.permute(positions_of(a.ids, a_order)).reshape({batches, rows, inner});
  Tensor right = b.value.permute(positions_of(b.ids, b_order)).reshape({batches, inner, columns});
  Tensor product = bmm(left, right).reshape(result);
  std::vector<int> have = batch;
  have.insert(have.end(), a_free.begin(), a_free.end());
  have.insert(have.end(), b_free.begin(), b_free.end());
  return product.permute(positions_of(have, output));
}

}  // namespace xgrad

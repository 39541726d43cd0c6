// Opt-in interop with xtensor: not included by <xgrad.hpp>. Include it only in files that already use
// xtensor (link xtensor yourself: target_link_libraries(app PRIVATE xtensor)).
#pragma once

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>

#include "xgrad/tensor.hpp"

namespace xgrad {

// A new tensor holding a copy of `array` (float or double).
template <class T>
Tensor from_xarray(const xt::xarray<T>& array, TensorOptions options = TensorOptions().dtype(std::is_same<T, double>::value ? kFloat64 : kFloat32)) {
  static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "xgrad holds float or double");
  Shape shape(array.shape().begin(), array.shape().end());
  Tensor result = empty(shape, options.requires_grad(false));
  xt::xarray<T> contiguous = array;  // row-major copy whatever the source layout
  if (options.dtype() == (std::is_same<T, double>::value ? kFloat64 : kFloat32)) {
    std::copy(contiguous.begin(), contiguous.end(), result.template data_ptr<T>());
  } else if (options.dtype() == kFloat64) {
    std::copy(contiguous.begin(), contiguous.end(), result.template data_ptr<double>());
  } else {
    std::copy(contiguous.begin(), contiguous.end(), result.template data_ptr<float>());
  }
  if (options.requires_grad()) result.requires_grad_(true);
  return result;
}

// A copy of `tensor` as an xarray (T must match the tensor's dtype).
template <class T>
xt::xarray<T> to_xarray(const Tensor& tensor) {
  std::vector<size_t> shape(tensor.shape().begin(), tensor.shape().end());
  xt::xarray<T> result = xt::adapt(tensor.template data_ptr<T>(), static_cast<size_t>(tensor.numel()), xt::no_ownership(), shape);
  return result;
}

// A view sharing `tensor`'s memory: writes go to the tensor (use it under NoGradGuard for parameters).
template <class T>
auto as_xarray_view(Tensor& tensor) {
  std::vector<size_t> shape(tensor.shape().begin(), tensor.shape().end());
  return xt::adapt(tensor.template data_ptr<T>(), static_cast<size_t>(tensor.numel()), xt::no_ownership(), shape);
}

}  // namespace xgrad

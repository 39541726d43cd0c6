// The opt-in xtensor interop header.
#include <xgrad/xtensor.hpp>

#include "helpers.hpp"

TEST_CASE("xarray to Tensor and back, and a view that writes through") {
  xt::xarray<double> array = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
  xg::Tensor t = xg::from_xarray(array);
  CHECK(t.dtype() == xg::kFloat64);
  CHECK(t.shape() == xg::Shape{2, 3});
  check_values(t, {1, 2, 3, 4, 5, 6});
  xg::Tensor f = xg::from_xarray(array, xg::dtype(xg::kFloat32).requires_grad(true));
  CHECK(f.dtype() == xg::kFloat32);
  CHECK(f.requires_grad());
  xt::xarray<double> transposed = xt::transpose(array);
  check_values(xg::from_xarray(transposed), {1, 4, 2, 5, 3, 6});

  xt::xarray<double> back = xg::to_xarray<double>(t * 2.0);
  CHECK(back(1, 2) == 12.0);
  auto view = xg::as_xarray_view<double>(t);
  view(0, 0) = 10.0;
  CHECK(t[0][0].item() == 10.0);
}

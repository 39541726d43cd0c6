// xgrad umbrella header: everything a training program needs. Standard-library includes only.
#pragma once

#include "xgrad/autograd.hpp"
#include "xgrad/data.hpp"
#include "xgrad/linalg.hpp"
#include "xgrad/nn.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/util.hpp"

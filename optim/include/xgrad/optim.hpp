#pragma once
#include "xgrad/nn/utils.hpp"
#include "xgrad/optim/adam.hpp"
#include "xgrad/optim/checkpoint.hpp"
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/optim/schedulers.hpp"
#include "xgrad/optim/sgd.hpp"

// Private: the per-thread generator behind rand/randn, nn::init and shuffling (seeded by manual_seed).
#pragma once
#include <cstdint>
#include <random>

namespace xgrad {
std::mt19937_64& generator();
}  // namespace xgrad

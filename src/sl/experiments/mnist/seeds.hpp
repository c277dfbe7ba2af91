// Seeds for every random choice of the experiment, derived from the one --seed.
#pragma once

#include <cstdint>
#include <vector>

namespace sl::mnist {

// Independent random streams from one seed: one per purpose (and per model where it matters), so
// that changing how many numbers one step draws never shifts another step's numbers, and a model's
// streams do not depend on which other models are trained beside it.
enum class Stream : uint64_t { init = 1, teacher_shuffle = 2, noise = 3, student_shuffle = 4, cross_init = 5 };

uint64_t derive_seed(int64_t seed, Stream stream, int64_t index = 0);

// A uniformly random cyclic permutation of 0..n-1 (Sattolo's algorithm): p[i] != i for every i
// when n >= 2, so no cross-model student starts from its own teacher's initialization.
std::vector<int64_t> random_derangement(int64_t n, uint64_t seed);

}  // namespace sl::mnist

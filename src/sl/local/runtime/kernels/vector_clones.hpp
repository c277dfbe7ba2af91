// SL_VECTOR_CLONES: build a hot loop for AVX-512, AVX2 and baseline x86-64 and let the loader
// pick the version for the CPU at hand (GCC function multi-versioning). Used by the fused CPU
// kernels (cpu_kernels.cpp, training_kernels.cpp, packed_attention_kernels.cpp), which are
// compiled with -O3 -ffast-math for the auto-vectoriser.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SL_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SL_VECTOR_CLONES
#endif

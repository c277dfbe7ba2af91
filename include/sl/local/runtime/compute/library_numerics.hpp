// Pins the kernel choices of the libraries under libtorch that change results from one CPU to
// another: OpenBLAS picks its sgemm kernels by CPU (measured: AVX-512 and AVX2 kernels give
// different bits for the same product), ATen its vectorised kernels by "CPU capability". Both
// are read from the environment once, when the library initialises, so they are set before
// libtorch runs anything.
//
// Torch-free. Every executable that links sl_local_loader, sl_local or sl_mnist carries a
// start-up hook (library_numerics.cpp) that runs pin_library_kernels() before main; where
// OpenBLAS was already loaded with the process (programs linked to libtorch), the hook re-executes
// the program once so that OpenBLAS starts with the pinned value. Programs that reach libtorch
// through the runtime plugin load it later, with the environment already set.
#pragma once

namespace sl::local {

// The values set where the CPU has AVX2 and FMA (the kernels they name need both).
inline constexpr const char* kPinnedOpenblasCoretype = "Haswell";
inline constexpr const char* kPinnedAtenCpuCapability = "avx2";

// Sets OPENBLAS_CORETYPE and ATEN_CPU_CAPABILITY in this process's environment to the values
// above, each only if it is unset or empty (a value the user set is kept), and only on a CPU
// with AVX2 and FMA (elsewhere nothing is set and results may depend on the CPU). Returns true
// if it set OPENBLAS_CORETYPE. Call before other threads run (it uses setenv).
bool pin_library_kernels();

}  // namespace sl::local

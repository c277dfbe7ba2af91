#include "sl/local/runtime/compute/library_numerics.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sl::local {

namespace {

bool unset(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0';
}

bool cpu_has_avx2_and_fma() {
#if defined(__x86_64__) && defined(__GNUC__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

// Runs before main (glibc passes argc, argv and envp to ELF constructors). A program linked to
// libtorch has OpenBLAS loaded and initialised already, with whatever core type the CPU
// suggested: setting the variable now is too late for it, so the program starts again, once
// (the variable is then set, so the second start does not repeat this).
[[gnu::constructor]] void pin_at_startup(int, char** argv, char**) {
  if (!pin_library_kernels()) return;
  if (dlsym(RTLD_DEFAULT, "openblas_get_corename") == nullptr) return;  // OpenBLAS loads later
  if (argv == nullptr || argv[0] == nullptr) return;
  execv("/proc/self/exe", argv);
  std::fprintf(stderr,
               "warning: could not restart %s with OPENBLAS_CORETYPE=%s (%s); its matrix products may differ "
               "between CPUs\n",
               argv[0], kPinnedOpenblasCoretype, std::strerror(errno));
}

}  // namespace

bool pin_library_kernels() {
  if (!cpu_has_avx2_and_fma()) return false;
  if (unset("ATEN_CPU_CAPABILITY")) setenv("ATEN_CPU_CAPABILITY", kPinnedAtenCpuCapability, 1);
  if (!unset("OPENBLAS_CORETYPE")) return false;
  setenv("OPENBLAS_CORETYPE", kPinnedOpenblasCoretype, 1);
  return true;
}

}  // namespace sl::local

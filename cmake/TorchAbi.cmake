# Makes every target of the project agree with libtorch on the C++ standard library ABI.
#
# libtorch names the ABI it was built with in TORCH_CXX_FLAGS (-D_GLIBCXX_USE_CXX11_ABI=0 or 1)
# and puts the flag on its own `torch` target only. Our libraries pass std::string and
# std::vector between each other, torch-linked or not, so a flag on some targets only would give
# link errors (or worse) between them. When the compiler's default already is libtorch's ABI
# (GCC's default is 1, as Debian's libtorch 1.13 and PyTorch >= 2.7 wheels), nothing is added, so
# the flags stay those of every other build; otherwise the flag goes on every target. ABI 0 (older
# PyTorch 2.x wheels) is refused: the Debian C++ libraries this project links (spdlog, fmt) use 1.
#
# The C++ standard stays C++20 (CompilerOptions.cmake): libtorch 1.13 needs C++14 and 2.x C++17;
# C++20 satisfies both (libtorch 1.13's CXX_STANDARD 14 on its imported target does not propagate).
include(CheckCXXSourceCompiles)
string(REGEX MATCH "-D_GLIBCXX_USE_CXX11_ABI=([01])" sl_torch_abi_flag "${TORCH_CXX_FLAGS}")
if(sl_torch_abi_flag)
  set(SL_TORCH_CXX11_ABI "${CMAKE_MATCH_1}")
  if(SL_TORCH_CXX11_ABI STREQUAL "0")
    message(FATAL_ERROR
      "libtorch (${TORCH_INSTALL_PREFIX}) was built with the pre-C++11 libstdc++ ABI "
      "(-D_GLIBCXX_USE_CXX11_ABI=0); the Debian libraries this project links (spdlog, fmt) use the "
      "C++11 ABI. Use a PyTorch >= 2.7 wheel or a cxx11-abi libtorch archive.")
  endif()
  check_cxx_source_compiles("
    #include <string>
    #if !defined(_GLIBCXX_USE_CXX11_ABI) || _GLIBCXX_USE_CXX11_ABI != ${SL_TORCH_CXX11_ABI}
    #error other ABI
    #endif
    int main() { return 0; }" SL_COMPILER_DEFAULT_IS_TORCH_ABI)
  if(NOT SL_COMPILER_DEFAULT_IS_TORCH_ABI)
    add_compile_definitions(_GLIBCXX_USE_CXX11_ABI=${SL_TORCH_CXX11_ABI})
    message(STATUS "libtorch: _GLIBCXX_USE_CXX11_ABI=${SL_TORCH_CXX11_ABI} on every target")
  endif()
endif()

# PyTorch 2.x wheels carry fmt headers of their own in their include folder (a newer fmt than
# Debian's). spdlog, which every target uses, is compiled against the fmt that find_package found;
# compiling against libtorch's copy instead would reference symbols that library lacks. So that
# fmt's include folder goes first wherever libtorch's carries fmt. (Debian's libtorch shares
# /usr/include with fmt: nothing to do, and nothing is added.)
if(TARGET fmt::fmt)
  get_target_property(sl_fmt_include fmt::fmt INTERFACE_INCLUDE_DIRECTORIES)
  foreach(sl_torch_include IN LISTS TORCH_INCLUDE_DIRS)
    if(EXISTS "${sl_torch_include}/fmt/core.h" AND NOT sl_torch_include IN_LIST sl_fmt_include)
      include_directories(BEFORE SYSTEM ${sl_fmt_include})
      message(STATUS "libtorch carries its own fmt (${sl_torch_include}/fmt): ${sl_fmt_include} goes first")
      break()
    endif()
  endforeach()
endif()

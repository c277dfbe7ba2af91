# Every dependency comes from a Debian 12 package (see DEVELOPERS.md); tools/setup installs them.
find_package(Threads REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(GTest REQUIRED)
find_package(ZLIB REQUIRED)

# cpp-httplib and PCRE2 ship pkg-config files but no CMake packages in Debian.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)

# libtorch: Debian's CPU build by default; a CUDA build is picked up through CMAKE_PREFIX_PATH
# (PyTorch 2.x: python3 -c 'import torch; print(torch.utils.cmake_prefix_path)'). Its CMake
# config may need the CUDA toolkit (nvcc) to be findable; our own code compiles as plain C++.
# Torch-free builds (SL_WITH_TORCH OFF: the fuzz and sanitizer builds) skip it and everything on it.
if(SL_WITH_TORCH)
  find_package(Torch REQUIRED)
  include(TorchAbi)
endif()

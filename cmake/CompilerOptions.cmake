set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

# ccache shortens rebuilds a lot: libtorch headers cost ~30 s per translation unit here.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

# Warnings for our own targets (libtorch's headers are included as SYSTEM and stay quiet).
add_library(sl_warnings INTERFACE)
target_compile_options(sl_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter
  # GCC 12 reports false positives on std::string concatenation (GCC bug 105329); clang (the
  # fuzz build) has no such warning.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)

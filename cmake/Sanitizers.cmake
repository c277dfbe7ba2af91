# Builds for untrusted-input testing (docs/fuzzing.md). Both leave libtorch out: its prebuilt
# library is not instrumented, and what reads outside input (JSON, tokenizer.json, chat
# templates, safetensors headers, HTTP answers) lives in the torch-free libraries.
#
#   -DSL_SANITIZE=address,undefined   the torch-free libraries, tools and their unit and
#                                     integration tests under the sanitizers (tools/sanitize)
#   -DSL_FUZZ=ON (with clang)         the libraries instrumented for libFuzzer and the fuzz
#                                     targets of tests/fuzz (tools/fuzz)
option(SL_FUZZ "Build the libFuzzer targets of tests/fuzz (clang; torch-free libraries only)" OFF)
set(SL_SANITIZE "" CACHE STRING "Sanitizers for a torch-free build and its tests, e.g. address,undefined")

if(SL_FUZZ OR SL_SANITIZE)
  set(SL_WITH_TORCH OFF)
else()
  set(SL_WITH_TORCH ON)
endif()

if(SL_SANITIZE AND SL_FUZZ)
  message(FATAL_ERROR "SL_SANITIZE and SL_FUZZ are separate builds: set one of them")
endif()

if(SL_SANITIZE)
  # Stop at the first finding (UBSan would only print and go on), keep frames for the reports.
  add_compile_options(-fsanitize=${SL_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${SL_SANITIZE})
endif()

if(SL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SL_FUZZ needs clang (libFuzzer): configure with CXX=clang++")
  endif()
  # Every library gets coverage instrumentation and the sanitizers; the fuzz targets add
  # libFuzzer's main when they link (tests/fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# Sanitizer and fuzzing builds (clang only; docs/testing.md, "Fuzzing"). Both are off by default, so
# the normal build (gcc, CI, the wheel) does not change.
#
#   ODVD_SANITIZE=ON  AddressSanitizer + UndefinedBehaviorSanitizer on everything compiled here,
#                     the Python extension included (scripts/sanitize-tests.sh runs the test suite on
#                     it with the ASan runtime preloaded into Python).
#   ODVD_FUZZ=ON      the same on odvd_core plus libFuzzer's coverage instrumentation
#                     (fuzzer-no-link), and the libFuzzer targets of fuzz/ (scripts/fuzz.sh); no Python
#                     extension is built.
#
# UBSan does not recover (-fno-sanitize-recover): undefined behaviour stops the process, so a fuzzer
# or a test sees it as a crash instead of a line in a log nobody reads.
option(ODVD_SANITIZE "Build with ASan + UBSan (clang)" OFF)
option(ODVD_FUZZ "Build the libFuzzer targets in fuzz/ with ASan + UBSan (clang), without the Python extension" OFF)

set(ODVD_SANITIZER_FLAGS "")
if(ODVD_SANITIZE OR ODVD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ODVD_SANITIZE / ODVD_FUZZ need clang (e.g. -DCMAKE_CXX_COMPILER=clang++-14); "
                        "this is ${CMAKE_CXX_COMPILER_ID}")
  endif()
  set(ODVD_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
  add_compile_options(${ODVD_SANITIZER_FLAGS})
  add_link_options(-fsanitize=address,undefined)
  message(STATUS "Sanitizers: ASan + UBSan (fuzz targets: ${ODVD_FUZZ})")
endif()

# Coverage instrumentation for libFuzzer on a library (its main comes from the fuzz targets' link).
function(odvd_fuzz_instrument target)
  if(ODVD_FUZZ)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

# Optional CUDA kernels. When nvcc is found (check_language), the .cu files are compiled into one
# fatbin (SASS for ODVD_CUDA_ARCHS plus PTX of the newest for later GPUs) that is embedded in the
# extension as a byte array and loaded at run time with cuModuleLoadData through the driver API.
# Nothing links libcudart or libcuda, so the same build imports on machines without a GPU.
#
#   ODVD_CUDA=AUTO (default) | ON (fail without nvcc) | OFF (never build kernels)
#
# Defines ODVD_CUDA_KERNELS (ON/OFF), ODVD_CUDA_ARCH_LIST (e.g. "sm_75;...;compute_90"),
# ODVD_NVCC_VERSION, and the function odvd_embed_cuda_kernels(target sources...).
set(ODVD_CUDA "AUTO" CACHE STRING "Build the CUDA kernels: AUTO, ON or OFF")
set_property(CACHE ODVD_CUDA PROPERTY STRINGS AUTO ON OFF)
set(ODVD_CUDA_ARCHS "75;80;86;89;90" CACHE STRING "SM architectures to build SASS for (PTX is added for the last)")

set(ODVD_CUDA_KERNELS OFF)
set(ODVD_CUDA_ARCH_LIST "")
set(ODVD_NVCC_VERSION "")
if(NOT ODVD_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(ODVD_CUDA_KERNELS ON)
    execute_process(COMMAND "${CMAKE_CUDA_COMPILER}" --version OUTPUT_VARIABLE _nvcc_out ERROR_QUIET)
    if(_nvcc_out MATCHES "release [0-9.]+, V([0-9.]+)")
      set(ODVD_NVCC_VERSION "${CMAKE_MATCH_1}")
    endif()
    set(ODVD_CUDA_GENCODE "")
    list(GET ODVD_CUDA_ARCHS -1 _last)
    foreach(a IN LISTS ODVD_CUDA_ARCHS)
      list(APPEND ODVD_CUDA_GENCODE "-gencode=arch=compute_${a},code=sm_${a}")
      list(APPEND ODVD_CUDA_ARCH_LIST "sm_${a}")
    endforeach()
    list(APPEND ODVD_CUDA_GENCODE "-gencode=arch=compute_${_last},code=compute_${_last}")
    list(APPEND ODVD_CUDA_ARCH_LIST "compute_${_last}")
    message(STATUS "CUDA kernels: nvcc ${ODVD_NVCC_VERSION} at ${CMAKE_CUDA_COMPILER}: ${ODVD_CUDA_ARCH_LIST}")
  elseif(ODVD_CUDA STREQUAL "ON")
    message(FATAL_ERROR "ODVD_CUDA=ON but no CUDA compiler (nvcc) was found: put nvcc on PATH or set CUDACXX.")
  else()
    message(STATUS "CUDA kernels: nvcc not found, building without them (the NVDEC backend will be unavailable)")
  endif()
endif()

function(odvd_embed_cuda_kernels target)
  set(_sources ${ARGN})
  set(_out_cpp "${CMAKE_CURRENT_BINARY_DIR}/odvd_kernels_fatbin.cpp")
  if(NOT ODVD_CUDA_KERNELS)
    # An empty image: the loader reports "built without CUDA kernels" instead of failing to link.
    file(WRITE "${_out_cpp}.in" "// Built without nvcc: no CUDA kernels.\n#include \"kernels/fatbin.h\"\nnamespace odvd::kernels {\nconst unsigned char kFatbin[] = {0};\nconst std::size_t kFatbinSize = 0;\n}\n")
    configure_file("${_out_cpp}.in" "${_out_cpp}" COPYONLY)
    target_sources(${target} PRIVATE "${_out_cpp}")
    return()
  endif()
  set(_fatbin "${CMAKE_CURRENT_BINARY_DIR}/odvd_kernels.fatbin")
  set(_abs_sources "")
  foreach(s IN LISTS _sources)
    list(APPEND _abs_sources "${CMAKE_CURRENT_SOURCE_DIR}/${s}")
  endforeach()
  # The headers the kernels include (their per-thread code and the colour formulas).
  file(GLOB _headers CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/csrc/kernels/*.h" "${CMAKE_CURRENT_SOURCE_DIR}/csrc/convert/*.h")
  # One translation unit per fatbin keeps cuModuleLoadData to a single call; kernels.cu includes the rest.
  add_custom_command(
    OUTPUT "${_fatbin}"
    COMMAND "${CMAKE_CUDA_COMPILER}" -fatbin -std=c++17 -O3 -ccbin "${CMAKE_CXX_COMPILER}"
            -I "${CMAKE_CURRENT_SOURCE_DIR}/csrc" ${ODVD_CUDA_GENCODE} -o "${_fatbin}" ${_abs_sources}
    DEPENDS ${_abs_sources} ${_headers}
    COMMENT "nvcc: CUDA kernels -> fatbin (${ODVD_CUDA_ARCH_LIST})"
    VERBATIM)
  add_custom_command(
    OUTPUT "${_out_cpp}"
    COMMAND "${CMAKE_COMMAND}" -DIN=${_fatbin} -DOUT=${_out_cpp} -P "${CMAKE_CURRENT_SOURCE_DIR}/cmake/EmbedFatbin.cmake"
    DEPENDS "${_fatbin}" "${CMAKE_CURRENT_SOURCE_DIR}/cmake/EmbedFatbin.cmake"
    COMMENT "embedding the CUDA fatbin"
    VERBATIM)
  target_sources(${target} PRIVATE "${_out_cpp}")
endfunction()

# Finds FFmpeg's libavformat, libavcodec and libavutil (>= FFmpeg 4.4) and defines the
# INTERFACE target odvd_ffmpeg plus:
#   ODVD_FFMPEG_VERSIONS  "libavformat=59.27.100;libavcodec=..." (compile-time versions)
#   ODVD_FFMPEG_LINKAGE   "shared" or "static"
#
# Order of lookup:
#   1. pkg-config (IMPORTED_TARGET); FFMPEG_ROOT/lib/pkgconfig is searched first when FFMPEG_ROOT is set.
#   2. FFMPEG_ROOT (CMake or environment variable) without pkg-config: headers and libraries found by hand.
# Static archives (an FFmpeg prefix with .a files only, such as scripts/build-wheel.sh's) are linked
# with their private dependencies (pkg-config --static) and their symbols kept out of our module's
# exports. libswscale is not needed: the engine converts colours itself (csrc/convert).

set(_odvd_ff_modules libavformat libavcodec libavutil)
# Library versions shipped with FFmpeg 4.4 (the oldest release we support).
set(_odvd_ff_min_libavformat 58.76.100)
set(_odvd_ff_min_libavcodec 58.134.100)
set(_odvd_ff_min_libavutil 56.70.100)
set(_odvd_ff_hint "Install FFmpeg >= 4.4 development files (Debian/Ubuntu: apt-get install libavformat-dev libavcodec-dev libavutil-dev pkg-config), or point FFMPEG_ROOT at an FFmpeg prefix.")

if(NOT FFMPEG_ROOT AND DEFINED ENV{FFMPEG_ROOT})
  set(FFMPEG_ROOT "$ENV{FFMPEG_ROOT}")
endif()
set(FFMPEG_ROOT "${FFMPEG_ROOT}" CACHE PATH "FFmpeg install prefix (fallback when pkg-config is missing)")
option(ODVD_FFMPEG_STATIC "Link FFmpeg statically (default: only when the prefix has no shared libraries)" OFF)

find_package(PkgConfig QUIET)
add_library(odvd_ffmpeg INTERFACE)
set(ODVD_FFMPEG_VERSIONS "")

function(_odvd_check_ff_version module version)
  if(version VERSION_LESS _odvd_ff_min_${module})
    message(FATAL_ERROR "${module} ${version} is too old: on_demand_video_decoder needs FFmpeg >= 4.4 "
                        "(${module} >= ${_odvd_ff_min_${module}}). ${_odvd_ff_hint}")
  endif()
endfunction()

if(PKG_CONFIG_FOUND)
  if(FFMPEG_ROOT)
    set(ENV{PKG_CONFIG_PATH} "${FFMPEG_ROOT}/lib/pkgconfig:${FFMPEG_ROOT}/lib64/pkgconfig:$ENV{PKG_CONFIG_PATH}")
  endif()
  set(_static_only ON)
  foreach(m IN LISTS _odvd_ff_modules)
    string(TOUPPER "ODVD_${m}" _p)
    pkg_check_modules(${_p} QUIET IMPORTED_TARGET ${m})
    if(NOT ${_p}_FOUND)
      message(FATAL_ERROR "pkg-config cannot find ${m}. ${_odvd_ff_hint}")
    endif()
    _odvd_check_ff_version(${m} "${${_p}_VERSION}")
    list(APPEND ODVD_FFMPEG_VERSIONS "${m}=${${_p}_VERSION}")
    foreach(d IN LISTS ${_p}_LIBRARY_DIRS)
      string(REPLACE "lib" "" _n "${m}")
      if(EXISTS "${d}/lib${_n}.so")
        set(_static_only OFF)
      endif()
    endforeach()
  endforeach()
  if(_static_only)
    set(ODVD_FFMPEG_STATIC ON)
  endif()
  if(ODVD_FFMPEG_STATIC)
    # One pkg-config call over all the modules gives the archives in dependency order followed by
    # their private libraries (-lm, -lpthread, -lz, ...).
    pkg_check_modules(ODVD_FFSTATIC REQUIRED ${_odvd_ff_modules})
    target_include_directories(odvd_ffmpeg INTERFACE ${ODVD_FFSTATIC_STATIC_INCLUDE_DIRS})
    target_link_libraries(odvd_ffmpeg INTERFACE ${ODVD_FFSTATIC_STATIC_LDFLAGS})
    set(ODVD_FFMPEG_LINKAGE static)
  else()
    foreach(m IN LISTS _odvd_ff_modules)
      string(TOUPPER "ODVD_${m}" _p)
      target_link_libraries(odvd_ffmpeg INTERFACE PkgConfig::${_p})
    endforeach()
    set(ODVD_FFMPEG_LINKAGE shared)
  endif()
elseif(FFMPEG_ROOT)
  find_path(_odvd_ff_inc libavformat/avformat.h
            PATHS "${FFMPEG_ROOT}/include/${CMAKE_LIBRARY_ARCHITECTURE}" "${FFMPEG_ROOT}/include" NO_DEFAULT_PATH)
  if(NOT _odvd_ff_inc)
    message(FATAL_ERROR "FFMPEG_ROOT=${FFMPEG_ROOT} has no include/libavformat/avformat.h. ${_odvd_ff_hint}")
  endif()
  target_include_directories(odvd_ffmpeg INTERFACE "${_odvd_ff_inc}")
  set(ODVD_FFMPEG_LINKAGE shared)
  # Link order matters for archives: users before what they use.
  foreach(m libavformat libavcodec libavutil)
    string(REPLACE "lib" "" _n "${m}")
    find_library(_odvd_lib_${_n} NAMES ${_n}
                 PATHS "${FFMPEG_ROOT}/lib/${CMAKE_LIBRARY_ARCHITECTURE}" "${FFMPEG_ROOT}/lib" "${FFMPEG_ROOT}/lib64"
                 NO_DEFAULT_PATH)
    if(NOT _odvd_lib_${_n})
      message(FATAL_ERROR "FFMPEG_ROOT=${FFMPEG_ROOT} has no ${m}. ${_odvd_ff_hint}")
    endif()
    if(_odvd_lib_${_n} MATCHES "\\.a$")
      set(ODVD_FFMPEG_LINKAGE static)
    endif()
    target_link_libraries(odvd_ffmpeg INTERFACE "${_odvd_lib_${_n}}")
    # The version macros live in version_major.h (FFmpeg >= 5.1) and version.h.
    set(_maj "")
    foreach(h version_major.h version.h)
      if(EXISTS "${_odvd_ff_inc}/${m}/${h}")
        file(STRINGS "${_odvd_ff_inc}/${m}/${h}" _lines REGEX "^#define LIB[A-Z]+_VERSION_(MAJOR|MINOR|MICRO) +[0-9]+")
        foreach(l IN LISTS _lines)
          if(l MATCHES "_VERSION_(MAJOR|MINOR|MICRO) +([0-9]+)")
            set(_v_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
          endif()
        endforeach()
      endif()
    endforeach()
    set(_ver "${_v_MAJOR}.${_v_MINOR}.${_v_MICRO}")
    _odvd_check_ff_version(${m} "${_ver}")
    list(APPEND ODVD_FFMPEG_VERSIONS "${m}=${_ver}")
  endforeach()
  if(ODVD_FFMPEG_LINKAGE STREQUAL "static")
    # Without pkg-config the private dependencies are not known; these are the ones a build with
    # --disable-autodetect needs.
    find_package(Threads REQUIRED)
    target_link_libraries(odvd_ffmpeg INTERFACE Threads::Threads m ${CMAKE_DL_LIBS})
  endif()
else()
  message(FATAL_ERROR "Neither pkg-config nor FFMPEG_ROOT is available to find FFmpeg. ${_odvd_ff_hint}")
endif()

if(ODVD_FFMPEG_LINKAGE STREQUAL "static")
  # Keep the archive's symbols private, so another FFmpeg in the same process (PyAV, torchvision)
  # cannot be bound to ours or ours to it.
  target_link_options(odvd_ffmpeg INTERFACE "LINKER:--exclude-libs,ALL")
endif()
message(STATUS "FFmpeg (${ODVD_FFMPEG_LINKAGE}): ${ODVD_FFMPEG_VERSIONS}")

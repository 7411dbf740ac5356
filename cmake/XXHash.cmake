# Finds xxHash's header (xxhash.h >= 0.8.0, where XXH3-64 became stable), for the GOP bundle checksum
# (csrc/bundle/checksum.cpp). Header-only: the code is compiled in with XXH_INLINE_ALL, so nothing is
# linked and the wheel gains no library dependency. Defines the INTERFACE target odvd_xxhash and
# ODVD_XXHASH_VERSION.
set(_odvd_xxh_hint "Install xxHash's header (Debian/Ubuntu: apt-get install libxxhash-dev), or point XXHASH_ROOT at a prefix with include/xxhash.h.")
if(NOT XXHASH_ROOT AND DEFINED ENV{XXHASH_ROOT})
  set(XXHASH_ROOT "$ENV{XXHASH_ROOT}")
endif()
find_path(ODVD_XXHASH_INCLUDE xxhash.h PATHS "${XXHASH_ROOT}/include" /usr/local/include /usr/include)
if(NOT ODVD_XXHASH_INCLUDE)
  message(FATAL_ERROR "xxhash.h not found (the GOP bundle checksum is XXH3-64). ${_odvd_xxh_hint}")
endif()
file(STRINGS "${ODVD_XXHASH_INCLUDE}/xxhash.h" _odvd_xxh_lines REGEX "^#[ \t]*define[ \t]+XXH_VERSION_(MAJOR|MINOR|RELEASE)[ \t]+[0-9]+")
foreach(_part MAJOR MINOR RELEASE)
  string(REGEX REPLACE ".*XXH_VERSION_${_part}[ \t]+([0-9]+).*" "\\1" _odvd_xxh_${_part} "${_odvd_xxh_lines}")
endforeach()
set(ODVD_XXHASH_VERSION "${_odvd_xxh_MAJOR}.${_odvd_xxh_MINOR}.${_odvd_xxh_RELEASE}")
if(ODVD_XXHASH_VERSION VERSION_LESS 0.8.0)
  message(FATAL_ERROR "xxhash.h ${ODVD_XXHASH_VERSION} in ${ODVD_XXHASH_INCLUDE} is older than 0.8.0, whose XXH3-64 is the first stable one. ${_odvd_xxh_hint}")
endif()
add_library(odvd_xxhash INTERFACE)
target_include_directories(odvd_xxhash INTERFACE "${ODVD_XXHASH_INCLUDE}")
message(STATUS "xxHash: ${ODVD_XXHASH_VERSION} (header only, ${ODVD_XXHASH_INCLUDE})")

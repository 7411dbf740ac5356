// Internal to csrc/bundle: the little-endian fixed-width fields of docs/bundle-format.md, written and
// read byte by byte (no alignment or host-order assumptions), and the error every rule raises.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "common/error.h"

namespace odvd::bundle::wire {

inline uint64_t align8(uint64_t v) { return (v + 7) & ~uint64_t(7); }

template <typename T>
void put(uint8_t* p, T v) {
  using U = std::make_unsigned_t<T>;
  U u = static_cast<U>(v);
  for (size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<uint8_t>(u >> (8 * i));
}

template <typename T>
T get(const uint8_t* p) {
  using U = std::make_unsigned_t<T>;
  U u = 0;
  for (size_t i = 0; i < sizeof(T); ++i) u |= static_cast<U>(p[i]) << (8 * i);
  return static_cast<T>(u);
}

// ValueError naming where (bundle, entry, packet) and which field or rule.
[[noreturn]] inline void bad(const std::string& where, const std::string& what) {
  throw DataError("corrupt GOP bundle: " + where + what);
}

}  // namespace odvd::bundle::wire

// Internal to csrc/bundle: an entry's reference table (bundle version 3, docs/bundle-format.md
// "Reference table"), written after the payload and read back with every rule checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "gop/reference_closure.h"

namespace odvd::bundle {

// Bytes of the table of `lists` (a multiple of 8); 0 for empty lists (no table).
size_t references_size(const ReferenceLists& lists);

// Writes the table (references_size(lists) bytes, padding zeroed) at `dst`.
void write_references(const ReferenceLists& lists, uint8_t* dst);

// Reads the `size` bytes at `p` as the table of an entry of `packet_count` packets; ValueError naming
// `where` and the rule a bad table breaks.
ReferenceLists read_references(const uint8_t* p, uint64_t size, uint32_t packet_count, const std::string& where);

}  // namespace odvd::bundle

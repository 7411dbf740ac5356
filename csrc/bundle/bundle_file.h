// Bundles on disk: whole-file reads, and atomic writes (a temporary file in the destination's folder,
// then rename), so a crash or a full disk never leaves a half-written bundle under the final name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace odvd::bundle {

std::vector<uint8_t> read_file(const std::string& path);  // FileNotFound / invalid_argument
void write_file_atomic(const std::string& path, const uint8_t* data, size_t size);

}  // namespace odvd::bundle

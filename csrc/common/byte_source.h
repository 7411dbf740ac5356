// Videos that are not files: bytes in memory, a Python file-like object (the bindings' sources,
// bindings/register_sources.cpp). A source is registered under a name that no path can be (it starts
// with a NUL byte) and that name goes wherever a path goes; FileIO reads a named source instead of
// opening a file (demux/file_io.h). docs/access-sources.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace odvd {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual int64_t size() const = 0;
  // Up to `n` bytes at `offset` into `dst`; the count read (short only at the end). Throws
  // invalid_argument (ValueError) when the source fails.
  virtual size_t read(int64_t offset, uint8_t* dst, size_t n) const = 0;
  // What messages call it ("<bytes: 1234 bytes>", "<file-like io.BytesIO>").
  virtual std::string label() const = 0;
};

// The name `source` is reachable under until unregister_source (a NUL, then "source:<n>").
std::string register_source(std::shared_ptr<ByteSource> source);
void unregister_source(const std::string& name);
bool is_source_name(const std::string& name);
// The source of `name`; invalid_argument when it is a source name no longer registered.
std::shared_ptr<ByteSource> find_source(const std::string& name);

}  // namespace odvd

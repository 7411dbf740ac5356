// Plain POSIX file access shared by the demuxer (demux/file_io) and bundle files (bundle/bundle_file):
// opening a regular file with errors by meaning, and exact positional reads.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace odvd {

struct RegularFile {
  int fd = -1;
  int64_t size = 0;
  int64_t mtime_ns = 0;
};

// Opens `path` read-only: FileNotFound ("No such <what>: 'path'") when it is missing,
// invalid_argument when it cannot be opened or is not a regular file. The caller closes fd.
RegularFile open_regular_file(const std::string& path, const char* what);

int64_t mtime_ns(const struct stat& st);

// Reads exactly `n` bytes at `offset` (retrying EINTR and short reads); invalid_argument naming
// `path` on a read error or when the file ends first.
void pread_exact(int fd, int64_t offset, uint8_t* dst, size_t n, const std::string& path, int64_t file_size);

}  // namespace odvd

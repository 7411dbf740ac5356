// Plain POSIX file access shared by the demuxer (demux/file_io) and bundle files (bundle/bundle_file):
// opening a regular file with errors by meaning, and exact positional reads.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace odvd {

// What tells one version of a file from another: a file replaced by rename has another inode, and a
// rewrite changes the ctime even when the size and the mtime are kept (cp -p, rsync -t, utime).
struct FileIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  bool operator==(const FileIdentity& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime_ns == o.mtime_ns && ctime_ns == o.ctime_ns;
  }
};

FileIdentity identity_of(const struct stat& st);

struct RegularFile {
  int fd = -1;
  int64_t size = 0;
  FileIdentity identity;
};

// Opens `path` read-only: FileNotFound ("No such <what>: 'path'") when it is missing,
// invalid_argument when it cannot be opened or is not a regular file. The caller closes fd.
RegularFile open_regular_file(const std::string& path, const char* what);

// Reads exactly `n` bytes at `offset` (retrying EINTR and short reads); invalid_argument naming
// `path` on a read error or when the file ends first.
void pread_exact(int fd, int64_t offset, uint8_t* dst, size_t n, const std::string& path, int64_t file_size);

}  // namespace odvd

// A file as an AVIOContext over a file descriptor (pread), with a "no payload" mode: while indexing
// an MP4/MOV, the demuxer walks every sample of the moov's tables but the payload bytes it reads are
// never looked at, so reads cost neither file I/O nor a pass over the bytes. In that mode the context
// reads directly into the caller's memory (AVIOContext::direct), a read into a packet is answered
// without writing anything, and only reads into the context's own buffer (box headers the demuxer
// parses, e.g. of fragments) are answered with zeros.
#pragma once

#include <cstdint>
#include <string>

extern "C" {
#include <libavformat/avio.h>
}

#include "common/posix_file.h"

namespace odvd {

class FileIO {
 public:
  // Opens `path` read-only; FileNotFound when missing, invalid_argument when not a regular file.
  explicit FileIO(const std::string& path);
  ~FileIO();
  FileIO(const FileIO&) = delete;
  FileIO& operator=(const FileIO&) = delete;

  AVIOContext* avio() { return avio_; }
  int fd() const { return fd_; }
  int64_t size() const { return size_; }
  // The file as it was opened (compare with identity_of(stat(path)) to see whether it was replaced).
  const FileIdentity& identity() const { return identity_; }
  void set_skip_payload(bool on);

  // Reads exactly `n` bytes at `offset` (pread, retried on EINTR / short reads); invalid_argument
  // naming the file when the file ends first.
  void read_at(int64_t offset, uint8_t* dst, size_t n) const;

 private:
  static int read_cb(void* opaque, uint8_t* buf, int n);
  static int64_t seek_cb(void* opaque, int64_t offset, int whence);

  std::string path_;
  int fd_ = -1;
  int64_t size_ = 0;
  FileIdentity identity_;
  int64_t pos_ = 0;
  bool skip_payload_ = false;
  AVIOContext* avio_ = nullptr;
};

}  // namespace odvd

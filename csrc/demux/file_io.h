// A file as an AVIOContext over a file descriptor (pread), with a "no payload" mode: while indexing
// an MP4/MOV, the demuxer walks every sample of the moov's tables but the payload bytes it reads are
// never looked at, so reads cost neither file I/O nor a pass over the bytes. In that mode the context
// reads directly into the caller's memory (AVIOContext::direct), a read into a packet is answered
// without writing anything, and only reads into the context's own buffer (box headers the demuxer
// parses, e.g. of fragments) are answered with zeros.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

extern "C" {
#include <libavformat/avio.h>
}

#include "common/byte_source.h"
#include "common/posix_file.h"

namespace odvd {

class FileIO {
 public:
  // Opens `path` read-only; FileNotFound when missing, invalid_argument when not a regular file. A
  // registered source's name (common/byte_source.h) reads that source instead.
  explicit FileIO(const std::string& path);
  ~FileIO();
  FileIO(const FileIO&) = delete;
  FileIO& operator=(const FileIO&) = delete;

  AVIOContext* avio() { return avio_; }
  int64_t size() const { return size_; }
  // A source in memory or a Python object, not a file on disk (nothing to compare with the disk).
  bool is_source() const { return source_ != nullptr; }
  // How messages name it: the path, or the source's label.
  const std::string& name() const { return path_; }
  // The file as it was opened (compare with identity_of(stat(path)) to see whether it was replaced).
  const FileIdentity& identity() const { return identity_; }
  void set_skip_payload(bool on);

  // Reads exactly `n` bytes at `offset` (pread, retried on EINTR / short reads); invalid_argument
  // naming the file when the file ends first.
  void read_at(int64_t offset, uint8_t* dst, size_t n) const;

 private:
  static int read_cb(void* opaque, uint8_t* buf, int n);
  static int64_t seek_cb(void* opaque, int64_t offset, int whence);

  // Up to `n` bytes at `offset`: from the file (pread, EINTR retried) or the source; <0: an AVERROR.
  int64_t read_some(int64_t offset, uint8_t* dst, size_t n) const;

  std::string path_;
  std::shared_ptr<ByteSource> source_;
  int fd_ = -1;
  int64_t size_ = 0;
  FileIdentity identity_;
  int64_t pos_ = 0;
  bool skip_payload_ = false;
  AVIOContext* avio_ = nullptr;
};

}  // namespace odvd

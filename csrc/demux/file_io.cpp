#include "demux/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>

extern "C" {
#include <libavutil/error.h>
#include <libavutil/mem.h>
}

#include "common/error.h"

namespace odvd {

FileIO::FileIO(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) throw FileNotFound("No such file: '" + path + "'");
    throw std::invalid_argument("cannot open '" + path + "': " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw std::invalid_argument("'" + path + "' is not a regular file");
  }
  size_ = st.st_size;
  mtime_ns_ = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  constexpr int kBufferSize = 64 * 1024;
  auto* buffer = static_cast<uint8_t*>(av_malloc(kBufferSize));
  avio_ = buffer ? avio_alloc_context(buffer, kBufferSize, 0, this, &FileIO::read_cb, nullptr, &FileIO::seek_cb)
                 : nullptr;
  if (!avio_) {
    av_free(buffer);
    ::close(fd_);
    throw std::bad_alloc();
  }
}

FileIO::~FileIO() {
  if (avio_) {
    av_freep(&avio_->buffer);
    avio_context_free(&avio_);
  }
  if (fd_ >= 0) ::close(fd_);
}

void FileIO::read_at(int64_t offset, uint8_t* dst, size_t n) const {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd_, dst + done, n - done, offset + static_cast<int64_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw std::invalid_argument("read error in '" + path_ + "': " + std::strerror(errno));
    if (r == 0) {
      throw std::invalid_argument("'" + path_ + "' ends at byte " + std::to_string(size_) + " inside a packet at " +
                                  std::to_string(offset) + " (+" + std::to_string(n) + " bytes): truncated file?");
    }
    done += static_cast<size_t>(r);
  }
}

int FileIO::read_cb(void* opaque, uint8_t* buf, int n) {
  auto* self = static_cast<FileIO*>(opaque);
  if (self->pos_ >= self->size_) return AVERROR_EOF;
  const int64_t want = std::min<int64_t>(n, self->size_ - self->pos_);
  if (self->skip_payload_) {
    std::memset(buf, 0, static_cast<size_t>(want));
    self->pos_ += want;
    return static_cast<int>(want);
  }
  ssize_t r;
  do {
    r = ::pread(self->fd_, buf, static_cast<size_t>(want), self->pos_);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return AVERROR(errno);
  if (r == 0) return AVERROR_EOF;
  self->pos_ += r;
  return static_cast<int>(r);
}

int64_t FileIO::seek_cb(void* opaque, int64_t offset, int whence) {
  auto* self = static_cast<FileIO*>(opaque);
  switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE: return self->size_;
    case SEEK_SET: self->pos_ = offset; break;
    case SEEK_CUR: self->pos_ += offset; break;
    case SEEK_END: self->pos_ = self->size_ + offset; break;
    default: return AVERROR(EINVAL);
  }
  return self->pos_;
}

}  // namespace odvd

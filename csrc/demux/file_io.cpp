#include "demux/file_io.h"

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
#include "common/posix_file.h"

namespace odvd {

FileIO::FileIO(const std::string& path) : path_(path) {
  if (is_source_name(path)) {
    source_ = find_source(path);
    path_ = source_->label();
    size_ = source_->size();
  } else {
    const RegularFile f = open_regular_file(path, "file");
    fd_ = f.fd;
    size_ = f.size;
    identity_ = f.identity;
  }
}

AVIOContext* FileIO::avio() {
  if (avio_) return avio_;
  constexpr int kBufferSize = 65536;
  auto* buffer = static_cast<uint8_t*>(av_malloc(kBufferSize));
  avio_ = buffer ? avio_alloc_context(buffer, kBufferSize, 0, this, &FileIO::read_cb, nullptr, &FileIO::seek_cb)
                 : nullptr;
  if (!avio_) {
    av_free(buffer);
    throw std::bad_alloc();
  }
  return avio_;
}

FileIO::~FileIO() {
  if (avio_) {
    av_freep(&avio_->buffer);
    avio_context_free(&avio_);
  }
  if (fd_ >= 0) ::close(fd_);
}

void FileIO::read_at(int64_t offset, uint8_t* dst, size_t n) const {
  if (!source_) {
    pread_exact(fd_, offset, dst, n, path_, size_);
    return;
  }
  size_t done = 0;
  while (done < n) {
    const size_t got = source_->read(offset + static_cast<int64_t>(done), dst + done, n - done);
    if (got == 0) {
      throw DataError("'" + path_ + "': ends at byte " + std::to_string(offset + done) + ", " +
                      std::to_string(n - done) + " bytes short of a read (truncated)");
    }
    done += got;
  }
}

int64_t FileIO::read_some(int64_t offset, uint8_t* dst, size_t n) const {
  if (source_) {
    try {
      return static_cast<int64_t>(source_->read(offset, dst, n));
    } catch (const std::exception&) {
      return AVERROR(EIO);
    }
  }
  ssize_t r;
  do {
    r = ::pread(fd_, dst, n, offset);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? AVERROR(errno) : static_cast<int64_t>(r);
}

void FileIO::set_skip_payload(bool on) {
  // Drop what the buffer holds (zeros, or real bytes), so the next read goes through read_cb in the new
  // mode: in direct mode avio_seek always resets the buffer.
  AVIOContext* io = avio();
  io->direct = 1;
  avio_seek(io, avio_tell(io), SEEK_SET);
  io->direct = on ? 1 : 0;
  skip_payload_ = on;
}

int FileIO::read_cb(void* opaque, uint8_t* buf, int n) {
  auto* self = static_cast<FileIO*>(opaque);
  if (self->pos_ >= self->size_) return AVERROR_EOF;
  const int64_t want = std::min<int64_t>(n, self->size_ - self->pos_);
  if (self->skip_payload_) {
    // Packet payloads are read straight into the packet (direct mode) and nobody looks at them: leave
    // them unwritten. What lands in the context's buffer may be parsed: zeros.
    const uint8_t* own = self->avio_->buffer;
    if (buf >= own && buf < own + self->avio_->buffer_size) std::memset(buf, 0, static_cast<size_t>(want));
    self->pos_ += want;
    return static_cast<int>(want);
  }
  const int64_t r = self->read_some(self->pos_, buf, static_cast<size_t>(want));
  if (r < 0) return static_cast<int>(r);
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

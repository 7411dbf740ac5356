#include "common/ffmpeg.h"

#include <cerrno>
#include <new>
#include <stdexcept>

#include "common/error.h"

namespace odvd::ff {

PacketPtr make_packet() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw std::bad_alloc();
  return p;
}

FramePtr make_frame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw std::bad_alloc();
  return f;
}

std::string error_string(int averror) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(averror, buf, sizeof(buf));
  return buf;
}

void throw_averror(int averror, const std::string& call, const std::string& context) {
  const std::string msg = context + ": " + call + " failed: " + error_string(averror);
  if (averror == AVERROR(ENOENT)) throw FileNotFound(msg);
  if (averror == AVERROR(ENOMEM)) throw std::bad_alloc();  // MemoryError
  throw DataError(msg);
}

}  // namespace odvd::ff

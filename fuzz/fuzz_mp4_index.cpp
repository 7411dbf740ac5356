// libFuzzer target: read_mp4_index (demux/mp4_index.h), the direct reader of MP4/MOV sample tables,
// and what the engine does next with its answer (the configuration record's sample format and
// colour, the StreamIndex).
//
// FileIO opens a path, so the input is written to a memfd opened as /proc/self/fd/N (the product's
// FileIO is used unchanged). When the input's last byte is odd, the file continues with 4 MiB of
// zeros (a sparse tail): the seeds are moov-first files cut after the mdat header, and without the
// tail every sample would lie past the end of the file and be dropped.
//
// The contract checked: an answer or nullopt, or std::invalid_argument for an unreadable file
// (ValueError); the samples answered are complete and inside the file (mp4_index.h).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "demux/bitstream.h"
#include "demux/colour_signal.h"
#include "demux/file_io.h"
#include "demux/mp4_index.h"
#include "index/stream_index.h"

namespace {

constexpr off_t kSparseTail = 4 << 20;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

int memfd() {
  static const int fd = [] {
    const int f = memfd_create("odvd-fuzz-mp4", 0);
    if (f < 0) std::abort();
    return f;
  }();
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = memfd();
  const off_t file_size = static_cast<off_t>(size) + (size && (data[size - 1] & 1) ? kSparseTail : 0);
  if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) ||
      ftruncate(fd, file_size) != 0) {
    std::abort();
  }
  try {
    odvd::FileIO io("/proc/self/fd/" + std::to_string(fd));
    std::optional<odvd::Mp4Video> v = odvd::read_mp4_index(io);
    if (!v) return 0;
    check(!v->samples.empty() && v->par && v->par->extradata_size > 0);
    check(v->time_base.num == 1 && v->time_base.den > 0);
    for (const odvd::Sample& s : v->samples) {
      check(s.pos >= 0 && s.size > 0 && s.pos <= file_size - s.size);
    }
    const std::vector<uint8_t> record(v->par->extradata, v->par->extradata + v->par->extradata_size);
    odvd::bitstream::format_from_extradata(v->par->codec_id, record);
    const odvd::Codec codec = v->par->codec_id == AV_CODEC_ID_HEVC ? odvd::Codec::kHEVC
                              : v->par->codec_id == AV_CODEC_ID_AV1 ? odvd::Codec::kAV1
                                                                    : odvd::Codec::kH264;
    odvd::bitstream::colour_signal(codec, record.data(), record.size());
    const odvd::StreamIndex index(std::move(v->samples), "fuzz");
    check(index.frame_count() > 0);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}

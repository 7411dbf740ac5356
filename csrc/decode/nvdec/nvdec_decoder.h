// The GPU backend's decoder: one NVDEC session (a cuvid parser and the decoder it configures), fed a
// run of Annex-B packets in decode order, like decode/cpu/cpu_decoder. Each packet's timestamp is
// the frame_id it produces, so every displayed picture says which frame it is. Only pictures a run
// targets are mapped, copied into a pooled device block as NV12 / P016 (the layout of the CPU
// backend's native frames: DESIGN.md "Native output") and handed over; a non-reference picture
// that no target needs is not decoded at all (the parser's picture parameters say which).
//
// NOT YET RUN ON A GPU: written against the NVDEC headers (ffnvcodec) and compiled here;
// docs/validation/gpu.md lists what the first GPU session must check.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/stream_params.h"
#include "decode/cpu/cpu_decoder.h"  // FeedPacket
#include "decode/nvdec/device_allocator.h"  // StreamPtr
#include "frames/block_pool.h"
#include "frames/frame.h"
#include "runtime/cuda_context.h"

namespace odvd {

class NvdecDecoder {
 public:
  // A session for `codec` on ctx's device; its work (map + copy) runs on `stream`. Throws
  // std::runtime_error when the device has no NVDEC for the codec.
  NvdecDecoder(std::shared_ptr<cuda::PrimaryContext> ctx, Codec codec, StreamPtr stream);
  ~NvdecDecoder();
  NvdecDecoder(const NvdecDecoder&) = delete;
  NvdecDecoder& operator=(const NvdecDecoder&) = delete;

  Codec codec() const { return codec_; }
  int bit_depth() const { return bit_depth_; }
  const StreamPtr& stream() const { return stream_; }
  // The largest coded size the current decoder takes without being recreated (0 before the first).
  uint32_t max_width() const { return max_width_; }
  uint32_t max_height() const { return max_height_; }

  using OnFrame = std::function<void(int64_t, FramePtr)>;
  // Feeds `feed`, ends the stream (the parser flushes), calls on_frame(frame_id, native device frame)
  // for each displayed picture whose frame_id is in `targets` (sorted). `pool` gives the frames'
  // device memory; `context` names the source in errors (ValueError for bad data, RuntimeError for
  // the driver). The stream is synchronised before this returns: the frames are complete. After a
  // throw the session has been flushed and can decode again.
  // `params` supplies the colour description where the bitstream leaves it unspecified (as for the
  // CPU backend) and the time base.
  void run(const std::vector<FeedPacket>& feed, const std::vector<int64_t>& targets, const StreamParams& params,
           BlockPool& pool, const OnFrame& on_frame, const std::string& context);

 private:
  static int CUDAAPI on_sequence(void* self, CUVIDEOFORMAT* format);
  static int CUDAAPI on_decode(void* self, CUVIDPICPARAMS* pic);
  static int CUDAAPI on_display(void* self, CUVIDPARSERDISPINFO* info);
  int sequence(const CUVIDEOFORMAT& format);
  int decode(CUVIDPICPARAMS* pic);
  int display(const CUVIDPARSERDISPINFO& info);
  void create_decoder(const CUVIDEOFORMAT& format, unsigned surfaces);
  void set_geometry(const CUVIDEOFORMAT& format);
  void destroy_decoder();
  void parse(const CUVIDSOURCEDATAPACKET& packet);
  void flush();
  bool wanted(int64_t frame_id) const;

  std::shared_ptr<cuda::PrimaryContext> ctx_;
  Codec codec_;
  StreamPtr stream_;
  CUvideoctxlock lock_ = nullptr;
  CUvideoparser parser_ = nullptr;
  CUvideodecoder decoder_ = nullptr;

  // The decoder's configuration.
  int bit_depth_ = 8;
  cudaVideoChromaFormat chroma_ = cudaVideoChromaFormat_420;
  uint32_t max_width_ = 0, max_height_ = 0;        // coded size limits (reconfigure up to these)
  uint32_t width_ = 0, height_ = 0;                // display size = output size
  int32_t left_ = 0, top_ = 0;                     // display area origin in the decoded surface
  uint32_t surface_height_ = 0;                    // coded height: where the chroma plane starts
  unsigned surfaces_ = 0;
  CUVIDEOFORMAT format_{};                          // the sequence being decoded

  // The run in progress.
  const std::vector<int64_t>* targets_ = nullptr;
  const StreamParams* params_ = nullptr;
  BlockPool* pool_ = nullptr;
  const OnFrame* on_frame_ = nullptr;
  const std::string* context_ = nullptr;
  int64_t packet_frame_id_ = -1;                    // the frame_id of the packet being parsed
  uint64_t decode_calls_ = 0;                        // pfnDecodePicture calls so far
  // Skipping unneeded non-reference pictures needs each picture decoded within its own packet's
  // parse call (so packet_frame_id_ names it): off for H.264 only if that ever fails to hold, and
  // off for the other codecs (their ref_pic_flag is not trusted: HEVC sub-layers, VP9/AV1).
  bool skip_non_reference_ = false;
  std::vector<uint8_t> skipped_;                    // per decode surface: its picture was not decoded
  std::exception_ptr error_;                        // the first failure inside a callback
};

}  // namespace odvd

// The cuvid backend's decoder: one NVDEC session (NVIDIA's parser and the decoder it configures), fed
// the same Annex-B packets as the CPU backend. Each packet's timestamp is the frame_id it produces, so
// every displayed picture says which frame it is. A picture is mapped and copied out only when the
// caller asks for it (DecodedPicture::frame / keep), into a pooled device block in the native layout.
//
// First-run choices (docs/validation/gpu.md): the parser is created anew for every sequence (reset), a
// decoder whose stream needs another coded size or more surfaces is recreated, and every picture is
// decoded. The faster variants a GPU run may switch on once verified (CuvidOptions): reconfiguring a
// decoder for a new coded size, and skipping, inside the parser, non-reference pictures no target
// needs (H.264 only).
//
// NOT YET RUN ON A GPU.
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "decode/backend.h"
#include "decode/nvdec/gpu_device.h"

namespace odvd {

struct CuvidOptions {
  bool reconfigure = false;         // cuvidReconfigureDecoder for a new coded size instead of a new decoder
  bool skip_non_reference = false;  // H.264: unneeded non-reference pictures not decoded at all
  // ODVD_CUVID_RECONFIGURE=1 and ODVD_CUVID_SKIP_NONREF=1 switch them on.
  static CuvidOptions from_environment();
};

// cuvidGetDecoderCaps answers, asked once per (codec, chroma format, bit depth) and device.
class DecoderCaps {
 public:
  // The caps; runtime_error when the query fails.
  CUVIDDECODECAPS get(cudaVideoCodec codec, cudaVideoChromaFormat chroma, unsigned bit_depth_minus8);

 private:
  std::mutex mutex_;
  std::map<std::tuple<int, int, unsigned>, CUVIDDECODECAPS> known_;
};

class CuvidDecoder final : public Decoder {
 public:
  // A session for `codec` on `gpu`; its copies and conversions run on `stream`. runtime_error when the
  // device has no NVDEC for the codec.
  CuvidDecoder(std::shared_ptr<GpuDevice> gpu, Codec codec, StreamPtr stream, CuvidOptions options,
               DecoderCaps& caps);
  ~CuvidDecoder() override;

  int bit_depth() const { return bit_depth_; }
  uint32_t coded_width() const { return format_.coded_width; }
  uint32_t coded_height() const { return format_.coded_height; }

  void send(const FeedPacket& packet, const OnPicture& on_picture) override;
  void drain(const OnPicture& on_picture) override;
  void reset() noexcept override;
  void run(const std::vector<FeedPacket>& feed, const std::vector<int64_t>& targets,
           const OnPicture& on_picture) override;

 private:
  class Picture;
  static int CUDAAPI on_sequence(void* self, CUVIDEOFORMAT* format);
  static int CUDAAPI on_decode(void* self, CUVIDPICPARAMS* pic);
  static int CUDAAPI on_display(void* self, CUVIDPARSERDISPINFO* info);
  int sequence(const CUVIDEOFORMAT& format);
  int decode(CUVIDPICPARAMS* pic);
  int display(const CUVIDPARSERDISPINFO& info);
  void create_parser();
  void destroy_parser() noexcept;
  void create_decoder(const CUVIDEOFORMAT& format, unsigned surfaces);
  void destroy_decoder() noexcept;
  void parse(CUVIDSOURCEDATAPACKET& packet, const OnPicture& on_picture);
  bool wanted(int64_t frame_id) const;

  std::shared_ptr<GpuDevice> gpu_;
  StreamPtr stream_;
  CuvidOptions options_;
  DecoderCaps& caps_;
  CUvideoctxlock lock_ = nullptr;
  CUvideoparser parser_ = nullptr;
  CUvideodecoder decoder_ = nullptr;

  // The decoder's configuration.
  int bit_depth_ = 8;
  cudaVideoChromaFormat chroma_ = cudaVideoChromaFormat_420;
  uint32_t max_width_ = 0, max_height_ = 0;  // coded size limits (reconfigure up to these)
  unsigned surfaces_ = 0;
  CUVIDEOFORMAT format_{};                   // the sequence being decoded (display area, coded size)

  // The parse in progress.
  const OnPicture* on_picture_ = nullptr;
  const std::vector<int64_t>* targets_ = nullptr;  // run(): for the in-parser skip
  int64_t packet_frame_id_ = -1;                   // the frame_id of the packet being parsed
  uint64_t decode_calls_ = 0;                      // pfnDecodePicture calls so far
  // The in-parser skip needs each picture decoded within its own packet's parse call (so that
  // packet_frame_id_ names it): it turns itself off for the session when that does not hold.
  bool skip_non_reference_ = false;
  std::vector<uint8_t> skipped_;                   // per decode surface: its picture was not decoded
  std::exception_ptr error_;                       // the first failure inside a callback
};

}  // namespace odvd

// The decoder-backend seam (docs/design.md "Layers", csrc/decode). The engine, the stream readers and the
// sample reader talk to these interfaces only; which backend decodes is chosen at run time:
//   cpu     libavcodec into host memory                                   decode/cpu/
//   cuvid   NVDEC through NVIDIA's parser + decoder (libnvcuvid)          decode/nvdec/cuvid_*
//   ffmpeg  NVDEC through libavcodec's own hwaccel (AV_PIX_FMT_CUDA)      decode/nvdec/ffmpeg_nvdec_*
// Every backend is fed the same packets (decode/feed_packet.h) and hands out native frames in the same
// layout (NV12 / P016, docs/design.md "Native output"), so its frames are interchangeable with the others'.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/stream_params.h"
#include "decode/feed_packet.h"
#include "frames/frame.h"
#include "frames/frame_convert.h"

namespace odvd {

// A picture a decoder has put out, handed to the caller's callback; valid during the callback only,
// unless kept.
class DecodedPicture {
 public:
  virtual ~DecodedPicture() = default;
  // The picture as a returned frame, native or RGB / BGR, in the backend's memory; its pixels are
  // complete (device work finished) when this returns. Colour comes from the stream's description
  // (StreamParams), never from the decoder's per-picture state.
  virtual FramePtr frame(OutputFormat out) = 0;
  // The picture held past the callback (a stream reader keeps pictures put out ahead of their request).
  virtual std::unique_ptr<DecodedPicture> keep() = 0;
};

// Called for each picture a decoder puts out, with the frame_id its packet carried (pictures of
// packets without one are not handed out).
using OnPicture = std::function<void(int64_t frame_id, DecodedPicture& picture)>;

// One decoding session: fed the packets of one stream at a time.
class Decoder {
 public:
  virtual ~Decoder() = default;
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  Codec codec() const { return codec_; }

  // The stream the next packets come from: its parameters (codec, size, bit depth, colour, time base)
  // and its name in error messages. DecoderBackend::take binds a decoder before handing it out (a
  // pooled decoder is bound anew for each stream); `params` must outlive the binding.
  void bind(const StreamParams& params, std::string context) {
    params_ = &params;
    context_ = std::move(context);
  }

  // One packet in; the pictures that come out go to on_picture. invalid_argument (ValueError) for data
  // that does not decode, runtime_error for the device.
  virtual void send(const FeedPacket& packet, const OnPicture& on_picture) = 0;
  // End of the sequence: every picture still held comes out.
  virtual void drain(const OnPicture& on_picture) = 0;
  // Ready for a new sequence (after a drain, after an error, or to start over at a key frame); pictures
  // still held are dropped. Never throws.
  virtual void reset() noexcept = 0;

  // One run of a GopPlan: feeds `feed`, drains and resets, also when it throws. `targets` (ascending)
  // are the frames the caller will take: a backend may skip work for pictures no target needs.
  virtual void run(const std::vector<FeedPacket>& feed, const std::vector<int64_t>& targets,
                   const OnPicture& on_picture);

 protected:
  explicit Decoder(Codec codec) : codec_(codec) {}
  const StreamParams& params() const { return *params_; }
  const std::string& context() const { return context_; }

 private:
  Codec codec_;
  const StreamParams* params_ = nullptr;
  std::string context_;
};

// A backend: its decoders (kept idle between calls), its frame memory and its conversion.
class DecoderBackend {
 public:
  virtual ~DecoderBackend() = default;
  // Strict decoding: data the decoder reports as damaged is an error (ValueError naming the file and
  // frame) instead of a frame flagged `corrupt`; software decoders then run without frame threads, so
  // what is reported does not depend on thread timing.
  bool strict() const { return strict_; }
  virtual const char* name() const = 0;  // "cpu", "cuvid", "ffmpeg"
  virtual int device() const = 0;        // -1: host memory; >= 0: that CUDA device's memory

  // A decoder bound to `params`' stream (Decoder::bind), for exclusive use: give it back when done
  // (DecoderLease does). `threads`: libavcodec threads (the CPU backend's; the GPU backends ignore
  // it). runtime_error when the device cannot decode the stream (codec, size or bit depth).
  virtual std::unique_ptr<Decoder> take(const StreamParams& params, const std::string& context, int threads) = 0;
  // Back to the idle decoders (or destroyed), reset (Decoder::run ends with a reset; a caller that
  // fed it with send / drain resets it first). Never throws.
  virtual void give_back(std::unique_ptr<Decoder> decoder) noexcept = 0;

  // Native frames of this backend -> RGB / BGR with output options (frames/frame_convert.h), in this
  // backend's memory; `threads`: CPU threads for host conversion.
  virtual std::vector<FramePtr> convert(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& options,
                                        int threads) = 0;
  // A frame with its own copy of the pixels (a frame asked for twice in one call).
  virtual FramePtr copy(const Frame& frame) = 0;

  virtual void release_decoders() = 0;  // destroys the idle decoders
  virtual void release_memory() = 0;    // frees the idle frame memory

 protected:
  explicit DecoderBackend(bool strict) : strict_(strict) {}

 private:
  bool strict_;
};

// In strict decoding, a target frame the decoder flagged as damaged is an error: invalid_argument
// naming the source and the frame.
void check_intact(const DecoderBackend& backend, const Frame& frame, const std::string& context);

// A decoder taken from a backend for one scope and given back when the scope ends, also by a throw.
class DecoderLease {
 public:
  DecoderLease(DecoderBackend& backend, const StreamParams& params, const std::string& context, int threads)
      : backend_(backend), decoder_(backend.take(params, context, threads)) {}
  ~DecoderLease() { backend_.give_back(std::move(decoder_)); }
  DecoderLease(const DecoderLease&) = delete;
  DecoderLease& operator=(const DecoderLease&) = delete;
  Decoder* operator->() const { return decoder_.get(); }
  Decoder& operator*() const { return *decoder_; }

 private:
  DecoderBackend& backend_;
  std::unique_ptr<Decoder> decoder_;
};

// The two ways to NVDEC (csrc/README.md "Design decisions" says which is the default and why).
enum class GpuBackendKind { kCuvid, kFfmpeg };
// "cuvid" or "ffmpeg"; invalid_argument for anything else.
GpuBackendKind gpu_backend_kind(const std::string& name);
const char* gpu_backend_name(GpuBackendKind kind);

struct BackendOptions {
  GpuBackendKind gpu = GpuBackendKind::kCuvid;  // for device >= 0
  bool strict = false;                          // DecoderBackend::strict
};

// The backend for `device`: -1 the CPU, >= 0 that GPU. The GPU backends of one device share its
// GpuDevice (context, frame memory, kernels). runtime_error (saying why and what to do) when the GPU
// cannot be used.
std::shared_ptr<DecoderBackend> make_backend(int device, const BackendOptions& options = {});

}  // namespace odvd

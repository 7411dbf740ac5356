#include "decode/cpu/cpu_backend.h"

#include "decode/libav_decoder.h"
#include "frames/frame_builder.h"

namespace odvd {
namespace {

// A software-decoded picture: libavcodec's frame, referenced while the callback runs, built into the
// requested output on demand.
class HostPicture final : public DecodedPicture {
 public:
  HostPicture(const AVFrame* frame, const StreamParams& params, BlockPool& pool, const std::string& context,
              int threads)
      : frame_(frame), params_(params), pool_(pool), context_(context), threads_(threads) {}
  FramePtr frame(OutputFormat out) override { return build_frame(frame_, params_, out, pool_, context_, threads_); }
  std::unique_ptr<DecodedPicture> keep() override;

 private:
  const AVFrame* frame_;
  const StreamParams& params_;
  BlockPool& pool_;
  const std::string& context_;
  int threads_;  // the decoder's: a large frame converts in bands on as many
};

// A kept picture owns a reference to the decoder's frame (no pixel copy) and its own copy of the name.
class KeptHostPicture final : public DecodedPicture {
 public:
  KeptHostPicture(const AVFrame* frame, const StreamParams& params, BlockPool& pool, std::string context,
                  int threads)
      : ref_(ff::make_frame()), params_(params), pool_(pool), context_(std::move(context)), threads_(threads) {
    if (av_frame_ref(ref_.get(), frame) < 0) throw std::bad_alloc();
  }
  FramePtr frame(OutputFormat out) override {
    return build_frame(ref_.get(), params_, out, pool_, context_, threads_);
  }
  std::unique_ptr<DecodedPicture> keep() override {
    return std::make_unique<KeptHostPicture>(ref_.get(), params_, pool_, context_, threads_);
  }

 private:
  ff::FramePtr ref_;
  const StreamParams& params_;
  BlockPool& pool_;
  std::string context_;
  int threads_;
};

std::unique_ptr<DecodedPicture> HostPicture::keep() {
  return std::make_unique<KeptHostPicture>(frame_, params_, pool_, context_, threads_);
}

class CpuDecoder final : public Decoder {
 public:
  CpuDecoder(Codec codec, int threads, bool strict, BlockPool& pool)
      : Decoder(codec),
        dec_(default_decoder(codec), threads, strict ? ErrorPolicy::kStrict : ErrorPolicy::kLenient),
        pool_(pool) {}
  int threads() const { return dec_.threads(); }

  void send(const FeedPacket& packet, const OnPicture& on_picture) override {
    dec_.send(packet, adapt(on_picture), context());
  }
  void drain(const OnPicture& on_picture) override { dec_.drain(adapt(on_picture), context()); }
  void reset() noexcept override { dec_.reset(); }

 private:
  LibavDecoder::OnFrame adapt(const OnPicture& on_picture) {
    return [this, &on_picture](int64_t id, const AVFrame* f) {
      HostPicture picture(f, params(), pool_, context(), dec_.threads());
      on_picture(id, picture);
    };
  }

  LibavDecoder dec_;
  BlockPool& pool_;
};

}  // namespace

CpuBackend::CpuBackend(bool strict) : DecoderBackend(strict), pool_(BlockPool::create()) {}

std::unique_ptr<Decoder> CpuBackend::take(const StreamParams& params, const std::string& context, int threads) {
  std::unique_ptr<Decoder> d;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& v = idle_[{static_cast<int>(params.codec), threads}];
    if (!v.empty()) {
      d = std::move(v.back());
      v.pop_back();
    }
  }
  if (!d) d = std::make_unique<CpuDecoder>(params.codec, threads, strict(), *pool_);
  d->bind(params, context);
  return d;
}

void CpuBackend::give_back(std::unique_ptr<Decoder> d) noexcept {
  if (!d) return;
  try {
    const int threads = static_cast<CpuDecoder&>(*d).threads();
    std::lock_guard<std::mutex> lock(mutex_);
    idle_[{static_cast<int>(d->codec()), threads}].push_back(std::move(d));
  } catch (...) {
    // No memory for the idle list: the decoder is destroyed with `d`.
  }
}

std::vector<FramePtr> CpuBackend::convert(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& options,
                                          int threads) {
  return convert_frames(natives, bgr, options, *pool_, threads);
}

FramePtr CpuBackend::copy(const Frame& frame) { return copy_frame(frame, *pool_); }

void CpuBackend::release_decoders() {
  std::map<std::pair<int, int>, std::vector<std::unique_ptr<Decoder>>> gone;
  std::lock_guard<std::mutex> lock(mutex_);
  gone.swap(idle_);
}

void CpuBackend::release_memory() { pool_->trim(); }

}  // namespace odvd

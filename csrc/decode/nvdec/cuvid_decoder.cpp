#include "decode/nvdec/cuvid_decoder.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "decode/nvdec/device_picture.h"

namespace odvd {
namespace {

const CudaFunctions& cu() { return cuda::Driver::get().cuda(); }
const CuvidFunctions& cuvid() { return cuda::Driver::get().cuvid(); }

cudaVideoCodec cuvid_codec(Codec c) {
  switch (c) {
    case Codec::kH264: return cudaVideoCodec_H264;
    case Codec::kHEVC: return cudaVideoCodec_HEVC;
    case Codec::kVP9: return cudaVideoCodec_VP9;
    case Codec::kAV1: return cudaVideoCodec_AV1;
  }
  throw std::invalid_argument("codec " + std::to_string(static_cast<int>(c)) + " has no NVDEC decoder");
}

// Extra decode surfaces beyond the stream's minimum, so the parser can run ahead of mapping.
constexpr unsigned kExtraSurfaces = 4;

bool env_on(const char* name) {
  const char* v = std::getenv(name);
  return v && std::strcmp(v, "1") == 0;
}

}  // namespace

CuvidOptions CuvidOptions::from_environment() {
  CuvidOptions o;
  o.reconfigure = env_on("ODVD_CUVID_RECONFIGURE");
  o.skip_non_reference = env_on("ODVD_CUVID_SKIP_NONREF");
  return o;
}

CUVIDDECODECAPS DecoderCaps::get(cudaVideoCodec codec, cudaVideoChromaFormat chroma, unsigned bit_depth_minus8) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto key = std::make_tuple(static_cast<int>(codec), static_cast<int>(chroma), bit_depth_minus8);
  auto it = known_.find(key);
  if (it != known_.end()) return it->second;
  CUVIDDECODECAPS caps{};
  caps.eCodecType = codec;
  caps.eChromaFormat = chroma;
  caps.nBitDepthMinus8 = bit_depth_minus8;
  if (cuvid().cuvidGetDecoderCaps) {
    ODVD_CHECK_CU(cuvid().cuvidGetDecoderCaps(&caps), "querying NVDEC capabilities");
  } else {  // a driver without the query: cuvidCreateDecoder will say what it cannot do
    caps.bIsSupported = 1;
    caps.nMaxWidth = caps.nMaxHeight = ~0u;
  }
  known_.emplace(key, caps);
  return caps;
}

// A displayed picture, mapped and copied out only when asked for.
class CuvidDecoder::Picture final : public DevicePicture {
 public:
  Picture(CuvidDecoder& d, const CUVIDPARSERDISPINFO& info, int64_t frame_id)
      : DevicePicture(*d.gpu_, d.stream_), d_(d), info_(info), frame_id_(frame_id) {}

 protected:
  FramePtr native() override {
    CUVIDPROCPARAMS proc{};
    proc.progressive_frame = info_.progressive_frame;
    proc.second_field = info_.repeat_first_field + 1;
    proc.top_field_first = info_.top_field_first;
    proc.unpaired_field = info_.repeat_first_field < 0;
    proc.output_stream = stream_.get();
    const std::string& where = d_.context();
    unsigned long long src = 0;  // CUdeviceptr of the mapped picture (cuvidMapVideoFrame64)
    unsigned int pitch = 0;
    ODVD_CHECK_CU(cuvid().cuvidMapVideoFrame(d_.decoder_, info_.picture_index, &src, &pitch, &proc),
                  where + ": mapping frame_id=" + std::to_string(frame_id_));
    FramePtr frame;
    std::exception_ptr failure;
    try {
      // After mapping, the decode has finished: its status is final (NVIDIA's NvDecoder reads it here).
      // An error or a concealed one marks the frame corrupt (strict decoding makes that an error).
      CUVIDGETDECODESTATUS status{};
      const bool damaged = cuvid().cuvidGetDecodeStatus(d_.decoder_, info_.picture_index, &status) == CUDA_SUCCESS &&
                           (status.decodeStatus == cuvidDecodeStatus_Error ||
                            status.decodeStatus == cuvidDecodeStatus_Error_Concealed);
      const CUVIDEOFORMAT& f = d_.format_;
      Surface s;
      s.luma = src;
      s.luma_pitch = pitch;
      // The chroma plane follows the luma plane of the (even) coded surface height.
      s.chroma = src + static_cast<unsigned long long>(pitch) * ((f.coded_height + 1) & ~1u);
      s.chroma_pitch = pitch;
      s.left = f.display_area.left;
      s.top = f.display_area.top;
      s.width = static_cast<uint32_t>(f.display_area.right - f.display_area.left);
      s.height = static_cast<uint32_t>(f.display_area.bottom - f.display_area.top);
      s.bit_depth = d_.bit_depth_;
      frame = copy_surface(s, gpu_, stream_, d_.params(), where);
      frame->corrupt = damaged;
      // The surface goes back to the decoder only once the copies have read it.
      ODVD_CHECK_CU(cu().cuStreamSynchronize(stream_.get()), where + ": copying frame_id=" + std::to_string(frame_id_));
    } catch (...) {
      failure = std::current_exception();
    }
    cuvid().cuvidUnmapVideoFrame(d_.decoder_, src);
    if (failure) std::rethrow_exception(failure);
    return frame;
  }

 private:
  CuvidDecoder& d_;
  CUVIDPARSERDISPINFO info_;
  int64_t frame_id_;
};

CuvidDecoder::CuvidDecoder(std::shared_ptr<GpuDevice> gpu, Codec codec, StreamPtr stream, CuvidOptions options,
                           DecoderCaps& caps)
    : Decoder(codec),
      gpu_(std::move(gpu)),
      stream_(std::move(stream)),
      options_(options),
      caps_(caps),
      skip_non_reference_(options.skip_non_reference && codec == Codec::kH264) {
  cuvid_codec(codec);  // first: it may throw, and nothing is held yet
  cuda::ScopedContext current(gpu_->context()->get());
  ODVD_CHECK_CU(cuvid().cuvidCtxLockCreate(&lock_, gpu_->context()->get()), "creating the NVDEC context lock");
  try {
    create_parser();
  } catch (...) {
    cuvid().cuvidCtxLockDestroy(lock_);
    throw;
  }
}

CuvidDecoder::~CuvidDecoder() {
  cuda::QuietScopedContext current(gpu_->context()->get());
  if (!current.ok()) return;
  destroy_parser();
  destroy_decoder();
  if (lock_) cuvid().cuvidCtxLockDestroy(lock_);
}

void CuvidDecoder::create_parser() {
  CUVIDPARSERPARAMS p{};
  p.CodecType = cuvid_codec(codec());
  p.ulMaxNumDecodeSurfaces = 1;  // the sequence callback returns the real number
  p.ulMaxDisplayDelay = 0;       // display as soon as the order allows: a run ends with a flush anyway
  p.pUserData = this;
  p.pfnSequenceCallback = &CuvidDecoder::on_sequence;
  p.pfnDecodePicture = &CuvidDecoder::on_decode;
  p.pfnDisplayPicture = &CuvidDecoder::on_display;
  ODVD_CHECK_CU(cuvid().cuvidCreateVideoParser(&parser_, &p),
                std::string("creating an NVDEC parser for ") + codec_name(codec()));
}

void CuvidDecoder::destroy_parser() noexcept {
  if (parser_) cuvid().cuvidDestroyVideoParser(parser_);
  parser_ = nullptr;
}

void CuvidDecoder::destroy_decoder() noexcept {
  if (decoder_) cuvid().cuvidDestroyDecoder(decoder_);
  decoder_ = nullptr;
}

bool CuvidDecoder::wanted(int64_t frame_id) const {
  return frame_id >= 0 && targets_ && std::binary_search(targets_->begin(), targets_->end(), frame_id);
}

void CuvidDecoder::run(const std::vector<FeedPacket>& feed, const std::vector<int64_t>& targets,
                       const OnPicture& on_picture) {
  targets_ = &targets;
  struct Clear {
    const std::vector<int64_t>** t;
    ~Clear() { *t = nullptr; }
  } clear{&targets_};
  Decoder::run(feed, targets, on_picture);
}

void CuvidDecoder::send(const FeedPacket& f, const OnPicture& on_picture) {
  CUVIDSOURCEDATAPACKET pkt{};
  pkt.payload = f.bytes();
  pkt.payload_size = static_cast<tcu_ulong>(f.byte_count());
  // One whole picture per packet: with ENDOFPICTURE the parser decodes it within this call, so
  // packet_frame_id_ is the frame of the picture on_decode sees.
  pkt.flags = CUVID_PKT_TIMESTAMP | CUVID_PKT_ENDOFPICTURE;
  pkt.timestamp = f.frame_id;
  packet_frame_id_ = f.frame_id;
  const uint64_t calls = decode_calls_;
  parse(pkt, on_picture);
  // A picture packet that was not decoded within its own parse call: packet_frame_id_ cannot name the
  // picture on_decode sees, so the in-parser skip stops for this session.
  if (decode_calls_ == calls) skip_non_reference_ = false;
}

void CuvidDecoder::drain(const OnPicture& on_picture) {
  CUVIDSOURCEDATAPACKET eos{};
  eos.flags = CUVID_PKT_ENDOFSTREAM;
  packet_frame_id_ = -1;
  parse(eos, on_picture);  // every picture still waiting for display comes out
}

void CuvidDecoder::reset() noexcept {
  // A new parser: nothing of the last sequence (pictures waiting for display, its parameter sets) can
  // reach the next one, whatever the parser does after an end of stream. The decoder stays.
  cuda::QuietScopedContext current(gpu_->context()->get());
  if (!current.ok()) return;
  destroy_parser();
  error_ = nullptr;
  try {
    create_parser();
  } catch (...) {
    parser_ = nullptr;  // the next send raises
  }
}

void CuvidDecoder::parse(CUVIDSOURCEDATAPACKET& packet, const OnPicture& on_picture) {
  if (!parser_) throw std::runtime_error(context() + ": the NVDEC parser could not be created");
  cuda::ScopedContext current(gpu_->context()->get());
  on_picture_ = &on_picture;
  const CUresult r = cuvid().cuvidParseVideoData(parser_, &packet);
  on_picture_ = nullptr;
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);  // the caller resets (Decoder::run does)
  }
  if (r != CUDA_SUCCESS) cuda::throw_cu_error(r, "cuvidParseVideoData", context());
}

// -- parser callbacks: they run inside cuvidParseVideoData, on this thread; a C++ exception must not
// cross the driver, so each stores it and returns 0 (which stops the parse). -----------------------
namespace {

// Runs `callback`; an exception it throws is kept in `error` (the first one) and the parse stopped.
template <typename Callback>
int trapped(std::exception_ptr& error, Callback&& callback) {
  try {
    return callback();
  } catch (...) {
    if (!error) error = std::current_exception();
    return 0;
  }
}

}  // namespace

int CUDAAPI CuvidDecoder::on_sequence(void* self, CUVIDEOFORMAT* format) {
  auto* d = static_cast<CuvidDecoder*>(self);
  return trapped(d->error_, [&] { return d->sequence(*format); });
}

int CUDAAPI CuvidDecoder::on_decode(void* self, CUVIDPICPARAMS* pic) {
  auto* d = static_cast<CuvidDecoder*>(self);
  return trapped(d->error_, [&] { return d->decode(pic); });
}

int CUDAAPI CuvidDecoder::on_display(void* self, CUVIDPARSERDISPINFO* info) {
  auto* d = static_cast<CuvidDecoder*>(self);
  return trapped(d->error_, [&] { return info ? d->display(*info) : 1; });
}

int CuvidDecoder::sequence(const CUVIDEOFORMAT& f) {
  if (f.chroma_format != cudaVideoChromaFormat_420) {
    throw std::invalid_argument(context() + ": only 4:2:0 video is supported (chroma format " +
                                std::to_string(static_cast<int>(f.chroma_format)) + ")");
  }
  const int depth = 8 + f.bit_depth_luma_minus8;
  const CUVIDDECODECAPS caps = caps_.get(f.codec, f.chroma_format, f.bit_depth_luma_minus8);
  if (!caps.bIsSupported) {
    throw std::runtime_error(context() + ": this GPU's NVDEC cannot decode " + codec_name(codec()) + " 4:2:0 at " +
                             std::to_string(depth) + " bits; decode it with iGpu=-1 (CPU)");
  }
  if (f.coded_width > caps.nMaxWidth || f.coded_height > caps.nMaxHeight) {
    throw std::runtime_error(context() + ": " + std::to_string(f.coded_width) + "x" + std::to_string(f.coded_height) +
                             " exceeds this GPU's NVDEC limit of " + std::to_string(caps.nMaxWidth) + "x" +
                             std::to_string(caps.nMaxHeight) + " for " + codec_name(codec()) +
                             "; decode it with iGpu=-1 (CPU)");
  }
  const unsigned surfaces = static_cast<unsigned>(f.min_num_decode_surfaces) + kExtraSurfaces;
  const bool same_kind = decoder_ && depth == bit_depth_ && f.chroma_format == chroma_ && surfaces <= surfaces_;
  const bool same_size = f.coded_width == format_.coded_width && f.coded_height == format_.coded_height;
  if (same_kind && same_size) {
    format_ = f;  // the display area may differ
    return static_cast<int>(surfaces_);
  }
  if (same_kind && options_.reconfigure && f.coded_width <= max_width_ && f.coded_height <= max_height_) {
    // Output surfaces are the coded size (the display area is cropped by the copy), as NVIDIA's
    // NvDecoder sample does: only a coded size change needs the decoder reconfigured.
    CUVIDRECONFIGUREDECODERINFO r{};
    r.ulWidth = f.coded_width;
    r.ulHeight = f.coded_height;
    r.ulTargetWidth = f.coded_width;
    r.ulTargetHeight = f.coded_height;
    r.ulNumDecodeSurfaces = surfaces_;
    ODVD_CHECK_CU(cuvid().cuvidReconfigureDecoder(decoder_, &r), context() + ": reconfiguring the NVDEC decoder");
    format_ = f;
    return static_cast<int>(surfaces_);
  }
  destroy_decoder();
  create_decoder(f, surfaces);
  return static_cast<int>(surfaces_);
}

void CuvidDecoder::create_decoder(const CUVIDEOFORMAT& f, unsigned surfaces) {
  CUVIDDECODECREATEINFO ci{};
  ci.ulWidth = f.coded_width;
  ci.ulHeight = f.coded_height;
  ci.ulNumDecodeSurfaces = surfaces;
  ci.CodecType = f.codec;
  ci.ChromaFormat = f.chroma_format;
  ci.ulCreationFlags = cudaVideoCreate_PreferCUVID;
  ci.bitDepthMinus8 = f.bit_depth_luma_minus8;
  // Room to reconfigure for other sizes of the same kind without a new decoder (when enabled).
  ci.ulMaxWidth = std::max<uint32_t>(f.coded_width, max_width_);
  ci.ulMaxHeight = std::max<uint32_t>(f.coded_height, max_height_);
  ci.OutputFormat = f.bit_depth_luma_minus8 ? cudaVideoSurfaceFormat_P016 : cudaVideoSurfaceFormat_NV12;
  // Weave: fields as coded, like libavcodec's output (no deinterlacing on either backend).
  ci.DeinterlaceMode = cudaVideoDeinterlaceMode_Weave;
  // Output surfaces of the coded size, no display area: the copy crops (copy_surface).
  ci.ulTargetWidth = f.coded_width;
  ci.ulTargetHeight = f.coded_height;
  ci.ulNumOutputSurfaces = 2;
  ci.vidLock = lock_;
  ODVD_CHECK_CU(cuvid().cuvidCreateDecoder(&decoder_, &ci),
                context() + ": creating an NVDEC decoder for " + codec_name(codec()));
  bit_depth_ = 8 + f.bit_depth_luma_minus8;
  chroma_ = f.chroma_format;
  max_width_ = static_cast<uint32_t>(ci.ulMaxWidth);
  max_height_ = static_cast<uint32_t>(ci.ulMaxHeight);
  surfaces_ = surfaces;
  skipped_.assign(surfaces, 0);
  format_ = f;
}

int CuvidDecoder::decode(CUVIDPICPARAMS* pic) {
  if (!decoder_) throw std::invalid_argument(context() + ": picture data before any sequence header");
  const auto idx = static_cast<size_t>(pic->CurrPicIdx);
  if (idx >= skipped_.size()) skipped_.resize(idx + 1, 0);
  ++decode_calls_;
  // Option: a picture nothing refers to and no target is, not decoded (its display is ignored).
  if (skip_non_reference_ && !pic->ref_pic_flag && !wanted(packet_frame_id_)) {
    skipped_[idx] = 1;
    return 1;
  }
  skipped_[idx] = 0;
  ODVD_CHECK_CU(cuvid().cuvidDecodePicture(decoder_, pic),
                context() + ": NVDEC decode of frame_id=" + std::to_string(packet_frame_id_));
  return 1;
}

int CuvidDecoder::display(const CUVIDPARSERDISPINFO& info) {
  const int64_t frame_id = info.timestamp;
  const auto idx = static_cast<size_t>(info.picture_index);
  if (frame_id < 0 || !on_picture_ || (idx < skipped_.size() && skipped_[idx])) return 1;
  Picture picture(*this, info, frame_id);
  (*on_picture_)(frame_id, picture);
  return 1;
}

}  // namespace odvd

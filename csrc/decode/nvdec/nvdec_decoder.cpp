#include "decode/nvdec/nvdec_decoder.h"

#include <algorithm>
#include <stdexcept>

#include "convert/color_resolve.h"

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

}  // namespace

NvdecDecoder::NvdecDecoder(std::shared_ptr<cuda::PrimaryContext> ctx, Codec codec, StreamPtr stream)
    : ctx_(std::move(ctx)), codec_(codec), stream_(std::move(stream)), skip_non_reference_(codec == Codec::kH264) {
  CUVIDPARSERPARAMS p{};
  p.CodecType = cuvid_codec(codec);  // first: it may throw, and nothing is held yet
  cuda::ScopedContext current(ctx_->get());
  ODVD_CHECK_CU(cuvid().cuvidCtxLockCreate(&lock_, ctx_->get()), "creating the NVDEC context lock");
  p.ulMaxNumDecodeSurfaces = 1;  // the sequence callback returns the real number
  p.ulMaxDisplayDelay = 0;       // display as soon as the order allows: a run ends with a flush anyway
  p.pUserData = this;
  p.pfnSequenceCallback = &NvdecDecoder::on_sequence;
  p.pfnDecodePicture = &NvdecDecoder::on_decode;
  p.pfnDisplayPicture = &NvdecDecoder::on_display;
  const CUresult r = cuvid().cuvidCreateVideoParser(&parser_, &p);
  if (r != CUDA_SUCCESS) {
    cuvid().cuvidCtxLockDestroy(lock_);
    cuda::throw_cu_error(r, "cuvidCreateVideoParser", std::string("creating an NVDEC parser for ") + codec_name(codec));
  }
}

NvdecDecoder::~NvdecDecoder() {
  cuda::QuietScopedContext current(ctx_->get());
  if (!current.ok()) return;
  if (parser_) cuvid().cuvidDestroyVideoParser(parser_);
  destroy_decoder();
  if (lock_) cuvid().cuvidCtxLockDestroy(lock_);
}

void NvdecDecoder::destroy_decoder() {
  if (decoder_) cuvid().cuvidDestroyDecoder(decoder_);
  decoder_ = nullptr;
}

bool NvdecDecoder::wanted(int64_t frame_id) const {
  return frame_id >= 0 && targets_ && std::binary_search(targets_->begin(), targets_->end(), frame_id);
}

void NvdecDecoder::run(const std::vector<FeedPacket>& feed, const std::vector<int64_t>& targets,
                       const StreamParams& params, BlockPool& pool, const OnFrame& on_frame,
                       const std::string& context) {
  cuda::ScopedContext current(ctx_->get());
  targets_ = &targets;
  params_ = &params;
  pool_ = &pool;
  on_frame_ = &on_frame;
  context_ = &context;
  error_ = nullptr;
  struct Clear {
    NvdecDecoder* d;
    ~Clear() {
      d->targets_ = nullptr;
      d->params_ = nullptr;
      d->pool_ = nullptr;
      d->on_frame_ = nullptr;
      d->context_ = nullptr;
    }
  } clear{this};

  try {
    for (const FeedPacket& f : feed) {
      CUVIDSOURCEDATAPACKET pkt{};
    pkt.payload = f.packet ? f.packet->data : f.data;
    pkt.payload_size = f.packet ? static_cast<tcu_ulong>(f.packet->size) : static_cast<tcu_ulong>(f.size);
    // One whole picture per packet: the parser decodes it within this call, so packet_frame_id_ is
    // the frame of the picture on_decode sees.
      pkt.flags = CUVID_PKT_TIMESTAMP | CUVID_PKT_ENDOFPICTURE;
      pkt.timestamp = f.frame_id;
      packet_frame_id_ = f.frame_id;
      const uint64_t calls = decode_calls_;
      parse(pkt);
      // A picture packet that was not decoded within its own parse call: packet_frame_id_ cannot
      // name the picture on_decode sees, so skipping stops for this session.
      if (decode_calls_ == calls) skip_non_reference_ = false;
    }
    CUVIDSOURCEDATAPACKET eos{};
    eos.flags = CUVID_PKT_ENDOFSTREAM;
    packet_frame_id_ = -1;
    parse(eos);  // flushes every picture still waiting for display
    ODVD_CHECK_CU(cu().cuStreamSynchronize(stream_.get()), context + ": finishing the NVDEC output copies");
  } catch (...) {
    flush();  // the next run, maybe of another file, must not see this one's pictures
    throw;
  }
}

void NvdecDecoder::flush() {
  CUVIDSOURCEDATAPACKET eos{};
  eos.flags = CUVID_PKT_ENDOFSTREAM;
  targets_ = nullptr;  // nothing is wanted: pictures still queued are dropped
  cuvid().cuvidParseVideoData(parser_, &eos);
  error_ = nullptr;
}

void NvdecDecoder::parse(const CUVIDSOURCEDATAPACKET& packet) {
  const CUresult r = cuvid().cuvidParseVideoData(parser_, const_cast<CUVIDSOURCEDATAPACKET*>(&packet));
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);  // run() flushes the parser
  }
  if (r != CUDA_SUCCESS) cuda::throw_cu_error(r, "cuvidParseVideoData", *context_);
}

// -- parser callbacks: they run inside cuvidParseVideoData, on this thread; a C++ exception must not
// cross the driver, so each stores it and returns 0 (which stops the parse). ------------------------
int CUDAAPI NvdecDecoder::on_sequence(void* self, CUVIDEOFORMAT* format) {
  auto* d = static_cast<NvdecDecoder*>(self);
  try {
    return d->sequence(*format);
  } catch (...) {
    if (!d->error_) d->error_ = std::current_exception();
    return 0;
  }
}

int CUDAAPI NvdecDecoder::on_decode(void* self, CUVIDPICPARAMS* pic) {
  auto* d = static_cast<NvdecDecoder*>(self);
  try {
    return d->decode(pic);
  } catch (...) {
    if (!d->error_) d->error_ = std::current_exception();
    return 0;
  }
}

int CUDAAPI NvdecDecoder::on_display(void* self, CUVIDPARSERDISPINFO* info) {
  auto* d = static_cast<NvdecDecoder*>(self);
  try {
    return info ? d->display(*info) : 1;
  } catch (...) {
    if (!d->error_) d->error_ = std::current_exception();
    return 0;
  }
}

int NvdecDecoder::sequence(const CUVIDEOFORMAT& f) {
  const std::string& where = context_ ? *context_ : std::string("NVDEC");
  if (f.chroma_format != cudaVideoChromaFormat_420) {
    throw std::invalid_argument(where + ": only 4:2:0 video is supported (chroma format " +
                                std::to_string(static_cast<int>(f.chroma_format)) + ")");
  }
  const int depth = 8 + f.bit_depth_luma_minus8;
  if (cuvid().cuvidGetDecoderCaps) {
    CUVIDDECODECAPS caps{};
    caps.eCodecType = f.codec;
    caps.eChromaFormat = f.chroma_format;
    caps.nBitDepthMinus8 = f.bit_depth_luma_minus8;
    ODVD_CHECK_CU(cuvid().cuvidGetDecoderCaps(&caps), where + ": querying NVDEC capabilities");
    if (!caps.bIsSupported) {
      throw std::runtime_error(where + ": this GPU's NVDEC cannot decode " + codec_name(codec_) + " 4:2:0 at " +
                               std::to_string(depth) + " bits; decode it with iGpu=-1 (CPU)");
    }
    if (f.coded_width > caps.nMaxWidth || f.coded_height > caps.nMaxHeight) {
      throw std::runtime_error(where + ": " + std::to_string(f.coded_width) + "x" + std::to_string(f.coded_height) +
                               " exceeds this GPU's NVDEC limit of " + std::to_string(caps.nMaxWidth) + "x" +
                               std::to_string(caps.nMaxHeight) + " for " + codec_name(codec_) +
                               "; decode it with iGpu=-1 (CPU)");
    }
  }
  const unsigned surfaces = static_cast<unsigned>(f.min_num_decode_surfaces) + kExtraSurfaces;
  const bool same_kind = decoder_ && depth == bit_depth_ && f.chroma_format == chroma_;
  const bool fits = f.coded_width <= max_width_ && f.coded_height <= max_height_ && surfaces <= surfaces_;
  if (same_kind && fits) {
    if (f.coded_width != format_.coded_width || f.coded_height != format_.coded_height) {
      // Output surfaces are the coded size (the display area is cropped by the copy), as NVIDIA's
      // NvDecoder sample does: only a coded size change needs the decoder reconfigured.
      CUVIDRECONFIGUREDECODERINFO r{};
      r.ulWidth = f.coded_width;
      r.ulHeight = f.coded_height;
      r.ulTargetWidth = f.coded_width;
      r.ulTargetHeight = f.coded_height;
      r.ulNumDecodeSurfaces = surfaces_;
      ODVD_CHECK_CU(cuvid().cuvidReconfigureDecoder(decoder_, &r), where + ": reconfiguring the NVDEC decoder");
    }
    set_geometry(f);
    return static_cast<int>(surfaces_);
  }
  destroy_decoder();
  create_decoder(f, surfaces);
  return static_cast<int>(surfaces_);
}

void NvdecDecoder::create_decoder(const CUVIDEOFORMAT& f, unsigned surfaces) {
  CUVIDDECODECREATEINFO ci{};
  ci.ulWidth = f.coded_width;
  ci.ulHeight = f.coded_height;
  ci.ulNumDecodeSurfaces = surfaces;
  ci.CodecType = f.codec;
  ci.ChromaFormat = f.chroma_format;
  ci.ulCreationFlags = cudaVideoCreate_PreferCUVID;
  ci.bitDepthMinus8 = f.bit_depth_luma_minus8;
  // Room to reconfigure for other sizes of the same kind without a new session.
  ci.ulMaxWidth = std::max<uint32_t>(f.coded_width, max_width_);
  ci.ulMaxHeight = std::max<uint32_t>(f.coded_height, max_height_);
  ci.OutputFormat = f.bit_depth_luma_minus8 ? cudaVideoSurfaceFormat_P016 : cudaVideoSurfaceFormat_NV12;
  // Weave: fields as coded, like libavcodec's output (no deinterlacing on either backend).
  ci.DeinterlaceMode = cudaVideoDeinterlaceMode_Weave;
  // Output surfaces of the coded size, no display area: the copy crops (see set_geometry).
  ci.ulTargetWidth = f.coded_width;
  ci.ulTargetHeight = f.coded_height;
  ci.ulNumOutputSurfaces = 2;
  ci.vidLock = lock_;
  ODVD_CHECK_CU(cuvid().cuvidCreateDecoder(&decoder_, &ci),
                (context_ ? *context_ : std::string("NVDEC")) + ": creating an NVDEC decoder for " + codec_name(codec_));
  bit_depth_ = 8 + f.bit_depth_luma_minus8;
  chroma_ = f.chroma_format;
  max_width_ = static_cast<uint32_t>(ci.ulMaxWidth);
  max_height_ = static_cast<uint32_t>(ci.ulMaxHeight);
  surfaces_ = surfaces;
  skipped_.assign(surfaces, 0);
  set_geometry(f);
}

void NvdecDecoder::set_geometry(const CUVIDEOFORMAT& f) {
  format_ = f;
  left_ = f.display_area.left;
  top_ = f.display_area.top;
  width_ = static_cast<uint32_t>(f.display_area.right - f.display_area.left);
  height_ = static_cast<uint32_t>(f.display_area.bottom - f.display_area.top);
  surface_height_ = f.coded_height;
}

int NvdecDecoder::decode(CUVIDPICPARAMS* pic) {
  if (!decoder_) throw std::invalid_argument(*context_ + ": picture data before any sequence header");
  const auto idx = static_cast<size_t>(pic->CurrPicIdx);
  if (idx >= skipped_.size()) skipped_.resize(idx + 1, 0);
  // A picture nothing refers to and no target is: not decoded (its display is ignored).
  ++decode_calls_;
  if (skip_non_reference_ && !pic->ref_pic_flag && !wanted(packet_frame_id_)) {
    skipped_[idx] = 1;
    return 1;
  }
  skipped_[idx] = 0;
  ODVD_CHECK_CU(cuvid().cuvidDecodePicture(decoder_, pic), *context_ + ": NVDEC decode of frame_id=" +
                                                               std::to_string(packet_frame_id_));
  return 1;
}

int NvdecDecoder::display(const CUVIDPARSERDISPINFO& info) {
  const int64_t frame_id = info.timestamp;
  const auto idx = static_cast<size_t>(info.picture_index);
  if (!wanted(frame_id) || (idx < skipped_.size() && skipped_[idx])) return 1;  // only output frames are mapped

  CUVIDPROCPARAMS proc{};
  proc.progressive_frame = info.progressive_frame;
  proc.second_field = info.repeat_first_field + 1;
  proc.top_field_first = info.top_field_first;
  proc.unpaired_field = info.repeat_first_field < 0;
  proc.output_stream = stream_.get();
  unsigned long long src = 0;  // CUdeviceptr of the mapped picture (cuvidMapVideoFrame64)
  unsigned int src_pitch = 0;
  ODVD_CHECK_CU(cuvid().cuvidMapVideoFrame(decoder_, info.picture_index, &src, &src_pitch, &proc),
                *context_ + ": mapping frame_id=" + std::to_string(frame_id));

  // The CPU backend's native layout: H luma rows then (H + 1) / 2 rows of U, V pairs, each row
  // `cols` samples (width rounded up to even, an odd width repeating its last luma sample),
  // tightly packed. The display area is cropped out of the coded-size surface here.
  const int itemsize = bit_depth_ > 8 ? 2 : 1;
  const uint32_t w = width_, h = height_, cols = w + (w & 1);
  const size_t pitch = size_t(cols) * itemsize;
  auto frame = std::make_shared<Frame>();
  std::exception_ptr failure;
  try {
    // After mapping, the decode has finished: its status is final (NVIDIA's NvDecoder reads it here).
    CUVIDGETDECODESTATUS status{};
    if (cuvid().cuvidGetDecodeStatus(decoder_, info.picture_index, &status) == CUDA_SUCCESS &&
        status.decodeStatus == cuvidDecodeStatus_Error) {
      throw std::invalid_argument(*context_ + ": frame_id=" + std::to_string(frame_id) +
                                  ": NVDEC reports a decode error (corrupt or undecodable data)");
    }
    frame->data = pool_->acquire(pitch * (h + (h + 1) / 2));
    const CUdeviceptr dst = static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(frame->data.get()));
    CUDA_MEMCPY2D c{};
    c.srcMemoryType = CU_MEMORYTYPE_DEVICE;
    c.srcDevice = static_cast<CUdeviceptr>(src);
    c.srcPitch = src_pitch;
    c.srcXInBytes = size_t(left_) * itemsize;
    c.srcY = static_cast<size_t>(top_);
    c.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    c.dstDevice = dst;
    c.dstPitch = pitch;
    c.WidthInBytes = size_t(w) * itemsize;
    c.Height = h;
    ODVD_CHECK_CU(cu().cuMemcpy2DAsync(&c, stream_.get()), *context_ + ": copying the luma plane");
    if (w & 1) {  // the padding column repeats the last sample, as on the CPU backend
      CUDA_MEMCPY2D pad = c;
      pad.srcXInBytes += size_t(w - 1) * itemsize;
      pad.dstXInBytes = size_t(w) * itemsize;
      pad.WidthInBytes = itemsize;
      ODVD_CHECK_CU(cu().cuMemcpy2DAsync(&pad, stream_.get()), *context_ + ": padding the luma plane");
    }
    // The chroma plane follows the luma plane of the (even) coded surface height.
    c.srcDevice = static_cast<CUdeviceptr>(src + size_t(src_pitch) * ((surface_height_ + 1) & ~1u));
    c.srcXInBytes = size_t(left_ & ~1) * itemsize;
    c.srcY = static_cast<size_t>(top_ / 2);
    c.dstDevice = dst + pitch * h;
    c.WidthInBytes = pitch;
    c.Height = (h + 1) / 2;
    ODVD_CHECK_CU(cu().cuMemcpy2DAsync(&c, stream_.get()), *context_ + ": copying the chroma plane");
    // The surface goes back to the decoder only once the copies have read it.
    ODVD_CHECK_CU(cu().cuStreamSynchronize(stream_.get()), *context_ + ": copying frame_id=" + std::to_string(frame_id));
  } catch (...) {
    failure = std::current_exception();
  }
  cuvid().cuvidUnmapVideoFrame(decoder_, src);
  if (failure) std::rethrow_exception(failure);

  frame->device = ctx_->index();
  frame->stream = reinterpret_cast<uint64_t>(stream_.get());
  frame->stream_owner = stream_;
  frame->layout = bit_depth_ > 8 ? FrameLayout::kP016 : FrameLayout::kNV12;
  frame->width = static_cast<int32_t>(w);
  frame->height = static_cast<int32_t>(h);
  frame->bit_depth = bit_depth_;
  frame->itemsize = itemsize;
  frame->shape = {int64_t(h + (h + 1) / 2), int64_t(cols)};
  frame->strides = {int64_t(pitch), itemsize};
  frame->frame_id = frame_id;
  frame->time_base_num = params_->time_base_num;
  frame->time_base_den = params_->time_base_den;
  // The bitstream's colour description (H.273 codes, the values of FFmpeg's AVColorSpace), else the
  // container's: the rule of frames/frame_builder.cpp.
  const auto& vui = format_.video_signal_description;
  const int matrix = vui.matrix_coefficients != 2 /* unspecified */ ? vui.matrix_coefficients : params_->color_space;
  const int range = vui.video_full_range_flag ? 2 /* AVCOL_RANGE_JPEG */ : params_->color_range;
  const color::ColorSpec spec = color::resolve_color(matrix, range, static_cast<int>(h));
  frame->color_matrix = static_cast<int32_t>(spec.matrix);
  frame->color_range = static_cast<int32_t>(spec.range);
  (*on_frame_)(frame_id, std::move(frame));
  return 1;
}

}  // namespace odvd

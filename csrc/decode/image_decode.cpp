#include "decode/image_decode.h"

#include <cstring>
#include <stdexcept>
#include <vector>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "common/error.h"
#include "common/ffmpeg.h"
#include "common/stream_params.h"
#include "convert/color.h"
#include "convert/color_resolve.h"
#include "frames/frame_builder.h"

namespace odvd {
namespace {

constexpr int kSpcBT470BG = 5;   // AVCOL_SPC_BT470BG: JFIF's BT.601 matrix
constexpr int kRangeJpeg = 2;    // AVCOL_RANGE_JPEG
constexpr int kChromaCenter = 2;  // AVCHROMA_LOC_CENTER: JFIF's siting

AVCodecID codec_of(const uint8_t* p, size_t n, const std::string& name) {
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) return AV_CODEC_ID_MJPEG;
  if (n >= 8 && std::memcmp(p, kPng, 8) == 0) return AV_CODEC_ID_PNG;
  throw std::invalid_argument(name + ": not a JPEG or PNG image (" + std::to_string(n) +
                              " bytes without either signature)");
}

ff::FramePtr decode_picture(AVCodecID id, const uint8_t* data, size_t size, const std::string& name) {
  const AVCodec* codec = avcodec_find_decoder(id);
  if (codec == nullptr) throw std::runtime_error(name + ": this FFmpeg has no " + avcodec_get_name(id) + " decoder");
  ff::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw std::bad_alloc();
  ctx->thread_count = 1;
  // Damage is an error, not a guess: a truncated JPEG otherwise decodes with its missing rows grey.
  ctx->err_recognition = AV_EF_EXPLODE | AV_EF_CRCCHECK | AV_EF_BITSTREAM;
  ODVD_CHECK_AV(avcodec_open2(ctx.get(), codec, nullptr), name);
  // The packet owns a padded copy: decoders may read AV_INPUT_BUFFER_PADDING_SIZE bytes past the end.
  ff::PacketPtr pkt = ff::make_packet();
  ODVD_CHECK_AV(av_new_packet(pkt.get(), static_cast<int>(size)), name);
  std::memcpy(pkt->data, data, size);
  ODVD_CHECK_AV(avcodec_send_packet(ctx.get(), pkt.get()), name + ": decoding the image");
  ODVD_CHECK_AV(avcodec_send_packet(ctx.get(), nullptr), name + ": decoding the image");
  ff::FramePtr frame = ff::make_frame();
  const int ret = avcodec_receive_frame(ctx.get(), frame.get());
  if (ret == AVERROR_EOF || ret == AVERROR(EAGAIN)) throw std::invalid_argument(name + ": the image holds no picture");
  ODVD_CHECK_AV(ret, name + ": decoding the image");
  if (frame->decode_error_flags || (frame->flags & AV_FRAME_FLAG_CORRUPT)) {
    throw DataError(name + ": the image is damaged (the decoder reported errors)");
  }
  return frame;
}

// A packed RGB host frame of w x h, its pixels to be written by the caller.
FramePtr rgb_frame(int w, int h, BlockPool& pool) {
  auto f = std::make_shared<Frame>();
  f->data = pool.acquire(size_t(w) * h * 3);
  f->layout = FrameLayout::kRGB;
  f->width = w;
  f->height = h;
  f->bit_depth = 8;
  f->shape = {h, w, 3};
  f->strides = {int64_t(w) * 3, 3, 1};
  return f;
}

uint8_t to8(uint32_t v16) { return static_cast<uint8_t>((v16 * 255 + 32767) / 65535); }

// Sample x of a row, 8 or 16 bits (big-endian, as PNG's decoder gives it).
uint32_t sample(const uint8_t* row, int x, bool wide) {
  return wide ? (uint32_t{row[2 * x]} << 8) | row[2 * x + 1] : row[x];
}

// PNG and RGB JPEG formats: each pixel's 8-bit R, G, B. False for a format not listed.
bool packed_rgb(const AVFrame* s, uint8_t* out) {
  const int w = s->width, h = s->height;
  const auto fmt = static_cast<AVPixelFormat>(s->format);
  for (int y = 0; y < h; ++y) {
    const uint8_t* r = s->data[0] + size_t(y) * s->linesize[0];
    uint8_t* o = out + size_t(y) * w * 3;
    for (int x = 0; x < w; ++x) {
      uint8_t* p = o + 3 * x;
      switch (fmt) {
        case AV_PIX_FMT_RGB24: std::memcpy(p, r + 3 * x, 3); break;
        case AV_PIX_FMT_RGBA: std::memcpy(p, r + 4 * x, 3); break;
        case AV_PIX_FMT_RGB48BE:
        case AV_PIX_FMT_RGBA64BE: {
          const int n = fmt == AV_PIX_FMT_RGB48BE ? 3 : 4;
          for (int c = 0; c < 3; ++c) p[c] = to8(sample(r, n * x + c, true));
          break;
        }
        case AV_PIX_FMT_GRAY8: p[0] = p[1] = p[2] = r[x]; break;
        case AV_PIX_FMT_YA8: p[0] = p[1] = p[2] = r[2 * x]; break;
        case AV_PIX_FMT_GRAY16BE: p[0] = p[1] = p[2] = to8(sample(r, x, true)); break;
        case AV_PIX_FMT_YA16BE: p[0] = p[1] = p[2] = to8(sample(r, 2 * x, true)); break;
        case AV_PIX_FMT_MONOBLACK: p[0] = p[1] = p[2] = ((r[x >> 3] >> (7 - (x & 7))) & 1) ? 255 : 0; break;
        case AV_PIX_FMT_PAL8: {
          uint32_t argb;  // the palette: native-endian 0xAARRGGBB words in data[1]
          std::memcpy(&argb, s->data[1] + 4 * size_t(r[x]), 4);
          p[0] = uint8_t(argb >> 16), p[1] = uint8_t(argb >> 8), p[2] = uint8_t(argb);
          break;
        }
        case AV_PIX_FMT_GBRP:   // an RGB JPEG: planes G, B, R
        case AV_PIX_FMT_GBRAP:  // a CMYK (Adobe) JPEG, which the decoder turns into G, B, R (+ A)
          p[0] = s->data[2][size_t(y) * s->linesize[2] + x];
          p[1] = r[x];
          p[2] = s->data[1][size_t(y) * s->linesize[1] + x];
          break;
        default: return false;
      }
    }
  }
  return true;
}

// 4:4:4 and 4:2:2 (chroma pair x / 2) 8-bit YUV through color.h with the image's matrix and range.
bool yuv_to_rgb_rows(const AVFrame* s, color::ColorSpec spec, uint8_t* out) {
  const auto fmt = static_cast<AVPixelFormat>(s->format);
  int shift = 0;
  if (fmt == AV_PIX_FMT_YUVJ422P || fmt == AV_PIX_FMT_YUV422P) {
    shift = 1;
  } else if (fmt != AV_PIX_FMT_YUVJ444P && fmt != AV_PIX_FMT_YUV444P) {
    return false;
  }
  const color::Coefficients c = color::make_coefficients(spec.matrix, spec.range, 8);
  for (int y = 0; y < s->height; ++y) {
    const uint8_t* ly = s->data[0] + size_t(y) * s->linesize[0];
    const uint8_t* lu = s->data[1] + size_t(y) * s->linesize[1];
    const uint8_t* lv = s->data[2] + size_t(y) * s->linesize[2];
    uint8_t* o = out + size_t(y) * s->width * 3;
    for (int x = 0; x < s->width; ++x) {
      color::yuv_to_rgb(c, ly[x], lu[x >> shift], lv[x >> shift], o + 3 * x, o + 3 * x + 1, o + 3 * x + 2);
    }
  }
  return true;
}

}  // namespace

FramePtr decode_image(const uint8_t* data, size_t size, const std::string& name, BlockPool& pool) {
  if (data == nullptr || size == 0) throw std::invalid_argument(name + ": the image is empty (0 bytes)");
  if (size > size_t(1) << 30) throw std::invalid_argument(name + ": the image is over 1 GiB");
  const ff::FramePtr s = decode_picture(codec_of(data, size, name), data, size, name);
  const auto fmt = static_cast<AVPixelFormat>(s->format);
  // JFIF / Exif images are BT.601 full range with centred chroma unless the file says otherwise.
  StreamParams params;
  params.width = s->width;
  params.height = s->height;
  params.bit_depth = 8;
  params.color_space = s->colorspace != AVCOL_SPC_UNSPECIFIED ? s->colorspace : kSpcBT470BG;
  params.color_range = s->color_range != AVCOL_RANGE_UNSPECIFIED ? s->color_range : kRangeJpeg;
  params.chroma_location = s->chroma_location != AVCHROMA_LOC_UNSPECIFIED ? s->chroma_location : kChromaCenter;
  if (fmt == AV_PIX_FMT_YUVJ420P || fmt == AV_PIX_FMT_YUV420P) {
    FramePtr f = build_frame(s.get(), params, OutputFormat::kNative, pool, name);
    f->frame_id = 0;
    return f;
  }
  FramePtr f = rgb_frame(s->width, s->height, pool);
  const color::ColorSpec spec = color::resolve_color(params.color_space, params.color_range, s->height);
  if (!packed_rgb(s.get(), f->data.get()) && !yuv_to_rgb_rows(s.get(), spec, f->data.get())) {
    const char* fname = av_get_pix_fmt_name(fmt);
    throw std::invalid_argument(name + ": decoded pixel format '" + std::string(fname ? fname : "?") +
                                "' is not supported for images (JPEG 4:2:0, 4:2:2, 4:4:4, gray, RGB or CMYK; PNG)");
  }
  f->frame_id = 0;
  return f;
}

}  // namespace odvd

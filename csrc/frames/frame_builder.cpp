#include "frames/frame_builder.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "convert/chroma_upsample.h"
#include "convert/color_resolve.h"
#include "convert/yuv_to_rgb.h"
#include "engine/parallel.h"

namespace odvd {
namespace {

struct SourceLayout {
  int bit_depth;
  bool semi_planar;  // NV12 / P010 / P016 already interleaved
};

bool source_layout(AVPixelFormat f, SourceLayout* out) {
  switch (f) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVJ420P: *out = {8, false}; return true;
    case AV_PIX_FMT_YUV420P10LE: *out = {10, false}; return true;
    case AV_PIX_FMT_YUV420P12LE: *out = {12, false}; return true;
    case AV_PIX_FMT_NV12: *out = {8, true}; return true;
    case AV_PIX_FMT_P010LE: *out = {10, true}; return true;
    case AV_PIX_FMT_P016LE: *out = {16, true}; return true;
    default: return false;
  }
}

// Writes `src` as NV12 (T = uint8_t) or P016 (T = uint16_t) rows of `cols` samples into dst. Planar
// samples move to the high bits of the word by `shift` (16 - bit depth for P016, 0 for NV12);
// semi-planar sources are already in the native layout. An odd width repeats its last luma sample.
template <typename T>
void write_native(const AVFrame* src, bool semi_planar, int shift, int cols, T* dst) {
  const int w = src->width, h = src->height, ch = (h + 1) / 2, cw = (w + 1) / 2;
  auto row = [&](int plane, int y) { return reinterpret_cast<const T*>(src->data[plane] + size_t(y) * src->linesize[plane]); };
  for (int y = 0; y < h; ++y) {
    const T* s = row(0, y);
    T* d = dst + size_t(y) * cols;
    if (shift == 0) {
      std::memcpy(d, s, size_t(w) * sizeof(T));
    } else {
      for (int x = 0; x < w; ++x) d[x] = static_cast<T>(s[x] << shift);
    }
    if (cols > w) d[w] = d[w - 1];
  }
  T* uv = dst + size_t(h) * cols;
  for (int y = 0; y < ch; ++y) {
    T* d = uv + size_t(y) * cols;
    if (semi_planar) {
      std::memcpy(d, row(1, y), size_t(cw) * 2 * sizeof(T));
      continue;
    }
    const T* u = row(1, y);
    const T* v = row(2, y);
    for (int x = 0; x < cw; ++x) {
      d[2 * x] = static_cast<T>(u[x] << shift);
      d[2 * x + 1] = static_cast<T>(v[x] << shift);
    }
  }
}

// A frame of at least this many pixels converts in bands of rows on the decoder's threads: a smaller
// one is not worth waking a thread for.
constexpr int64_t kBandPixels = int64_t{1} << 19;

// `frame` (its metadata set) becomes the packed RGB / BGR conversion of `view`, on up to `threads`
// threads for a large frame (bands of an even number of rows: rows 2j and 2j+1 share chroma row j).
FramePtr convert_into(FramePtr frame, const color::NativeView& view, color::ColorSpec spec, OutputFormat out,
                      BlockPool& pool, int threads) {
  const int w = view.width, h = view.height;
  const bool bgr = out == OutputFormat::kBGR;
  const size_t pitch = size_t(w) * 3;
  frame->data = pool.acquire(pitch * h);
  uint8_t* rgb = frame->data.get();
  const int bands = threads > 1 && int64_t(w) * h >= kBandPixels ? std::min(threads, (h + 1) / 2) : 1;
  if (bands == 1) {
    color::native_to_rgb(view, spec, bgr, rgb, pitch);
  } else {
    const int rows = 2 * (((h + bands - 1) / bands + 1) / 2);
    parallel_for(size_t(bands), bands, [&](size_t b) {
      const int y0 = int(b) * rows, y1 = std::min(h, y0 + rows);
      if (y0 >= y1) return;
      color::NativeView part = view;
      part.luma += size_t(y0) * view.luma_pitch;
      part.chroma += size_t(y0 / 2) * view.chroma_pitch;
      if (part.chroma_v != nullptr) part.chroma_v += size_t(y0 / 2) * view.chroma_v_pitch;
      part.height = y1 - y0;
      color::native_to_rgb(part, spec, bgr, rgb + size_t(y0) * pitch, pitch);
    });
  }
  frame->layout = bgr ? FrameLayout::kBGR : FrameLayout::kRGB;
  frame->itemsize = 1;
  frame->shape = {h, w, 3};
  frame->strides = {int64_t(w) * 3, 3, 1};
  return frame;
}

}  // namespace

FramePtr build_frame(const AVFrame* src, const StreamParams& params, OutputFormat out, BlockPool& pool,
                     const std::string& context, int threads) {
  SourceLayout l{};
  const auto fmt = static_cast<AVPixelFormat>(src->format);
  if (!source_layout(fmt, &l)) {
    const char* name = av_get_pix_fmt_name(fmt);
    throw std::invalid_argument(context + ": decoded pixel format '" + std::string(name ? name : "?") +
                                "' is not supported (4:2:0 at 8, 10 or 12 bits)");
  }
  // P010/P016 sources do not say their depth; the stream does.
  const int depth = l.bit_depth == 16 ? (params.bit_depth > 8 ? params.bit_depth : 16) : l.bit_depth;
  const int w = src->width, h = src->height;
  const int cols = w + (w & 1);
  const int rows = h + (h + 1) / 2;
  const int itemsize = depth > 8 ? 2 : 1;

  // The stream's own colour description, resolved once on the host (demux/colour_signal.h), never the
  // decoder's per-picture fields: a reused decoder carries those over from the previous stream (and
  // says so with YUVJ420P as well).
  const color::ColorSpec spec = color::resolve_color(params.color_space, params.color_range, h);

  auto frame = std::make_shared<Frame>();
  frame->width = w;
  frame->height = h;
  frame->bit_depth = depth;
  frame->time_base_num = params.time_base_num;
  frame->time_base_den = params.time_base_den;
  frame->color_matrix = static_cast<int32_t>(spec.matrix);
  frame->color_range = static_cast<int32_t>(spec.range);
  frame->chroma_siting = static_cast<int32_t>(color::resolve_siting(params.chroma_location));
  frame->color_range_signalled = range_signalled(params);
  frame->corrupt = decoded_with_errors(src);

  if (out != OutputFormat::kNative && src->linesize[0] > 0 && src->linesize[1] > 0 &&
      (l.semi_planar || src->linesize[2] > 0)) {
    // RGB straight from the decoder's planes: no native copy (the same samples, so the same bytes).
    color::NativeView view{src->data[0], size_t(src->linesize[0]), src->data[1], size_t(src->linesize[1]), w, h, depth};
    if (!l.semi_planar) {
      view.chroma_v = src->data[2];
      view.chroma_v_pitch = size_t(src->linesize[2]);
    }
    return convert_into(std::move(frame), view, spec, out, pool, threads);
  }
  const size_t native_bytes = size_t(rows) * cols * itemsize;
  std::shared_ptr<uint8_t> native = pool.acquire(native_bytes);
  if (depth == 8) {
    write_native<uint8_t>(src, l.semi_planar, 0, cols, native.get());
  } else {
    write_native<uint16_t>(src, l.semi_planar, l.semi_planar ? 0 : 16 - depth, cols,
                           reinterpret_cast<uint16_t*>(native.get()));
  }
  if (out == OutputFormat::kNative) {
    frame->data = std::move(native);
    frame->layout = depth > 8 ? FrameLayout::kP016 : FrameLayout::kNV12;
    frame->itemsize = itemsize;
    frame->shape = {rows, cols};
    frame->strides = {int64_t(cols) * itemsize, itemsize};
    return frame;
  }
  const size_t pitch = size_t(cols) * itemsize;
  color::NativeView view{native.get(), pitch, native.get() + size_t(h) * pitch, pitch, w, h, depth};
  return convert_into(std::move(frame), view, spec, out, pool, threads);
}

FramePtr copy_frame(const Frame& f, BlockPool& pool) {
  auto c = std::make_shared<Frame>(f);
  c->data = pool.acquire(f.bytes());
  std::memcpy(c->data.get(), f.data.get(), f.bytes());
  return c;
}

}  // namespace odvd

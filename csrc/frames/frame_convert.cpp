#include "frames/frame_convert.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

#include "convert/bilinear_rows.h"
#include "convert/color_resolve.h"
#include "convert/yuv_to_rgb.h"
#include "engine/parallel.h"

namespace odvd {
namespace {

constexpr int32_t kMaxSide = 16384;  // NVDEC's largest coded size; a typo like 90000 fails early
constexpr int32_t kBandRows = 32;    // rows per parallel task

color::ColorSpec spec_of(const Frame& f) {
  return color::ColorSpec{static_cast<color::Matrix>(f.color_matrix), static_cast<color::Range>(f.color_range)};
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string t = "(";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + ")";
}

// Rows [r0, r1) of the output of `a`.
void convert_rows(const color::ResizeConvertArgs& a, color::ColorSpec spec, int32_t r0, int32_t r1) {
  if (a.out_width != a.src_width || a.out_height != a.src_height) {
    for (int32_t y = r0; y < r1; ++y)
      for (int32_t x = 0; x < a.out_width; ++x) color::resize_convert_pixel(a, x, y);
    return;
  }
  // Own size: every tap but the first has weight 0, so a pixel is its 8-bit level times
  // 2^kLevelShift. A row converter gives those levels (same formulas, faster), placed here: the
  // plain converter for nearest chroma, BilinearRows for bilinear.
  const int32_t w = a.out_width;
  const bool direct = !a.planar && !a.float32;
  std::vector<uint8_t> row(direct ? 0 : size_t(w) * 3);
  std::optional<color::BilinearRows> bilinear;
  if (a.chroma_bilinear && !a.source_rgb) bilinear.emplace(a);
  const int32_t elem = a.float32 ? 4 : 1;
  for (int32_t y = r0; y < r1; ++y) {
    uint8_t* out_row = a.out + uint64_t(y) * a.out_row_pitch;
    uint8_t* levels = direct ? out_row : row.data();
    if (a.source_rgb) {  // a decoded image: its levels, in the output's channel order
      const uint8_t* src = a.luma + uint64_t(y) * a.luma_pitch;
      const bool swap = (a.source_rgb == 2) != (a.bgr != 0);
      for (int32_t x = 0; x < w; ++x) {
        levels[3 * x] = src[3 * x + (swap ? 2 : 0)];
        levels[3 * x + 1] = src[3 * x + 1];
        levels[3 * x + 2] = src[3 * x + (swap ? 0 : 2)];
      }
    } else if (bilinear) {
      bilinear->row(y, levels);
    } else {
      const color::NativeView v{a.luma + uint64_t(y) * a.luma_pitch, a.luma_pitch,
                                a.chroma + uint64_t(y / 2) * a.chroma_pitch, a.chroma_pitch, w, 1, a.bit_depth};
      color::native_to_rgb(v, spec, a.bgr != 0, levels, size_t(w) * 3);
    }
    if (direct) continue;
    for (int32_t oc = 0; oc < 3; ++oc) {
      for (int32_t x = 0; x < w; ++x) {
        const int32_t level = row[3 * size_t(x) + oc];
        uint8_t* p = a.planar ? out_row + uint64_t(oc) * a.out_plane_pitch + uint64_t(x) * elem
                              : out_row + (uint64_t(x) * 3 + oc) * elem;
        if (a.float32) {
          *reinterpret_cast<float*>(p) = fmaf(static_cast<float>(level << color::kLevelShift), a.scale[oc], a.bias[oc]);
        } else {
          *p = static_cast<uint8_t>(level);
        }
      }
    }
  }
}

}  // namespace

void OutputOptions::validate() const {
  if ((width == 0) != (height == 0) || width < 0 || height < 0 || width > kMaxSide || height > kMaxSide) {
    throw std::invalid_argument("size (" + std::to_string(height) + ", " + std::to_string(width) +
                                ") must be (height, width) with both in 1.." + std::to_string(kMaxSide));
  }
  for (int c = 0; c < 3; ++c) {
    if (!std::isfinite(mean[c]) || !std::isfinite(std[c]) || std[c] == 0.f) {
      throw std::invalid_argument("mean and std must be finite, and std non-zero");
    }
    if (!float32 && (mean[c] != 0.f || std[c] != 1.f)) {
      throw std::invalid_argument("mean and std apply to float32 output; pass dtype='float32'");
    }
  }
}

std::vector<int64_t> output_shape(const Frame& native, const OutputOptions& o) {
  const int64_t w = o.width ? o.width : native.width, h = o.height ? o.height : native.height;
  return o.planar ? std::vector<int64_t>{3, h, w} : std::vector<int64_t>{h, w, 3};
}

color::ResizeConvertArgs convert_args(const Frame& native, bool bgr, const OutputOptions& o, uint8_t* out) {
  const bool packed = native.layout == FrameLayout::kRGB || native.layout == FrameLayout::kBGR;
  if (packed && (native.planar || native.floating || native.itemsize != 1 || !native.stacked_ids.empty())) {
    throw std::invalid_argument("output options convert native frames and decoded images (HWC uint8 RGB), "
                                "not converted outputs");
  }
  color::ResizeConvertArgs a{};
  const uint64_t pitch = static_cast<uint64_t>(native.strides[0]);
  a.luma = native.data.get();
  a.chroma = packed ? nullptr : a.luma + uint64_t(native.height) * pitch;
  a.source_rgb = !packed ? 0 : native.layout == FrameLayout::kRGB ? 1 : 2;
  a.out = out;
  a.luma_pitch = a.chroma_pitch = pitch;
  a.src_width = native.width;
  a.src_height = native.height;
  a.out_width = o.width ? o.width : native.width;
  a.out_height = o.height ? o.height : native.height;
  const uint64_t elem = o.float32 ? 4 : 1;
  a.out_row_pitch = uint64_t(a.out_width) * elem * (o.planar ? 1 : 3);
  a.out_plane_pitch = o.planar ? uint64_t(a.out_width) * uint64_t(a.out_height) * elem : 0;
  a.bit_depth = native.bit_depth;
  a.bgr = bgr ? 1 : 0;
  a.planar = o.planar ? 1 : 0;
  a.float32 = o.float32 ? 1 : 0;
  for (int c = 0; c < 3; ++c) {
    // (acc / (255 * 2^kLevelShift) - mean) / std = acc * scale + bias.
    const double sd = o.std[c];
    a.scale[c] = o.float32 ? static_cast<float>(1.0 / (255.0 * double(int64_t{1} << color::kLevelShift) * sd)) : 0.f;
    a.bias[c] = o.float32 ? static_cast<float>(-double(o.mean[c]) / sd) : 0.f;
  }
  const color::ColorSpec spec = spec_of(native);
  a.coeff = color::make_coefficients(spec.matrix, spec.range, native.bit_depth);
  a.chroma_bilinear = o.chroma_bilinear ? 1 : 0;
  const color::ChromaSiting siting = color::resolve_siting(native.chroma_siting);
  a.chroma_dx = color::siting_dx(siting);
  a.chroma_dy = color::siting_dy(siting);
  return a;
}

OutputPlan plan_outputs(const std::vector<FramePtr>& natives, const OutputOptions& o, BlockPool& pool) {
  o.validate();
  OutputPlan plan;
  const size_t n = natives.size();
  if (n == 0) return plan;
  for (const auto& f : natives) plan.shapes.push_back(output_shape(*f, o));
  if (o.stack) {
    for (size_t i = 1; i < n; ++i) {
      if (plan.shapes[i] != plan.shapes[0]) {
        throw std::invalid_argument("stack=True needs one output shape for every frame; frame 0 is " +
                                    shape_text(plan.shapes[0]) + ", frame " + std::to_string(i) + " is " +
                                    shape_text(plan.shapes[i]) + " (pass size=(height, width))");
      }
    }
  }
  plan.elem = o.float32 ? 4 : 1;
  auto bytes_of = [&](size_t i) {
    const auto& s = plan.shapes[i];
    return size_t(plan.elem) * size_t(s[0] * s[1] * s[2]);
  };
  // Output blocks: one per frame, or one for the stack.
  plan.outs.resize(n);
  if (o.stack) {
    plan.blocks.push_back(pool.acquire(bytes_of(0) * n));
    for (size_t i = 0; i < n; ++i) plan.outs[i] = plan.blocks[0].get() + i * bytes_of(0);
  } else {
    for (size_t i = 0; i < n; ++i) {
      plan.blocks.push_back(pool.acquire(bytes_of(i)));
      plan.outs[i] = plan.blocks.back().get();
    }
  }
  return plan;
}

std::vector<FramePtr> finish_outputs(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& o,
                                     const OutputPlan& plan) {
  const size_t n = natives.size();
  const int32_t elem = plan.elem;
  auto describe = [&](const Frame& src, Frame& dst, const std::vector<int64_t>& shape) {
    dst.layout = bgr ? FrameLayout::kBGR : FrameLayout::kRGB;
    dst.device = src.device;
    dst.stream = src.stream;
    dst.stream_owner = src.stream_owner;
    dst.width = static_cast<int32_t>(o.planar ? shape[2] : shape[1]);
    dst.height = static_cast<int32_t>(o.planar ? shape[1] : shape[0]);
    dst.bit_depth = src.bit_depth;  // what was decoded, as on every backend (bundle entries are checked against it)
    dst.itemsize = elem;
    dst.floating = o.float32;
    dst.planar = o.planar;
    dst.time_base_num = src.time_base_num;
    dst.time_base_den = src.time_base_den;
    dst.color_matrix = src.color_matrix;
    dst.color_range = src.color_range;
    dst.chroma_siting = src.chroma_siting;
    dst.color_range_signalled = src.color_range_signalled;
    dst.corrupt = src.corrupt;
    dst.shape = shape;
    dst.strides = {shape[1] * shape[2] * elem, shape[2] * elem, elem};
  };
  std::vector<FramePtr> result;
  if (n == 0) return result;
  if (o.stack) {
    auto f = std::make_shared<Frame>();
    describe(*natives[0], *f, plan.shapes[0]);
    f->data = plan.blocks[0];
    f->shape.insert(f->shape.begin(), static_cast<int64_t>(n));
    f->strides.insert(f->strides.begin(), f->strides[0] * f->shape[1]);
    for (const auto& s : natives) {
      f->stacked_ids.push_back(s->frame_id);
      f->stacked_pts.push_back(s->pts);
      f->color_range_signalled = f->color_range_signalled && s->color_range_signalled;
      f->corrupt = f->corrupt || s->corrupt;
    }
    result.push_back(std::move(f));
    return result;
  }
  for (size_t i = 0; i < n; ++i) {
    auto f = std::make_shared<Frame>();
    describe(*natives[i], *f, plan.shapes[i]);
    f->data = plan.blocks[i];
    f->frame_id = natives[i]->frame_id;
    f->pts = natives[i]->pts;
    result.push_back(std::move(f));
  }
  return result;
}

std::vector<FramePtr> convert_frames(const std::vector<FramePtr>& natives, bool bgr, const OutputOptions& o,
                                     BlockPool& pool, int threads) {
  for (const auto& f : natives) {
    if (f->device >= 0) throw std::invalid_argument("convert_frames converts host frames; GPU frames convert on the GPU");
  }
  const OutputPlan plan = plan_outputs(natives, o, pool);
  std::vector<color::ResizeConvertArgs> args;
  struct Band {
    size_t frame;
    int32_t r0, r1;
  };
  std::vector<Band> bands;
  for (size_t i = 0; i < natives.size(); ++i) {
    args.push_back(convert_args(*natives[i], bgr, o, plan.outs[i]));
    for (int32_t r = 0; r < args[i].out_height; r += kBandRows) {
      bands.push_back(Band{i, r, std::min(args[i].out_height, r + kBandRows)});
    }
  }
  parallel_for(bands.size(), thread_count(threads), [&](size_t b) {
    const Band& band = bands[b];
    convert_rows(args[band.frame], spec_of(*natives[band.frame]), band.r0, band.r1);
  });
  return finish_outputs(natives, bgr, o, plan);
}

}  // namespace odvd

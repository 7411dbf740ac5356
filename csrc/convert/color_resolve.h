// Which YUV->RGB formula a stream gets, from its FFmpeg colour tags (docs/color.md, "Resolution").
#pragma once

#include "convert/chroma_upsample.h"
#include "convert/color.h"

namespace odvd::color {

struct ColorSpec {
  Matrix matrix;
  Range range;
};

// av_colorspace is an AVColorSpace value, av_color_range an AVColorRange value (ints, so that this
// header needs no FFmpeg). height is the coded picture height, used only when the matrix is
// unspecified. Never throws: every input resolves to some spec.
ColorSpec resolve_color(int av_colorspace, int av_color_range, int height);

// "bt601", "bt709", "bt2020"; "limited", "full" (the names the Python layer uses).
const char* matrix_name(Matrix m);
const char* range_name(Range r);
// "left", "center", "topleft", "top", "bottomleft", "bottom": ffprobe's names of AVChromaLocation.
const char* siting_name(ChromaSiting s);

}  // namespace odvd::color

#include "convert/color_resolve.h"

extern "C" {
#include <libavutil/pixfmt.h>
}

namespace odvd::color {

ColorSpec resolve_color(int av_colorspace, int av_color_range, int height) {
  ColorSpec spec{Matrix::kBT709, Range::kLimited};
  switch (av_colorspace) {
    case AVCOL_SPC_BT470BG:    // BT.601 625-line
    case AVCOL_SPC_SMPTE170M:  // BT.601 525-line: same Kr, Kb
      spec.matrix = Matrix::kBT601;
      break;
    case AVCOL_SPC_BT709:
      spec.matrix = Matrix::kBT709;
      break;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:  // constant-luminance is rare; decoded with the NCL matrix (docs/color.md)
      spec.matrix = Matrix::kBT2020;
      break;
    default:
      // Unspecified, reserved or a matrix we do not implement (FCC, SMPTE 240M, YCgCo, ICtCp, RGB):
      // guess as many players do, HD (>= 720 lines) is BT.709, SD is BT.601. A guess is needed
      // because untagged streams are common; this one is stated in docs/color.md.
      spec.matrix = height >= 720 ? Matrix::kBT709 : Matrix::kBT601;
      break;
  }
  // Only an explicit full-range tag means full range; unspecified is limited (docs/design.md "Colour").
  spec.range = av_color_range == AVCOL_RANGE_JPEG ? Range::kFull : Range::kLimited;
  return spec;
}

const char* matrix_name(Matrix m) {
  switch (m) {
    case Matrix::kBT601:
      return "bt601";
    case Matrix::kBT709:
      return "bt709";
    case Matrix::kBT2020:
      return "bt2020";
  }
  return "unknown";
}

const char* range_name(Range r) {
  switch (r) {
    case Range::kLimited:
      return "limited";
    case Range::kFull:
      return "full";
  }
  return "unknown";
}

const char* siting_name(ChromaSiting s) {
  switch (s) {
    case ChromaSiting::kLeft:
      return "left";
    case ChromaSiting::kCenter:
      return "center";
    case ChromaSiting::kTopLeft:
      return "topleft";
    case ChromaSiting::kTop:
      return "top";
    case ChromaSiting::kBottomLeft:
      return "bottomleft";
    case ChromaSiting::kBottom:
      return "bottom";
  }
  return "unknown";
}

}  // namespace odvd::color

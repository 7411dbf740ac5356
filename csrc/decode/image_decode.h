// JPEG and PNG images decoded with libavcodec (mjpeg, png) into the frames the convert stage takes
// (docs/access-staged.md "Images"), so that a batch can mix video frames and images:
//  - 4:2:0 JPEG (almost every camera and web JPEG) -> a native NV12 frame tagged BT.601, full range
//    and the JPEG's chroma siting (centre unless it says otherwise): converted like a video frame,
//    chroma_upsampling included;
//  - everything else -> a packed 8-bit RGB frame: PNG's RGB / RGBA / gray / palette / 16-bit samples
//    (alpha dropped, 16-bit rounded to 8: round(v * 255 / 65535)), and 4:4:4 / 4:2:2 / gray JPEG
//    through convert/color.h's BT.601 full-range formulas (4:2:2 chroma nearest, as section 2 of
//    docs/color.md does for 4:2:0), and RGB / CMYK JPEG as libavcodec's decoder gives them in RGB.
// Anything else (not JPEG or PNG by its signature, 4:4:0 / 4:1:1 JPEG, a damaged file) is
// std::invalid_argument (ValueError) naming the image.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "frames/block_pool.h"
#include "frames/frame.h"

namespace odvd {

// One image's bytes (the whole file) -> one host frame (frame_id 0, pts 0). `name` appears in errors.
FramePtr decode_image(const uint8_t* data, size_t size, const std::string& name, BlockPool& pool);

}  // namespace odvd

// The fast way into an MP4/MOV file: its moov box read with a few preads and the video track's
// sample tables (stts, ctts, stss, stsz, stsc, stco/co64, sdtp, one edit) turned into the StreamIndex's
// samples directly, without libavformat's demuxer. It answers only for the common layout and gives up
// (nullopt) on everything else, which then goes through libavformat as before; where it answers, it
// gives what libavformat would (tests/test_mp4_index.py checks that on every file of the media
// matrix): the same samples (pos, size, pts, dts, key / disposable flags) and codec parameters.
#pragma once

#include <optional>
#include <limits>
#include <vector>

#include "common/ffmpeg.h"
#include "demux/file_io.h"
#include "index/stream_index.h"

namespace odvd {

struct Mp4Video {
  ff::CodecParPtr par;  // codec_type, codec_id, width, height, extradata, colour (from colr)
  AVRational time_base{0, 1};
  std::vector<Sample> samples;  // decode order; complete samples only (none past the end of the file)
  int stream_index = 0;         // the video track's position among the moov's tracks (libavformat's index)
  double rotation = std::numeric_limits<double>::quiet_NaN();  // the display matrix's (StreamParams::rotation)
};

// nullopt when the file is not an MP4/MOV this reader handles: no moov found before the end or a
// fragment, fragmented (mvex/moof), not exactly one video track, a sample entry other than
// avc1/avc3/hvc1/hev1/av01 (or several), an edit list other than one plain offset covering every
// sample, negative composition offsets, stz2/stps/random-access sample groups, or any table that does
// not add up.
// `stream_index` >= 0: only that track will do (nullopt when it is not the video track read here).
std::optional<Mp4Video> read_mp4_index(const FileIO& io, int stream_index = -1);

}  // namespace odvd

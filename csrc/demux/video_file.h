// One source file as opened once: its best video stream's StreamParams and StreamIndex, and what a
// reader needs to know to read its samples back as Annex-B packets (demux/gop_reader.h). Immutable
// after construction, so any number of threads and readers share it without a lock; whatever changes
// while reading (a demuxer's position, learned flags) belongs to a GopReader.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/stream_params.h"
#include "demux/demuxer.h"
#include "demux/file_io.h"
#include "index/stream_index.h"

namespace odvd {

// What names a video stream to the engine: a path, or a path and a stream index as
// "<path>\0<stream_index>" (a NUL is in no path), so that caches keyed by name keep the streams of one
// file apart and every layer that passes names along carries the choice unchanged.
struct SourceKey {
  std::string path;
  int stream_index = -1;  // -1: the best video stream
};
SourceKey parse_source_key(const std::string& key);

class VideoFile {
 public:
  // Opens and indexes `key` (a path, or a path with a stream index: SourceKey). FileNotFound for a
  // missing file, invalid_argument (ValueError) for a file that is not a readable video (no video
  // stream, unknown format, unsupported codec) or a stream index that is not a video stream of it.
  // `direct_mp4`: read the moov of a plain MP4/MOV directly (demux/mp4_index.h); false forces
  // libavformat's demuxer (tests compare the two).
  explicit VideoFile(const std::string& key, bool direct_mp4 = true);

  const std::string& path() const { return path_; }
  const StreamParams& params() const { return params_; }
  const StreamIndex& index() const { return index_; }
  // Whether the index came from reading the MP4 sample tables directly rather than the demuxer.
  bool indexed_directly() const { return indexed_directly_; }
  // Whether the file on disk is still the one indexed (device, inode, size, mtime and ctime).
  bool unchanged_on_disk() const;

  // -- for readers --------------------------------------------------------------------------------
  // Sample payloads are plain byte ranges of the file (MP4 / MOV): read with pread (io().read_at).
  bool reads_by_position() const { return mov_family_; }
  const FileIO& io() const { return *io_; }
  // NAL length prefix bytes of length-prefixed H.264 / HEVC (avcC / hvcC), 0 for Annex-B or others.
  int length_size() const { return length_size_; }
  // What a key frame needs in front of it to decode alone: Annex-B parameter sets (H.264 / HEVC),
  // the sequence header OBUs (AV1); empty when the stream carries them in band only.
  const std::vector<uint8_t>& parameter_sets() const { return parameter_sets_; }
  // HEVC with one temporal sub-layer, where sub-layer non-reference pictures are not referenced.
  bool hevc_single_sublayer() const { return hevc_single_sublayer_; }
  // A demuxer for the file: the one that built the index, for the first caller, else a new one.
  std::unique_ptr<Demuxer> demuxer() const;

 private:
  void fill_params(AVCodecParameters* par, AVRational time_base);
  // Bit depth and chroma format, checked (4:2:0 at 8, 10 or 12 bits) and set in params_.
  void set_sample_format(int bit_depth, int chroma_format);
  // The sample format of a demuxed stream whose header does not say it: the first packet's own
  // bitstream (a VP9 key frame, an AV1 sequence header) where it tells, else libavformat's probe by
  // decoding (find_stream_info, on a fresh demuxer: slow, done only when the bitstream says nothing).
  void sample_format_from_first_packet(const std::vector<uint8_t>& first_packet);
  std::vector<Sample> scan(std::unique_ptr<Demuxer>& demuxer, std::vector<uint8_t>* first_packet);
  // The colour the bitstream signals, into params_ over the container's tags (demux/colour_signal.h):
  // from the parameter sets of the codec configuration, else from the first sample.
  void resolve_colour(Demuxer* demuxer, const std::vector<uint8_t>& first_packet = {});

  std::string path_;            // the file's path, or a source's label (messages, bundles' source_path)
  std::string source_name_;     // a registered source's name (common/byte_source.h), else empty
  int requested_stream_ = -1;
  std::shared_ptr<FileIO> io_;
  bool indexed_directly_ = false;
  bool mov_family_ = false;
  bool hevc_single_sublayer_ = false;
  int length_size_ = 0;
  std::vector<uint8_t> parameter_sets_;
  StreamParams params_;
  StreamIndex index_;
  // The demuxer that built the index, handed to the first reader (files read through libavformat).
  mutable std::mutex spare_mutex_;
  mutable std::unique_ptr<Demuxer> spare_;
};

}  // namespace odvd

"""stream_index= on decoders, readers and info calls (docs/seed-api.md, "Choosing a stream"): a file
with two video streams of different sizes and codecs and an audio stream between them decodes either
video stream exactly as the ffmpeg CLI does with -map 0:v:N; list_streams says what the file holds as
ffprobe does; a stream that is not video, or not there, is a ValueError naming the streams."""

import subprocess

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from media import inspect
from utils import assert_frames_equal

NAMES = ["two_video_streams_mp4", "two_video_streams_mkv"]
# (container stream index, its place among the video streams, width, height)
VIDEO = [(0, 0, 176, 144), (2, 1, 96, 64)]


def ffmpeg_frames(path, video_n, width, height):
    """The ffmpeg CLI's frames of the n-th video stream as NV12-layout arrays (Y, then interleaved UV)."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", f"0:v:{video_n}", "-fps_mode", "passthrough",
                          "-f", "rawvideo", "-pix_fmt", "nv12", "-"], capture_output=True, check=True).stdout
    size = width * height * 3 // 2
    return [np.frombuffer(raw[i:i + size], np.uint8).reshape(height * 3 // 2, width)
            for i in range(0, len(raw), size)]


@pytest.mark.parametrize("name", NAMES)
def test_each_video_stream_decodes_as_ffmpeg_maps_it(media, name):
    path = str(media[name].path)
    decoder = odvd.PyNvGopDecoder(2, iGpu=-1)
    reader = odvd.CreateSampleReader(1, 2, iGpu=-1)
    for index, video_n, width, height in VIDEO:
        expected = ffmpeg_frames(path, video_n, width, height)
        assert len(expected) == 30
        ids = [0, 7, 15, 29]
        for frame, i in zip(decoder.Decode([path] * 4, ids, stream_index=index), ids):
            assert (frame.width, frame.height) == (width, height)
            assert_frames_equal(np.asarray(frame), expected[i], f"{name} stream {index} frame {i}")
        for i in ids:  # the stream reader, forward
            assert_frames_equal(np.asarray(reader.Decode([path], [i], stream_index=index)[0]), expected[i],
                                f"{name} stream {index} frame {i} (reader)")
        # Bundles of the chosen stream decode without the file, to the same frames.
        bundle, firsts, lens = decoder.GetGOP([path], [15], stream_index=index)
        assert_frames_equal(np.asarray(decoder.DecodeFromGOP(bundle, [path], [15])[0]), expected[15], "bundle")
        (info,) = odvd.GetFastInitInfo([path], stream_index=index)
        assert (info.width, info.height, info.num_frames) == (width, height, 30)
        assert decoder._engine.stream_params(f"{path}\0{index}")["stream_index"] == index


@pytest.mark.parametrize("name", NAMES)
def test_list_streams_answers_as_ffprobe(media, name):
    path = media[name].path
    probe = inspect.streams(path)
    listed = odvd.list_streams(path)
    assert [(s["index"], s["kind"], s["codec"]) for s in listed] == \
        [(int(p["index"]), p["codec_type"], p["codec_name"]) for p in probe]
    for s, p in zip(listed, probe):
        if s["kind"] == "video":
            assert (s["width"], s["height"]) == (int(p["width"]), int(p["height"]))
    # The default is the best video stream, and says which it is.
    best = [s["index"] for s in listed if s["best"]]
    assert len(best) == 1 and listed[best[0]]["kind"] == "video"
    default = odvd.PyNvGopDecoder(1, iGpu=-1).Decode([str(path)], [3])[0]
    chosen = odvd.PyNvGopDecoder(1, iGpu=-1).Decode([str(path)], [3], stream_index=best[0])[0]
    assert_frames_equal(np.asarray(default), np.asarray(chosen), "the default stream")


def test_streams_that_are_not_video_or_not_there(media):
    path = str(media["two_video_streams_mp4"].path)
    decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
    with pytest.raises(ValueError, match=r"stream_index=1 is not a video stream \(its streams: 0 video \(h264\), "
                                         r"1 audio \(aac\), 2 video \(hevc\)\)"):
        decoder.Decode([path], [0], stream_index=1)
    with pytest.raises(ValueError, match=r"has no stream_index=5 \(its 3 streams"):
        decoder.DecodeN12ToRGB([path], [0], stream_index=5)
    with pytest.raises(ValueError, match="stream_index=-1: must be >= 0"):
        decoder.Decode([path], [0], stream_index=-1)
    with pytest.raises(TypeError, match="stream_index must be an int"):
        decoder.GetGOP([path], [0], stream_index="2")
    # A single-video file: stream 0 is its video, as without the keyword.
    plain = str(media["h264_gop30"].path)
    assert_frames_equal(np.asarray(decoder.Decode([plain], [5], stream_index=0)[0]),
                        np.asarray(decoder.Decode([plain], [5])[0]), "stream 0")

"""Videos given as bytes, memoryviews, NumPy arrays, file-like objects and pathlib.Path decode to the
same frames as their path (docs/access-sources.md); a file-like object is read only where the frame
needs it (the moov and one GOP of an MP4); bundles made from a source decode under its name."""

import io
import pathlib

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from utils import assert_frames_equal

CLIPS = ["h264_gop30", "hevc_gop30_bf3", "vp9_gop30", "av1_gop30_mp4", "hevc_open_gop"]


class CountingFile(io.BytesIO):
    """A file-like object that counts the bytes read from it (through readinto and read)."""

    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def readinto(self, b):
        n = super().readinto(b)
        self.bytes_read += n or 0
        return n

    def read(self, n=-1):
        data = super().read(n)
        self.bytes_read += len(data)
        return data


class ReadOnlyFile:
    """read + seek, no readinto (the fallback)."""

    def __init__(self, data):
        self._f = io.BytesIO(data)

    def read(self, n=-1):
        return self._f.read(n)

    def seek(self, offset, whence=0):
        return self._f.seek(offset, whence)

    def tell(self):
        return self._f.tell()


@pytest.mark.parametrize("name", CLIPS)
def test_every_kind_of_source_gives_the_paths_frames(media, name):
    path = media[name].path
    data = path.read_bytes()
    decoder = odvd.PyNvGopDecoder(4, iGpu=-1)
    ids = [0, 17, 44, 59]
    expected = [np.asarray(f) for f in decoder.Decode([str(path)] * 4, ids)]
    for source in (pathlib.Path(path), data, bytearray(data), memoryview(data), np.frombuffer(data, np.uint8),
                   io.BytesIO(data), ReadOnlyFile(data), open(path, "rb")):
        got = decoder.Decode([source] * 4, ids)
        for g, e, i in zip(got, expected, ids):
            assert_frames_equal(np.asarray(g), e, f"{type(source).__name__} frame {i}")
    assert decoder._engine.open_files <= 1  # the sources were forgotten when their calls ended


def test_a_file_like_mp4_is_read_only_where_a_frame_needs_it(media):
    path = media["h264_gop30"].path  # 90 frames, GOP 30
    data = path.read_bytes()
    f = CountingFile(data)
    frame = odvd.PyNvGopDecoder(1, iGpu=-1).Decode([f], [45])[0]
    assert_frames_equal(np.asarray(frame), np.asarray(odvd.PyNvGopDecoder(1, iGpu=-1).Decode([str(path)], [45])[0]),
                        "frame 45")
    assert 0 < f.bytes_read < len(data) / 3, (f.bytes_read, len(data))


def test_other_calls_take_sources_too(media):
    path = media["hevc_gop30_bf3"].path
    data = path.read_bytes()
    decoder = odvd.PyNvGopDecoder(2, iGpu=-1)
    # RGB with output options, the stream reader, stream info, list_streams.
    rgb = decoder.DecodeN12ToRGB([data], [31], size=(72, 88))[0]
    assert_frames_equal(np.asarray(rgb), np.asarray(decoder.DecodeN12ToRGB([str(path)], [31], size=(72, 88))[0]), "rgb")
    reader = odvd.CreateSampleReader(1, 1, iGpu=-1)
    assert_frames_equal(np.asarray(reader.Decode([io.BytesIO(data)], [5])[0]),
                        np.asarray(reader.Decode([str(path)], [5])[0]), "reader")
    assert odvd.GetFastInitInfo([data]) == odvd.GetFastInitInfo([str(path)])
    assert [s["codec"] for s in odvd.list_streams(io.BytesIO(data))] == ["hevc"]
    # A bundle made from bytes names them as its source; decoding it with the same object finds it.
    bundle, firsts, lens = decoder.GetGOP([data], [40])
    frame = decoder.DecodeFromGOP(bundle, [data], [40])[0]
    assert_frames_equal(np.asarray(frame), np.asarray(decoder.Decode([str(path)], [40])[0]), "bundle")
    assert decoder.ParseSerializedPacketBundle(bundle)[5] == lens


def test_bad_sources_are_clear_errors(media, tmp_path):
    decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
    with pytest.raises(ValueError, match="<bytes: 11 bytes>"):
        decoder.Decode([b"not a video"], [0])
    with pytest.raises(TypeError, match="filepaths\\[0\\] is a int"):
        odvd.GetFastInitInfo([3])
    data = media["h264_gop30"].path.read_bytes()
    with pytest.raises(ValueError):  # cut short: the moov or the frame's samples are missing
        decoder.Decode([data[: len(data) // 2]], [80])
    with pytest.raises(ValueError, match="useGOPCache=True caches the GOPs of files by path"):
        odvd.CreateGopDecoder(1, iGpu=-1).GetGOP([data], [0], useGOPCache=True)


def test_gop_groups_and_the_batch_readers_take_sources(media):
    path = media["hevc_gop30_bf3"].path
    data = path.read_bytes()
    decoder = odvd.CreateGopDecoder(2, iGpu=-1)
    groups = decoder.GetGOPGroups([{"filepath": data, "frame_ids": [44, 3, 31]}])
    assert [g["source_name"] for g in groups] == [f"<bytes: {len(data)} bytes>"] * 2
    frames = [f for g in decoder.DecodeFromGOPGroupsRGB(groups) for f in g["frames"]]
    want = decoder.DecodeN12ToRGB([str(path)] * 3, [3, 31, 44])
    for got, expected in zip(frames, want):
        assert_frames_equal(np.asarray(got), np.asarray(expected), "group frame")
    reader = odvd.CreateBatchAsyncStreamReader(1, 2, 2, iGpu=-1)
    sources = [io.BytesIO(data), str(path)]
    reader.Decode(sources, [[5, 6], [5, 6]])
    rows = reader.GetBuffer(sources, [[5, 6], [5, 6]])
    for a, b in zip(rows[0], rows[1]):
        assert_frames_equal(np.asarray(a), np.asarray(b), "batch reader")

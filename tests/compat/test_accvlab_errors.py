"""accvlab's exception kinds: code written for accvlab catches RuntimeError for a missing file, a
frame id out of range and corrupt data, and keeps using the decoder afterwards. Here the same inputs
raise exceptions that are RuntimeErrors *and* this package's types by meaning (SourceNotFoundError is a
FileNotFoundError, FrameIndexError an IndexError, CorruptDataError a ValueError), and the object that
raised decodes the next request exactly as the ffmpeg CLI does (recovery).

The valid range in the messages is checked against the ffmpeg CLI's frame count (the reference), the
damaged file is made here by flipping bytes of a real HEVC file's first sample."""

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from media.inspect import packets
from utils import assert_frames_equal

GOOD = "hevc_gop30"


def _entry_points():
    """(name, object factory, call(obj, paths, ids)) for every accvlab call that takes file paths."""
    gop = lambda: odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)  # noqa: E731
    cached = lambda: odvd.CreateGopDecoder(maxfiles=2, iGpu=-1)  # noqa: E731
    reader = lambda: odvd.CreateSampleReader(num_of_set=1, num_of_file=2, iGpu=-1)  # noqa: E731
    batch = lambda: odvd.CreateBatchAsyncStreamReader(num_of_set=1, num_of_file=2, max_frames_per_decode_call=2,  # noqa: E731
                                                      iGpu=-1)

    def async_rgb(r, paths, ids):
        r.DecodeN12ToRGBAsync(paths, ids, False)
        return r.DecodeN12ToRGBAsyncGetBuffer(paths, ids, False)

    def batch_rgb(b, paths, ids):
        b.Decode(paths, [[i] for i in ids], False)
        return [row[0] for row in b.GetBuffer(paths, [[i] for i in ids], False)]

    return [
        ("PyNvGopDecoder.Decode", gop, lambda d, p, i: d.Decode(p, i)),
        ("PyNvGopDecoder.DecodeN12ToRGB", gop, lambda d, p, i: d.DecodeN12ToRGB(p, i, False)),
        ("PyNvGopDecoder.GetGOP+DecodeFromGOPRGB", gop,
         lambda d, p, i: d.DecodeFromGOPRGB(d.GetGOP(p, i)[0], p, i, False)),
        ("CachedGopDecoder.GetGOPList", cached,
         lambda d, p, i: d.DecodeFromGOPListRGB([g[0] for g in d.GetGOPList(p, i, useGOPCache=True)], p, i, False)),
        ("PyNvSampleReader.DecodeN12ToRGB", reader, lambda r, p, i: r.DecodeN12ToRGB(p, i, False)),
        ("PyNvSampleReader.DecodeN12ToRGBAsyncGetBuffer", reader, async_rgb),
        ("PyNvBatchAsyncStreamReader.GetBuffer", batch, batch_rgb),
    ]


ENTRY_POINTS = _entry_points()
IDS = [e[0] for e in ENTRY_POINTS]


def _assert_recovers(make_call, obj, media, reference):
    """After an error the same object still decodes frame 37 of a good file exactly: its native planes
    equal the ffmpeg CLI's (RGB calls are checked through a native decode of the same object kind)."""
    path = str(media[GOOD].path)
    frames = make_call(obj, [path], [37])
    assert len(frames) == 1
    native = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).Decode([path], [37])[0]
    if isinstance(frames[0], odvd.RGBFrame):
        assert_frames_equal(np.asarray(frames[0]), np.asarray(odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
                                                              .DecodeN12ToRGB([path], [37], False)[0]), "RGB after error")
    else:
        assert_frames_equal(np.asarray(frames[0]), reference(GOOD).native(37), "native after error")
    assert_frames_equal(np.asarray(native), reference(GOOD).native(37), "native reference")


def _damaged_copy(src, dst):
    """``src`` with the NAL length prefix of every sample of its first GOP (positions from ffprobe)
    set to 0xFFFFFFF0, more than any sample holds; the index (moov) stays intact, so the file opens and
    the damage is met when the packets are read."""
    raw = bytearray(src.read_bytes())
    first_gop = packets(src)[:30]
    assert first_gop[0]["flags"].startswith("K") and all(p["pos"] for p in first_gop)
    for p in first_gop:
        raw[p["pos"]:p["pos"] + 4] = (0xFFFFFFF0).to_bytes(4, "big")
    dst.write_bytes(bytes(raw))
    return dst


# What goes wrong -> (the request's path and frame id, the types it must raise besides RuntimeError,
# what its message must say). ``frames`` is the ffmpeg CLI's frame count of the good clip.
BAD_INPUTS = {
    "missing_file": lambda media, tmp, frames: (str(tmp / "no_such_clip.mp4"), 0,
                                                (FileNotFoundError, odvd.SourceNotFoundError), "no_such_clip.mp4"),
    "frame_past_the_end": lambda media, tmp, frames: (str(media[GOOD].path), frames,
                                                      (IndexError, odvd.FrameIndexError), f"0..{frames - 1}"),
    "damaged_packets": lambda media, tmp, frames: (str(_damaged_copy(media[GOOD].path, tmp / "damaged.mp4")), 0,
                                                   (ValueError, odvd.CorruptDataError), "damaged.mp4"),
    "not_a_video": lambda media, tmp, frames: (str(media["not_video"].path), 0,
                                               (ValueError, odvd.CorruptDataError), "not a readable video"),
}


@pytest.mark.parametrize("bad", sorted(BAD_INPUTS))
@pytest.mark.parametrize("name,make,call", ENTRY_POINTS, ids=IDS)
def test_bad_input_raises_a_runtime_error_of_its_meaning_and_the_object_recovers(name, make, call, bad, media,
                                                                                 reference, tmp_path):
    path, frame_id, types, words = BAD_INPUTS[bad](media, tmp_path, len(reference(GOOD)))
    obj = make()
    with pytest.raises(RuntimeError) as caught:
        call(obj, [path], [frame_id])
    assert all(isinstance(caught.value, t) for t in types), (type(caught.value).__mro__, types)
    assert words in str(caught.value)
    _assert_recovers(call, obj, media, reference)


def test_a_damaged_bundle_is_corrupt_data_and_the_decoder_recovers(media, reference):
    path = str(media[GOOD].path)
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    bundle = dec.GetGOP([path], [37])[0]
    damaged = bundle.copy()
    damaged[len(damaged) // 2] ^= 0x5A  # a payload byte: the checksum no longer matches
    with pytest.raises(RuntimeError) as caught:
        dec.DecodeFromGOP(damaged, [path], [37])
    assert isinstance(caught.value, odvd.CorruptDataError)
    assert_frames_equal(np.asarray(dec.DecodeFromGOP(bundle, [path], [37])[0]), reference(GOOD).native(37),
                        "the intact bundle after the damaged one")


def test_the_error_types_survive_pickling_as_a_dataloader_worker_sends_them():
    import pickle

    for error in (odvd.SourceNotFoundError(2, "No such file or directory", "x.mp4"),
                  odvd.FrameIndexError("frame_id=9 out of range"), odvd.CorruptDataError("damaged")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error) and isinstance(copy, RuntimeError)

"""The seed's colour-range warning (suppressNoColorRangeWarning): a file whose stream says no colour
range (h264_untagged: no VUI range, no container tag) is reported once per file per decoder object,
with accvlab's text on standard output and a NoColorRangeWarning; a file that says its range
(h264_gop30: limited, tagged) is not; suppressNoColorRangeWarning=True silences both."""

import warnings

import pytest

import on_demand_video_decoder as odvd

UNTAGGED, TAGGED = "h264_untagged", "h264_gop30"


def _lines(text, name):
    return [line for line in text.splitlines() if f"{name} could not obtain color range" in line]


def test_gop_decoder_warns_once_per_file(media, capfd):
    u, t = str(media[UNTAGGED].path), str(media[TAGGED].path)
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    with pytest.warns(odvd.NoColorRangeWarning, match=f"PyNvGopDecoder could not obtain color range for {u}"):
        frames = dec.DecodeN12ToRGB([u, t], [1, 1])
    assert [f.color_range_signalled for f in frames] == [False, True]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second warning for the same file would raise
        dec.Decode([u], [2])
        bundle, _, _ = dec.GetGOP([u], [3])
        dec.DecodeFromGOPRGB(bundle, [u], [3])
    out = capfd.readouterr().out
    assert _lines(out, "WARNING: PyNvGopDecoder") == ["WARNING: PyNvGopDecoder could not obtain color range for:"]
    assert f"  {u}\n  --> Limited range (MPEG range) assumed for this file." in out
    # Another decoder object warns again.
    with pytest.warns(odvd.NoColorRangeWarning):
        odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).Decode([u], [0])


def test_stacked_outputs_and_bundles_warn_too(media, capfd):
    u, t = str(media[UNTAGGED].path), str(media[TAGGED].path)
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    bundle, _, _ = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1, suppressNoColorRangeWarning=True).GetGOP([u], [0])
    with pytest.warns(odvd.NoColorRangeWarning):
        dec.DecodeFromGOP(bundle, [u], [0])
    dec2 = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    with pytest.warns(odvd.NoColorRangeWarning):
        (stack,) = dec2.DecodeN12ToRGB([u, u], [0, 1], size=(32, 32), stack=True)
    assert stack.color_range_signalled is False
    tagged = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).DecodeN12ToRGB([t, t], [0, 1], size=(32, 32), stack=True)[0]
    assert tagged.color_range_signalled is True


def test_suppressed_and_filtered(media, capfd):
    u = str(media[UNTAGGED].path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1, suppressNoColorRangeWarning=True).Decode([u], [0])
        odvd.CreateGopDecoder(maxfiles=1, iGpu=-1, suppressNoColorRangeWarning=True).DecodeN12ToRGB([u], [0])
        odvd.CreateSampleReader(1, 1, iGpu=-1, suppressNoColorRangeWarning=True).DecodeN12ToRGB([u], [0])
    assert "could not obtain color range" not in capfd.readouterr().out
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", category=odvd.NoColorRangeWarning)  # the category filters it
        odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).Decode([u], [0])
    assert _lines(capfd.readouterr().out, "PyNvGopDecoder")  # the printed line stays


def test_cached_decoder_warns_as_the_gop_decoder(media, capfd):
    u = str(media[UNTAGGED].path)
    cached = odvd.CreateGopDecoder(maxfiles=1, iGpu=-1)
    with pytest.warns(odvd.NoColorRangeWarning, match="PyNvGopDecoder"):
        cached.DecodeN12ToRGB([u], [0])
    cached.DecodeN12ToRGB([u], [1])
    assert len(_lines(capfd.readouterr().out, "PyNvGopDecoder")) == 1


def test_sample_reader_warns_again_when_its_slot_moved_to_another_file(media, tmp_path, capfd):
    u = str(media[UNTAGGED].path)
    other = tmp_path / "other.mkv"
    other.write_bytes(media[UNTAGGED].path.read_bytes())
    reader = odvd.CreateSampleReader(num_of_set=1, num_of_file=1, iGpu=-1)  # one slot
    with pytest.warns(odvd.NoColorRangeWarning, match="PyNvVideoReader could not obtain color range"):
        reader.DecodeN12ToRGB([u], [0])
        reader.DecodeN12ToRGB([u], [1])  # same slot, same file: no second warning
        reader.DecodeN12ToRGB([str(other)], [0])  # the slot moves: warns for the other file
        reader.DecodeN12ToRGB([u], [2])  # and back: warns again, as accvlab's reader does
    out = capfd.readouterr().out
    assert len(_lines(out, "WARNING: PyNvVideoReader")) == 3 and str(other) in out
    reader.DecodeN12ToRGBAsync([u], [3])
    reader.DecodeN12ToRGBAsyncGetBuffer([u], [3])
    assert not _lines(capfd.readouterr().out, "PyNvVideoReader")  # still the slot's file

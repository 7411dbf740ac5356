"""accvlab's GOP-file and GOP-list paths and its pixel-format variants, on files made here with the
ffmpeg CLI: GetGOPList -> SaveGopToFile -> LoadGopsToList -> DecodeFromGOPList(RGB) decodes the
ffmpeg CLI's frames; hev1- and hvc1-tagged HEVC and full-range ("yuvj420p") H.264 decode exactly;
4:2:2 and 4:4:4 are refused with a ValueError that names the chroma format (accvlab decodes 4:4:4:
docs/seed-api.md); an open GOP's spans partition the frames as ffprobe's packets say."""

import subprocess

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from media.inspect import packets
from utils import assert_frames_equal


def test_save_gop_to_file_is_the_seed_writer():
    assert odvd.SaveGopToFile is odvd.SavePacketsToFile


@pytest.mark.parametrize("name", ["h264_gop30", "hevc_gop30", "hevc10_gop30", "h264_bt601_full"])
def test_gop_files_round_trip_to_the_ffmpeg_frames(media, reference, tmp_path, name):
    path, ref = str(media[name].path), reference(name)
    ids = [0, 31, len(ref) - 1]
    dec = odvd.CreateGopDecoder(maxfiles=3, iGpu=-1)
    files = []
    for k, (data, first_ids, lens) in enumerate(dec.GetGOPList([path] * 3, ids, useGOPCache=False)):
        assert first_ids[0] <= ids[k] < first_ids[0] + lens[0]
        files.append(str(tmp_path / f"gop-{k}.bin"))
        odvd.SaveGopToFile(data, files[-1])
    loaded = dec.LoadGopsToList(files)
    assert len(loaded) == 3
    for frame, i in zip(dec.DecodeFromGOPList(loaded, [path] * 3, ids), ids):
        assert_frames_equal(np.asarray(frame), ref.native(i), f"{name} frame {i} from its GOP file")
    rgb = dec.DecodeFromGOPListRGB(loaded, [path] * 3, ids, True)
    direct = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).DecodeN12ToRGB([path] * 3, ids, True)
    for a, b, i in zip(rgb, direct, ids):
        assert_frames_equal(np.asarray(a), np.asarray(b), f"{name} BGR frame {i}: GOP file vs file")


def _ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.mark.parametrize("tag", ["hev1", "hvc1"])
def test_hevc_sample_entry_tags_decode_alike(media, reference, tmp_path, tag):
    """hev1 keeps the parameter sets in the samples, hvc1 in the sample entry: the same frames."""
    out = tmp_path / f"{tag}.mp4"
    _ffmpeg("-i", str(media["hevc_gop30"].path), "-c", "copy", "-tag:v", tag, str(out))
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    ref = reference("hevc_gop30")
    for frame, i in zip(dec.Decode([str(out)] * 3, [0, 45, 89]), [0, 45, 89]):
        assert_frames_equal(np.asarray(frame), ref.native(i), f"{tag} frame {i}")


@pytest.mark.parametrize("encoder,pix_fmt,chroma", [
    ("libx264", "yuv422p", 2), ("libx264", "yuv444p", 3), ("libx265", "yuv444p", 3), ("libx264", "yuv422p10le", 2),
])
def test_chroma_formats_other_than_420_are_refused_clearly(tmp_path, encoder, pix_fmt, chroma):
    out = tmp_path / f"{encoder}_{pix_fmt}.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=96x64:rate=30", "-frames:v", "12", "-c:v", encoder,
            *(["-x265-params", "log-level=error"] if encoder == "libx265" else []), "-pix_fmt", pix_fmt, str(out))
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    reader = odvd.CreateSampleReader(num_of_set=1, num_of_file=1, iGpu=-1)
    for call in (lambda: dec.Decode([str(out)], [3]), lambda: dec.DecodeN12ToRGB([str(out)], [3]),
                 lambda: dec.GetGOP([str(out)], [3]), lambda: reader.DecodeN12ToRGB([str(out)], [3])):
        with pytest.raises(ValueError, match=rf"unsupported sample format .*chroma_format {chroma}"):
            call()
    assert dec.Decode([str(_make_420(tmp_path))], [3])[0].format == "NV12"  # and the decoder goes on


def _make_420(tmp_path):
    out = tmp_path / "ok420.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=96x64:rate=30", "-frames:v", "12", "-c:v", "libx264",
            "-pix_fmt", "yuv420p", str(out))
    return out


def _gops_from_ffprobe(path):
    """The display indices of each decode-order GOP (key packet to the next key packet), from
    ffprobe's packets: a frame's display index is the rank of its pts. The key frame's comes first."""
    pk = packets(path)
    order = {pts: i for i, pts in enumerate(sorted(p["pts"] for p in pk))}
    gops = []
    for p in pk:
        if "K" in p["flags"]:
            gops.append([])
        gops[-1].append(order[p["pts"]])
    return gops


def test_open_gop_spans_partition_the_frames_as_the_packets_group_them(media, reference):
    name = "hevc_open_gop"
    path, ref = str(media[name].path), reference(name)
    gops = _gops_from_ffprobe(media[name].path)
    assert any(min(g) < g[0] for g in gops), "no leading pictures (frames shown before their key frame)"
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    spans = set()
    for i in range(len(ref)):
        bundle, first_ids, lens = dec.GetGOPList([path], [i])[0]
        spans.add((int(first_ids[0]), int(lens[0])))
    spans = sorted(spans)
    # A partition of [0, frames): each span starts where the previous ends.
    assert spans[0][0] == 0 and sum(n for _, n in spans) == len(ref)
    assert all(a + n == b for (a, n), (b, _) in zip(spans, spans[1:]))
    # Each span holds as many frames as its decode-order GOP shows (leading pictures count with the
    # key frame they follow in decode order; accvlab counts them with the previous GOP).
    assert [n for _, n in spans] == [len(g) for g in gops]
    # Every frame decodes from its own GOP's bundle alone, equal to the ffmpeg CLI.
    for i in (0, spans[1][0], spans[1][0] + 1, spans[-1][0], len(ref) - 1):
        bundle = dec.GetGOP([path], [i])[0]
        assert_frames_equal(np.asarray(dec.DecodeFromGOP(bundle, [path], [i])[0]), ref.native(i), f"frame {i}")

"""Every decode path of PyNvGopDecoder, on every clip of the media matrix, against the ffmpeg CLI:
YUV planes byte-identical to the reference, RGB byte-identical to the NumPy twin of docs/color.md
applied to the reference planes."""

import subprocess

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from color_reference import native_to_rgb
from gop_cases import color_spec, interesting_ids, leading_ids
from media.recipes import RECIPES
from utils import assert_frames_equal

DECODABLE = [n for n, r in RECIPES.items() if "frames" in r.expect]


@pytest.fixture(scope="module")
def decoder():
    return odvd.PyNvGopDecoder(maxfiles=8, iGpu=-1)


def _case(media, reference, name):
    m = media[name]
    ref = reference(name)
    return str(m.path), ref, interesting_ids(m.path, ref)


def _check_native(frames, ref, ids, path, what):
    assert len(frames) == len(ids)
    for f, i in zip(frames, ids):
        assert f.frame_id == i
        assert f.pts == int(ref.pts[i]), f"{what}: frame {i} pts"
        assert_frames_equal(np.asarray(f), ref.native(i), f"{what}: {path} frame {i}")


def _check_rgb(frames, ref, ids, path, what, bgr=False):
    matrix, rng = color_spec(path, ref.height)
    assert len(frames) == len(ids)
    for f, i in zip(frames, ids):
        assert f.frame_id == i and f.isBGR == bgr
        expected = native_to_rgb(ref.native(i), ref.bit_depth, matrix, rng, bgr=bgr)
        assert_frames_equal(np.asarray(f), expected, f"{what}: {path} frame {i} ({matrix}, {rng})")


@pytest.mark.parametrize("name", DECODABLE)
def test_decode_native(decoder, media, reference, name):
    path, ref, ids = _case(media, reference, name)
    # All ids in one call (several targets per GOP, one pass) ...
    _check_native(decoder.Decode([path] * len(ids), ids), ref, ids, path, "Decode batch")
    # ... and each alone (decode from its own GOP start), in reverse order.
    for i in reversed(ids):
        _check_native(decoder.Decode([path], [i]), ref, [i], path, "Decode single")


@pytest.mark.parametrize("name", DECODABLE)
def test_decode_rgb(decoder, media, reference, name, convert_isa):
    path, ref, ids = _case(media, reference, name)
    _check_rgb(decoder.DecodeN12ToRGB([path] * len(ids), ids), ref, ids, path, "DecodeN12ToRGB")
    _check_rgb(decoder.DecodeN12ToRGB([path], ids[-1:], as_bgr=True), ref, ids[-1:], path, "BGR", bgr=True)


@pytest.mark.parametrize("name", DECODABLE)
def test_gop_bundle_paths(decoder, media, reference, name, tmp_path):
    path, ref, ids = _case(media, reference, name)
    paths = [path] * len(ids)
    bundle, first_ids, gop_lens = decoder.GetGOP(paths, ids)
    assert bundle.dtype == np.uint8 and bundle.ndim == 1
    for i, first, n in zip(ids, first_ids, gop_lens):
        assert first <= i < first + n
    _check_native(decoder.DecodeFromGOP(bundle, paths, ids), ref, ids, path, "DecodeFromGOP")
    _check_rgb(decoder.DecodeFromGOPRGB(bundle, paths, ids), ref, ids, path, "DecodeFromGOPRGB")

    gop_list = decoder.GetGOPList(paths, ids)
    assert [g[1] for g in gop_list] == [[f] for f in first_ids]
    datas = [g[0] for g in gop_list]
    _check_rgb(decoder.DecodeFromGOPListRGB(datas, paths, ids), ref, ids, path, "DecodeFromGOPListRGB")
    _check_native(decoder.DecodeFromGOPList(datas, paths, ids), ref, ids, path, "DecodeFromGOPList")
    # In another order than GetGOPList's: each request still finds the bundle holding its frame.
    _check_native(decoder.DecodeFromGOPList(datas[::-1], paths, ids), ref, ids, path, "DecodeFromGOPList reversed")

    # The seed's binary-data path: parse, split each entry into packets, decode.
    parsed = decoder.ParseSerializedPacketBundle(bundle)
    assert len(parsed) == 11
    ranges, codecs, widths, heights, sizes, lens, firsts, arrays, array_sizes, packet_bytes, decode_idxs = parsed
    assert list(firsts) == list(first_ids) and list(lens) == list(gop_lens)
    assert widths == [ref.width] * len(ids) and heights == [ref.height] * len(ids)
    packet_lists = []
    for arr, sizes_k in zip(arrays, packet_bytes):
        bounds = np.cumsum([0] + list(sizes_k))
        assert bounds[-1] == arr.size
        packet_lists.append([arr[bounds[k]:bounds[k + 1]] for k in range(len(sizes_k))])
    assert decoder.DecodeFromPacketListInitialize(codecs) == 0
    frames = decoder.DecodeFromPacketListRGB(packet_lists, decode_idxs, widths, heights, ids)
    _check_rgb(frames, ref, ids, path, "DecodeFromPacketListRGB")

    # GOP files on disk, decoded by a decoder that never saw the source file.
    files = []
    for k, data in enumerate(datas[:4]):
        files.append(str(tmp_path / f"gop_{k}.bin"))
        odvd.SavePacketsToFile(data, files[-1])
    other = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    merged = other.LoadGops(files)
    _check_native(other.DecodeFromGOP(merged, paths[:4], ids[:4]), ref, ids[:4], path, "LoadGops")
    loaded = other.LoadGopsToList(files)
    assert [a.tobytes() for a in loaded] == [d.tobytes() for d in datas[:4]]
    _check_rgb(other.DecodeFromGOPListRGB(loaded, paths[:4], ids[:4]), ref, ids[:4], path, "LoadGopsToList")
    assert other.LoadGopList == other.LoadGopsToList


def test_open_gop_leading_pictures_decode_from_the_previous_gop(decoder, media, reference):
    path = str(media["hevc_open_gop"].path)
    ref = reference("hevc_open_gop")
    leading = leading_ids(media["hevc_open_gop"].path, ref)
    assert leading, "the open-GOP clip must have leading pictures"
    for i in leading:
        _check_native(decoder.Decode([path], [i]), ref, [i], path, "leading picture")
        bundle, first, n = decoder.GetGOP([path], [i])
        assert first[0] <= i < first[0] + n[0]
        _check_native(decoder.DecodeFromGOP(bundle, [path], [i]), ref, [i], path, "leading picture bundle")
    # A trailing picture of an open GOP whose bundle starts with the previous GOP (the prefix) is
    # decoded from its own key frame: alone, on a decoder that has seen nothing else.
    for i in sorted({min(leading) - 1, max(leading) + 1, len(ref) - 1} - set(leading)):
        bundle, first, n = decoder.GetGOP([path], [i])
        fresh = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
        _check_native(fresh.DecodeFromGOP(bundle, [path], [i]), ref, [i], path, "trailing picture bundle")


def test_mixed_batch_keeps_request_order(decoder, media, reference):
    names = ["hevc_gop30_bf3", "h264_gop30", "av1_gop30", "hevc10_gop30", "vp9_gop30", "h264_gop250"]
    rng = np.random.default_rng(1)
    paths, ids, refs = [], [], []
    for _ in range(24):
        name = names[int(rng.integers(len(names)))]
        ref = reference(name)
        paths.append(str(media[name].path))
        ids.append(int(rng.integers(len(ref))))
        refs.append(ref)
    paths += paths[:3]  # duplicates of earlier requests
    ids += ids[:3]
    refs += refs[:3]
    frames = decoder.Decode(paths, ids)
    for f, p, i, ref in zip(frames, paths, ids, refs):
        assert_frames_equal(np.asarray(f), ref.native(i), f"{p} frame {i}")
    # Duplicates are distinct objects with their own pixels.
    assert np.asarray(frames[0]).ctypes.data != np.asarray(frames[-3]).ctypes.data


@pytest.mark.parametrize("name", ["h264_gop30_bf3", "hevc_gop30_bf3"])
def test_non_reference_frames_no_target_needs_are_not_decoded(media, reference, name):
    """Counted from the bitstream independently: frames a target needs are its GOP's packets up to
    its own, minus the non-reference ones (H.264 nal_ref_idc == 0, HEVC sub-layer non-reference)."""
    from media import inspect

    path = media[name].path
    ref = reference(name)
    packets = inspect.packets(path, with_data=True)
    order = {int(p): i for i, p in enumerate(ref.pts)}

    def nonref(data: bytes) -> bool:
        for nal in inspect.length_prefixed_nals(data):
            if name.startswith("h264"):
                ref_idc, nal_type = inspect.h264_nal_header(nal)
                if 1 <= nal_type <= 5:
                    return ref_idc == 0
            else:
                t = inspect.hevc_nal_type(nal)
                if t <= 31:
                    return t <= 14 and t % 2 == 0
        return False

    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    skipped_any = False
    for target in range(len(ref)):
        pos = next(k for k, p in enumerate(packets) if order.get(p["pts"]) == target)
        start = max(k for k in range(pos + 1) if "K" in packets[k]["flags"])
        expected = sum(1 for k in range(start, pos + 1) if k == pos or k == start or not nonref(packets[k]["data"]))
        before = dec._engine.packets_fed
        frame = dec.Decode([str(path)], [target])[0]
        assert dec._engine.packets_fed - before == expected, f"frame {target}"
        skipped_any |= expected < pos - start + 1
        assert_frames_equal(np.asarray(frame), ref.native(target), f"{name} frame {target}")
    assert skipped_any, "the clip must have non-reference frames to skip"


def test_gop_list_calls_take_a_list_of_bundles(decoder, media):
    path = str(media["h264_gop30"].path)
    (bundle, _, _), = decoder.GetGOPList([path], [40])
    for call in (decoder.DecodeFromGOPList, decoder.DecodeFromGOPListRGB):
        with pytest.raises(TypeError, match="a list of bundles"):
            call(bundle, [path], [40])
        with pytest.raises(ValueError, match="numpy_datas is empty"):
            call([], [path], [40])
        with pytest.raises(ValueError, match=r"numpy_datas\[1\] must be a 1-D uint8 array"):
            call([bundle, bundle.astype(np.int16)], [path], [40])


@pytest.mark.parametrize("pix_fmt, depth", [("yuv420p", 8), ("yuv420p10le", 10)])
def test_a_large_frame_converts_in_bands_to_the_same_bytes(tmp_path, pix_fmt, depth, convert_isa):
    """A frame of at least 2^19 pixels converts in bands of rows on the decoder's threads
    (frames/frame_builder.cpp); 578 rows make 289 chroma rows, so a band starts mid-frame on an even
    row. One thread (no bands) and two (two bands) give the twin's bytes."""
    path = str(tmp_path / f"large_{depth}.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1024x578:rate=30", "-frames:v", "2",
                    "-c:v", "libx264", "-pix_fmt", pix_fmt, path], check=True)
    native = np.asarray(odvd.PyNvGopDecoder(1, iGpu=-1).Decode([path], [1])[0])
    matrix, rng = color_spec(path, 578)
    expected = native_to_rgb(native, depth, matrix, rng)
    assert expected.shape == (578, 1024, 3)
    for threads in (1, 2):
        dec = odvd.PyNvGopDecoder(1, iGpu=-1, num_threads=threads, suppressNoColorRangeWarning=True)
        assert_frames_equal(np.asarray(dec.DecodeN12ToRGB([path], [1])[0]), expected, f"{threads} thread(s)")

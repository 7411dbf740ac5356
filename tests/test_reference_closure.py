"""Reference-closure decoding (docs/reference-closure.md): the references the engine reads from each
packet equal those derived from FFmpeg's own header parser (tests/reference_twin.py); a decode feeds
exactly the targets' closure; the frames equal a complete decode and the ffmpeg CLI's; bundles carry
the references (version 3) and a table that disagrees with its bitstream is refused."""

import struct

import numpy as np
import pytest

import bundle_twin
import on_demand_video_decoder as odvd
import reference_twin
from on_demand_video_decoder import _engine
from utils import assert_frames_equal

HEVC, AV1 = 8, 11
# Closed-GOP clips whose references are read, and the twin that derives them.
ANALYSED = {
    "hevc_hier_b7_gop32": (HEVC, reference_twin.hevc_references),
    "hevc_gop30": (HEVC, reference_twin.hevc_references),
    "hevc_gop30_bf3": (HEVC, reference_twin.hevc_references),
    "hevc_gop300_bf3": (HEVC, reference_twin.hevc_references),
    "av1_gop30_mp4": (AV1, reference_twin.av1_references),
    "av1_gop250": (AV1, reference_twin.av1_references),
    "av1_aom_gop32": (AV1, reference_twin.av1_references),
}


def _gops(decoder, path):
    """Every GOP of the file as (bundle, first packet's file-wide decode index, frame_id -> packet index)."""
    out, first, packet = [], 0, 0
    while True:
        try:
            (bundle, firsts, lens), = decoder.GetGOPList([path], [first], enable_gop_dependency_graph_optimization=True)
        except IndexError:
            return out
        ids = [p["frame_id"] for p in bundle_twin.packets(bundle.tobytes())]
        out.append((bundle, packet, {f: packet + k for k, f in enumerate(ids)}))
        packet += len(ids)
        first = firsts[0] + lens[0]


def _payload_packets(bundle):
    data = bundle.tobytes()
    recs = bundle_twin.packets(data)
    _, size, table, n = bundle_twin.entry_layout(data)
    payload = table + n * bundle_twin.PACKET
    return [data[payload + r["offset"]: payload + r["offset"] + r["size"]] for r in recs]


@pytest.fixture(scope="module")
def twins(media):
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = ANALYSED[name][1](media[name].path)
        return cache[name]

    return get


@pytest.mark.parametrize("name", sorted(ANALYSED))
def test_references_equal_those_of_ffmpegs_header_parser(media, twins, name):
    path = str(media[name].path)
    codec = ANALYSED[name][0]
    expected = twins(name)
    decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
    gops = _gops(decoder, path)
    assert sum(len(m) for _, _, m in gops) == len(expected)
    for bundle, start, _ in gops:
        ours = _engine._reference_lists(codec, _payload_packets(bundle))
        _, carried = bundle_twin.reference_table(bundle.tobytes())
        assert carried == ours, "the bundle's table is what the bitstream says"
        for k, refs in enumerate(ours):
            want = expected[start + k]
            got = None if refs is None else {start + r for r in refs}
            assert got == want, f"{name}: packet {start + k}"


@pytest.mark.parametrize("name", sorted(ANALYSED))
def test_a_decode_feeds_exactly_the_closure(media, twins, name):
    path = str(media[name].path)
    refs = twins(name)
    closure_decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
    full_decoder = odvd.PyNvGopDecoder(1, iGpu=-1, reference_closure=False)
    gops = _gops(closure_decoder, path)
    rng = np.random.default_rng(7)
    saved = 0
    for bundle, start, packet_of in gops:
        frames = sorted(packet_of)
        picks = [frames[-1], frames[len(frames) // 2], *rng.choice(frames, size=min(4, len(frames)), replace=False)]
        for target in picks:
            want = reference_twin.closure(refs, start, [packet_of[target]])
            assert want is not None
            for how in ("file", "bundle"):
                before = closure_decoder._engine.packets_fed
                if how == "file":
                    got = closure_decoder.Decode([path], [int(target)])
                else:
                    got = closure_decoder.DecodeFromGOPList([bundle], [path], [int(target)])
                assert closure_decoder._engine.packets_fed - before == len(want), f"{how}: frame {target}"
            before = full_decoder._engine.packets_fed
            full = full_decoder.Decode([path], [int(target)])
            saved += full_decoder._engine.packets_fed - before - len(want)
            assert_frames_equal(np.asarray(got[0]), np.asarray(full[0]), f"{name} frame {target}")
        # Several targets of one GOP in one pass: the union of their closures.
        union = reference_twin.closure(refs, start, [packet_of[t] for t in picks])
        before = closure_decoder._engine.packets_fed
        closure_decoder.Decode([path] * len(picks), [int(t) for t in picks])
        assert closure_decoder._engine.packets_fed - before == len(union)
    assert saved >= 0


@pytest.mark.parametrize("name", ["hevc_hier_b7_gop32", "hevc_gop300_bf3", "av1_gop250", "av1_aom_gop32"])
def test_every_frame_equals_the_ffmpeg_reference(media, reference, name):
    path = str(media[name].path)
    ref = reference(name)
    decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
    for i in range(0, len(ref), 1 if len(ref) <= 64 else 7):
        assert_frames_equal(np.asarray(decoder.Decode([path], [i])[0]), ref.native(i), f"{name} frame {i}")


def test_the_default_is_on_for_the_cpu_and_follows_the_decoder_in_bundle_calls(media, monkeypatch):
    path = str(media["av1_gop30_mp4"].path)
    assert odvd.PyNvGopDecoder(1, iGpu=-1)._engine.reference_closure
    off = odvd.PyNvGopDecoder(1, iGpu=-1, reference_closure=False)
    on = odvd.PyNvGopDecoder(1, iGpu=-1)
    (bundle, _, _), = on.GetGOPList([path], [20])
    fed = []
    for dec in (on, off):
        before = dec._engine.packets_fed
        dec.DecodeFromGOPList([bundle], [path], [20])  # None: the decoder's default
        fed.append(dec._engine.packets_fed - before)
    assert fed[0] < fed[1]
    before = off._engine.packets_fed
    off.DecodeFromGOPList([bundle], [path], [20], enable_gop_dependency_graph_optimization=True)
    assert off._engine.packets_fed - before == fed[0]


def test_codecs_not_analysed_keep_the_non_reference_skip(media):
    for name, codec in (("h264_gop30_bf3", 4), ("vp9_gop30", 10)):
        path = str(media[name].path)
        decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
        (bundle, _, _), = decoder.GetGOPList([path], [0], enable_gop_dependency_graph_optimization=True)
        assert _engine._reference_lists(codec, _payload_packets(bundle)) == []
        assert bundle_twin.reference_table(bundle.tobytes()) == (None, None)
        assert bundle_twin.version(bundle.tobytes()) == 2  # nothing an older build could not read
        off = odvd.PyNvGopDecoder(1, iGpu=-1, reference_closure=False)
        for target in (5, 17, 29):
            a, b = decoder._engine.packets_fed, off._engine.packets_fed
            decoder.Decode([path], [target]), off.Decode([path], [target])
            assert decoder._engine.packets_fed - a == off._engine.packets_fed - b


def test_bundles_carry_the_table_only_when_asked_and_keep_it_through_merges(media, tmp_path):
    path = str(media["hevc_hier_b7_gop32"].path)
    decoder = odvd.CreateGopDecoder(2, iGpu=-1)
    (plain, _, _), = decoder.GetGOPList([path], [40])
    (table, _, _), = decoder.GetGOPList([path], [40], enable_gop_dependency_graph_optimization=True)
    assert bundle_twin.version(plain.tobytes()) == 2 and bundle_twin.reference_table(plain.tobytes()) == (None, None)
    assert bundle_twin.version(table.tobytes()) == 3
    merged = decoder.MergePacketDataToOne([plain, table])
    assert bundle_twin.reference_table(merged.tobytes(), 1)[1] == bundle_twin.reference_table(table.tobytes())[1]
    odvd.SavePacketsToFile(table, str(tmp_path / "g.bin"))
    loaded = decoder.LoadGops([str(tmp_path / "g.bin")])
    assert loaded.tobytes() == table.tobytes()
    # Decoding the same frame from both kinds gives the same pixels, the closure or not.
    frames = [np.asarray(decoder.DecodeFromGOPListRGB([b], [path], [41], enable_gop_dependency_graph_optimization=g)[0])
              for b in (plain, table) for g in (True, False)]
    for f in frames[1:]:
        assert_frames_equal(f, frames[0], "frame 41")
    # The GOP cache keeps bundles with tables apart from those without.
    decoder.GetGOPList([path], [40], useGOPCache=True)
    decoder.GetGOPList([path], [41], useGOPCache=True, enable_gop_dependency_graph_optimization=True)
    assert decoder.isCacheHit() == [False]
    (hit, _, _), = decoder.GetGOPList([path], [42], useGOPCache=True, enable_gop_dependency_graph_optimization=True)
    assert decoder.isCacheHit() == [True] and bundle_twin.version(hit.tobytes()) == 3


def test_a_table_that_disagrees_with_its_bitstream_is_refused(media):
    path = str(media["hevc_hier_b7_gop32"].path)
    decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
    (bundle, _, _), = decoder.GetGOPList([path], [40], enable_gop_dependency_graph_optimization=True)
    buf = bytearray(bundle.tobytes())
    at, lists = bundle_twin.reference_table(bytes(buf))
    # A packet said to reference itself: a malformed table, refused whatever the decode asks.
    n = len(lists)
    row = list(struct.unpack_from(f"<{n + 1}I", buf, at + 8))
    k = next(i for i, r in enumerate(lists) if r)
    struct.pack_into("<I", buf, at + 8 + 4 * (n + 1) + 4 * (row[k + 1] - 1), k)
    for closure in (True, False):
        with pytest.raises(ValueError, match=f"packet {k}: references packet {k} \\(only earlier packets"):
            decoder.DecodeFromGOPList([bundle_twin.with_crc(buf)], [path], [41],
                                      enable_gop_dependency_graph_optimization=closure)
    # A well-formed table naming another packet than the bitstream does: one reference of packet k
    # swapped for an earlier packet it does not reference.
    buf = bytearray(bundle.tobytes())
    k = next(i for i, r in enumerate(lists) if r and any(p not in r for p in range(i)))
    other = next(p for p in range(k) if p not in lists[k])
    row_refs = sorted((set(lists[k]) - {lists[k][-1]}) | {other})
    struct.pack_into(f"<{len(row_refs)}I", buf, at + 8 + 4 * (n + 1) + 4 * row[k], *row_refs)
    with pytest.raises(ValueError, match=f"packet {k}: the entry's reference table does not match its bitstream"):
        decoder.DecodeFromGOPList([bundle_twin.with_crc(buf)], [path], [41])
    # The table's agreement with the bitstream matters only to closure decoding.
    (frame,) = decoder.DecodeFromGOPList([bundle_twin.with_crc(buf)], [path], [41],
                                         enable_gop_dependency_graph_optimization=False)
    assert frame.frame_id == 41


def test_gop_groups_and_the_batch_decoder_take_the_option(media):
    path = str(media["hevc_hier_b7_gop32"].path)
    decoder = odvd.CreateGopDecoder(1, iGpu=-1)
    groups = decoder.GetGOPGroups([{"filepath": path, "frame_ids": [31, 1, 20, 10, 31]}],
                                  enable_gop_dependency_graph_optimization=True)
    assert [g["frame_ids"] for g in groups] == [[1, 10, 20, 31]]
    assert len(bundle_twin.reference_table(groups[0]["gop_data"].tobytes())[1]) == 32
    before = decoder._engine.packets_fed
    closure = decoder.DecodeFromGOPGroupsRGB(groups, enable_gop_dependency_graph_optimization=True)
    fed_closure = decoder._engine.packets_fed - before
    before = decoder._engine.packets_fed
    complete = decoder.DecodeFromGOPGroupsRGB(groups, enable_gop_dependency_graph_optimization=False)
    assert fed_closure <= decoder._engine.packets_fed - before
    for a, b in zip(closure[0]["frames"], complete[0]["frames"]):
        assert_frames_equal(np.asarray(a), np.asarray(b), "group frame")
    batch = odvd.CreateBatchAsyncGopDecoder(1, 4, iGpu=-1)
    batch.DecodeFromGOPListRGB([[groups[0]["gop_data"]]], [path], [[1, 10, 20, 31]],
                               enable_gop_dependency_graph_optimization=True)
    for a, b in zip(batch.DecodeFromGOPListRGBGetBuffer([path], [[1, 10, 20, 31]])[0], complete[0]["frames"]):
        assert_frames_equal(np.asarray(a), np.asarray(b), "batch frame")


@pytest.mark.needs_cuda
@pytest.mark.parametrize("name", ["hevc_hier_b7_gop32", "hevc_gop300_bf3", "av1_gop30_mp4", "av1_aom_gop32"])
@pytest.mark.parametrize("gpu_backend", ["cuvid", "ffmpeg"])
def test_gpu_backends_decode_closures_to_the_cpus_frames(media, name, gpu_backend, monkeypatch):
    """NVDEC fed only closures (HEVC pictures left out are missing `foll` references to its parser)
    gives the CPU's frames, with the same packets fed."""
    monkeypatch.setenv("ODVD_EXPERIMENTAL_NVDEC", "1")  # the GPU backends are opt-in until validated
    path = str(media[name].path)
    cpu = odvd.PyNvGopDecoder(1, iGpu=-1)
    gpu = odvd.PyNvGopDecoder(1, iGpu=0, gpu_backend=gpu_backend, reference_closure=True)
    assert not odvd.PyNvGopDecoder(1, iGpu=0, gpu_backend=gpu_backend)._engine.reference_closure  # off until validated
    n = int(cpu._engine.stream_params(path)["frame_count"])
    for target in sorted({0, n // 3, n // 2, n - 1, 7 % n, 13 % n}):
        a, b = cpu._engine.packets_fed, gpu._engine.packets_fed
        expected = np.asarray(cpu.Decode([path], [target])[0])
        got = np.asarray(gpu.Decode([path], [target])[0].cpu())
        assert gpu._engine.packets_fed - b == cpu._engine.packets_fed - a
        assert_frames_equal(got, expected, f"{gpu_backend} {name} frame {target}")

"""GOP bundles are untrusted input: the layout of docs/bundle-format.md, read back independently
here with struct and the NumPy twin (bundle_twin.py), and every rule of the spec is checked: a field
or a relation between fields made wrong (with the checksum made to match again) raises ValueError
naming it, never a crash. The checksum itself: test_bundle_integrity.py.
"""

import os
import struct

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from bundle_twin import (DISCARD, ENTRY_HEADER, HEADER, PACKET, PREFIX, checksum, entry_layout, packets, set_packet,
                         with_crc)

# (offset in the entry header, struct format, a bad value, words the message names)
ENTRY_FIELDS = [
    (0, "<I", 64, "entry_header_size"),
    (4, "<I", 99, "codec"),
    (12, "<I", 0, "coded_width"),
    (16, "<I", 70000, "coded_height"),
    (12, "<I", 192, "coded_width=192 is not width=176 aligned up to the codec's 16-pixel block \\(176\\)"),
    (16, "<I", 152, "coded_height=152 is not height=144 aligned up to the codec's 16-pixel block \\(144\\)"),
    (20, "<I", 100, "coded_width=176 is not width=100 aligned up to .* \\(112\\)"),
    (20, "<I", 0, "width"),
    (24, "<I", 1 << 20, "height"),
    (28, "<B", 9, "bit_depth"),
    (29, "<B", 3, "chroma_format"),
    (31, "<B", 7, "color_range"),
    (34, "<H", 1, "reserved"),
    (36, "<i", 0, "time_base"),
    (40, "<i", -5, "time_base"),
    (44, "<I", 0, "gop_len"),
    (48, "<q", -1, "first_frame_id"),
    (56, "<q", 0, "frame_count"),
    (64, "<I", 1 << 30, "packet_count"),
    (68, "<I", 1 << 30, "extradata_size"),
    (72, "<I", 1 << 30, "path_size"),
    (76, "<I", 3, "reserved"),
    (80, "<Q", 1 << 40, "payload_size"),
    (100, "<B", 1, "reserved"),
]


@pytest.fixture(scope="module")
def decoder():
    return odvd.PyNvGopDecoder(maxfiles=4, iGpu=-1)


@pytest.fixture(scope="module")
def bundle(decoder, media):
    path = str(media["h264_gop30_bf3"].path)
    data, first, lens = decoder.GetGOP([path, path], [40, 75])
    return path, data, first, lens


def test_layout_matches_the_spec(bundle, media, reference):
    path, data, first, lens = bundle
    buf = data.tobytes()
    assert buf[:8] == b"ODVDGOPB"
    version, header_size, count, total, crc = struct.unpack_from("<HHIQQ", buf, 8)
    assert (version, header_size, count, total) == (2, 32, 2, len(buf))
    assert crc == checksum(buf)
    ref = reference("h264_gop30_bf3")
    for k in range(count):
        off, size, table, n = entry_layout(buf, k)
        codec, _, cw, ch, w, h = struct.unpack_from("<IiIIII", buf, off + 4)
        assert (codec, w, h) == (4, ref.width, ref.height)
        assert (cw, ch) == (-(-w // 16) * 16, -(-h // 16) * 16)  # H.264: aligned up to its 16-pixel block
        bit_depth, chroma = buf[off + 28], buf[off + 29]
        assert (bit_depth, chroma) == (8, 1)
        tb_num, tb_den, gop_len, first_id, frame_count = struct.unpack_from("<iiIqq", buf, off + 36)
        assert (first_id, gop_len, frame_count) == (first[k], lens[k], len(ref))
        assert tb_num / tb_den == pytest.approx(float(ref.time_base))
        extradata, path_size = struct.unpack_from("<II", buf, off + 68)
        assert buf[off + ENTRY_HEADER + extradata: off + ENTRY_HEADER + extradata + path_size].decode() == path
        payload_size = struct.unpack_from("<Q", buf, off + 80)[0]
        payload = table + n * PACKET
        pts_seen, expected_offset = [], 0
        for i in range(n):
            poff, psize, flags, pts, dts, fid = struct.unpack_from("<QIIqqq", buf, table + i * PACKET)
            assert poff == expected_offset
            expected_offset += psize
            if fid >= 0:
                assert pts == int(ref.pts[fid])  # each packet says which frame it is
                pts_seen.append(fid)
            if i == 0:
                assert flags & 1  # starts at a key frame
        assert expected_offset == payload_size and payload + payload_size <= off + size
        assert sorted(pts_seen) == list(range(first[k], first[k] + lens[k]))


def test_valid_bundle_with_recomputed_crc_still_decodes(decoder, bundle, reference):
    path, data, _, _ = bundle
    frames = decoder.DecodeFromGOP(with_crc(bytearray(data.tobytes())), [path], [40])
    np.testing.assert_array_equal(np.asarray(frames[0]), reference("h264_gop30_bf3").native(40))


@pytest.mark.parametrize("field_offset,fmt,value,word", ENTRY_FIELDS, ids=[f[3] + str(f[0]) for f in ENTRY_FIELDS])
def test_each_entry_header_field_is_checked(decoder, bundle, field_offset, fmt, value, word):
    path, data, _, _ = bundle
    buf = bytearray(data.tobytes())
    off = entry_layout(buf, 1)[0]
    struct.pack_into(fmt, buf, off + field_offset, value)
    with pytest.raises(ValueError, match="checksum"):  # without a matching checksum ...
        decoder.ParseSerializedPacketBundle(np.frombuffer(bytes(buf), np.uint8))
    with pytest.raises(ValueError, match=word):  # ... and with one: the field itself is named
        decoder.ParseSerializedPacketBundle(with_crc(buf))


@pytest.mark.parametrize("name,block", [("h264_odd_size", 16), ("hevc_gop30", 8), ("vp9_gop30", 8), ("av1_gop30", 8)])
def test_coded_size_is_the_display_size_aligned_to_the_codec_block(decoder, media, reference, name, block):
    path = str(media[name].path)
    ref = reference(name)
    buf = bytearray(decoder.GetGOP([path], [0])[0].tobytes())
    off = entry_layout(buf, 0)[0]
    align = lambda v: -(-v // block) * block  # noqa: E731
    assert struct.unpack_from("<IIII", buf, off + 12) == (align(ref.width), align(ref.height), ref.width, ref.height)
    # A display width whose alignment to this codec's block differs from its alignment to the other's.
    width = next(w for w in range(ref.width + 1, ref.width + 64) if align(w) != -(-w // (24 - block)) * (24 - block))
    struct.pack_into("<I", buf, off + 20, width)
    with pytest.raises(ValueError, match=f"coded_width={align(ref.width)} is not width={width} aligned up to the "
                                         f"codec's {block}-pixel block \\({align(width)}\\)"):
        decoder.ParseSerializedPacketBundle(with_crc(bytearray(buf)))
    struct.pack_into("<I", buf, off + 12, align(width))  # consistent again: the parser takes it
    assert decoder.ParseSerializedPacketBundle(with_crc(bytearray(buf)))[2] == [width]


@pytest.mark.parametrize("field,value,word", [
    ("magic", b"XXXXXXXX", "magic"),
    ("version", 5, "version 5"),
    ("header_size", 40, "header_size"),
    ("entry_count", 0, "entry_count"),
    ("entry_count", 1 << 28, "entry_count"),
    ("total_size", 12, "total_size"),
    ("entry_offset", 3, "offset"),
    ("entry_offset", 1 << 40, "offset"),
    ("entry_size", 1 << 40, "size"),
])
def test_each_bundle_header_field_is_checked(decoder, bundle, field, value, word):
    buf = bytearray(bundle[1].tobytes())
    where = {"magic": (0, None), "version": (8, "<H"), "header_size": (10, "<H"), "entry_count": (12, "<I"),
             "total_size": (16, "<Q"), "entry_offset": (32, "<Q"), "entry_size": (40, "<Q")}
    pos, fmt = where[field]
    if fmt is None:
        buf[pos:pos + len(value)] = value
    else:
        struct.pack_into(fmt, buf, pos, value)
    with pytest.raises(ValueError, match=word):
        decoder.ParseSerializedPacketBundle(with_crc(buf))


@pytest.mark.parametrize("field,index,value,word", [
    ("offset", 1, 5, "offset"),
    ("size", 2, 1 << 31, "size"),
    ("size", 0, 0, "size"),
    ("flags", 3, 1 << 9, "flags"),
    ("flags", 0, 0, "key frame"),
    ("frame_id", 4, 1 << 40, "frame_id"),
    ("frame_id", 4, -7, "frame_id"),
])
def test_packet_table_fields_are_checked(decoder, bundle, field, index, value, word):
    buf = bytearray(bundle[1].tobytes())
    _, _, table, _ = entry_layout(buf, 0)
    pos, fmt = {"offset": (0, "<Q"), "size": (8, "<I"), "flags": (12, "<I"), "frame_id": (32, "<q")}[field]
    struct.pack_into(fmt, buf, table + index * PACKET + pos, value)
    with pytest.raises(ValueError, match=word):
        decoder.ParseSerializedPacketBundle(with_crc(buf))


def _in_range(buf, k, which):
    """Index of the packet of entry k producing the `which`-th frame of its range."""
    off = entry_layout(buf, k)[0]
    first = struct.unpack_from("<q", buf, off + 48)[0]
    return next(i for i, p in enumerate(packets(buf, k)) if p["frame_id"] == first + which)


def _prefix_after_start(buf):
    set_packet(buf, 0, 2, "flags", packets(buf, 0)[2]["flags"] | PREFIX)


def _first_packet_prefix(buf):
    set_packet(buf, 0, 0, "flags", packets(buf, 0)[0]["flags"] | PREFIX)


def _frame_twice(buf):
    set_packet(buf, 0, _in_range(buf, 0, 3), "frame_id", packets(buf, 0)[_in_range(buf, 0, 4)]["frame_id"])


def _frame_missing(buf):
    i = _in_range(buf, 0, 5)
    set_packet(buf, 0, i, "frame_id", -1)
    set_packet(buf, 0, i, "flags", packets(buf, 0)[i]["flags"] | DISCARD)


def _discarded_with_frame(buf):
    set_packet(buf, 0, 3, "flags", packets(buf, 0)[3]["flags"] | DISCARD)


def _no_frame_not_discarded(buf):
    set_packet(buf, 0, 3, "frame_id", -1)


def _entries_overlap(buf):
    struct.pack_into("<QQ", buf, HEADER + 16, *struct.unpack_from("<QQ", buf, HEADER))


def _entries_swapped(buf):
    e0, e1 = struct.unpack_from("<QQ", buf, HEADER), struct.unpack_from("<QQ", buf, HEADER + 16)
    struct.pack_into("<QQQQ", buf, HEADER, *e1, *e0)


def _path_not_utf8(buf):
    off = entry_layout(buf, 0)[0]
    extradata = struct.unpack_from("<I", buf, off + 68)[0]
    buf[off + ENTRY_HEADER + extradata + 1] = 0xFF


# Rules that relate fields to each other (docs/bundle-format.md), each broken alone on a real bundle.
RELATIONS = {
    "prefix after the start": (_prefix_after_start, "packet 2: flags: a prefix packet after"),
    "prefix holding a frame of the GOP": (_first_packet_prefix, "packet 0: a prefix packet .* produces frame_id="),
    "frame produced twice": (_frame_twice, "frame_id=.* is produced by packets .* and"),
    "frame of the range missing": (_frame_missing, "no packet produces frame_id="),
    "discarded packet with a frame": (_discarded_with_frame, "packet 3: .*discarded"),
    "frame_id -1 not discarded": (_no_frame_not_discarded, "packet 3: frame_id=-1 .*discarded"),
    "entries overlap": (_entries_overlap, "entry 1: offset=.*\\(entries follow one another"),
    "entries out of table order": (_entries_swapped, "entry 0: offset=.*\\(entries follow one another"),
    "source_path not UTF-8": (_path_not_utf8, "source_path is not valid UTF-8"),
}


@pytest.mark.parametrize("case", list(RELATIONS))
def test_relations_between_fields_are_checked(decoder, bundle, case):
    make, message = RELATIONS[case]
    buf = bytearray(bundle[1].tobytes())
    make(buf)
    with pytest.raises(ValueError, match=message):
        decoder.ParseSerializedPacketBundle(with_crc(buf))


def test_bytes_after_the_last_entry_are_refused(decoder, bundle):
    buf = bytearray(bundle[1].tobytes()) + bytes(8)
    struct.pack_into("<Q", buf, 16, len(buf))
    with pytest.raises(ValueError, match="entry 1 ends at .* but total_size="):
        decoder.ParseSerializedPacketBundle(with_crc(buf))


@pytest.fixture(scope="module")
def padded_bundle(decoder, media, tmp_path_factory):
    """A one-entry bundle with padding after the source path and after the payload: the file is
    reached through a link whose name makes extradata + path a multiple of 8 plus 3, and the frame's
    GOP is one whose payload is not a multiple of 8."""
    src = media["h264_gop30_bf3"].path
    probe, _, _ = decoder.GetGOP([str(src)], [0])
    off = entry_layout(probe.tobytes(), 0)[0]
    extradata = struct.unpack_from("<I", probe.tobytes(), off + 68)[0]
    folder = tmp_path_factory.mktemp("padded")
    stem = str(folder / "clip")
    while (extradata + len((stem + ".mp4").encode())) % 8 != 3:
        stem += "_"
    link = stem + ".mp4"
    os.symlink(src, link)
    for frame in (0, 30, 60):
        data, _, _ = decoder.GetGOP([link], [frame])
        buf = data.tobytes()
        if struct.unpack_from("<Q", buf, entry_layout(buf, 0)[0] + 80)[0] % 8:
            return link, buf
    raise AssertionError("every GOP of the clip has a payload that is a multiple of 8 bytes")


@pytest.mark.parametrize("where", ["after the path", "after the payload"])
def test_padding_must_be_zero(decoder, padded_bundle, where):
    link, data = padded_bundle
    buf = bytearray(data)
    off, size, table, n = entry_layout(buf, 0)
    extradata, path_size = struct.unpack_from("<II", buf, off + 68)
    payload_size = struct.unpack_from("<Q", buf, off + 80)[0]
    pos = off + ENTRY_HEADER + extradata + path_size if where == "after the path" else table + n * PACKET + payload_size
    assert buf[pos] == 0 and pos % 8, "the bundle must have padding there"
    decoder.ParseSerializedPacketBundle(with_crc(buf))  # valid as it is
    buf[pos] = 0x20
    with pytest.raises(ValueError, match=f"entry 0: padding {where} is not zero"):
        decoder.ParseSerializedPacketBundle(with_crc(buf))


def test_truncation_at_every_section_raises(decoder, bundle):
    buf = bundle[1].tobytes()
    off, size, table, n = entry_layout(buf, 1)
    cuts = {0, 7, HEADER - 1, HEADER, HEADER + 8, off, off + 64, off + ENTRY_HEADER, table, table + PACKET * n // 2,
            table + PACKET * n, table + PACKET * n + 100, len(buf) - 1}
    for cut in sorted(cuts):
        with pytest.raises(ValueError):
            decoder.ParseSerializedPacketBundle(np.frombuffer(buf[:cut], np.uint8))
        if cut >= HEADER:  # also with the header's sizes and checksum made consistent with the cut
            short = bytearray(buf[:cut])
            cut -= (cut - HEADER) % 8  # keep the checksum's word alignment
            short = short[:cut]
            struct.pack_into("<Q", short, 16, cut)
            with pytest.raises(ValueError):
                decoder.ParseSerializedPacketBundle(with_crc(short))


def test_bad_types_and_non_bundles(decoder, tmp_path):
    with pytest.raises(ValueError, match="uint8"):
        decoder.ParseSerializedPacketBundle(np.zeros(100, np.float32))
    with pytest.raises(ValueError, match="magic"):
        decoder.ParseSerializedPacketBundle(np.zeros(100, np.uint8))
    with pytest.raises(ValueError, match="magic"):
        odvd.SavePacketsToFile(np.zeros(64, np.uint8), str(tmp_path / "x.bin"))
    assert not list(tmp_path.iterdir()), "nothing written for invalid data"
    (tmp_path / "junk.bin").write_bytes(b"junk" * 20)
    with pytest.raises(ValueError, match="junk.bin"):
        decoder.LoadGopsToList([str(tmp_path / "junk.bin")])
    with pytest.raises(FileNotFoundError):
        decoder.LoadGops([str(tmp_path / "missing.bin")])


def test_save_is_atomic_and_keeps_the_old_file_on_failure(bundle, tmp_path):
    dst = tmp_path / "gop.bin"
    odvd.SavePacketsToFile(bundle[1], str(dst))
    assert dst.read_bytes() == bundle[1].tobytes()
    with pytest.raises(ValueError):
        odvd.SavePacketsToFile(np.zeros(64, np.uint8), str(dst))
    assert dst.read_bytes() == bundle[1].tobytes(), "a failed save leaves the previous file intact"
    assert [p.name for p in tmp_path.iterdir()] == ["gop.bin"], "no temporary files left behind"
    with pytest.raises(FileNotFoundError):
        odvd.SavePacketsToFile(bundle[1], str(tmp_path / "no" / "such" / "dir.bin"))


def test_merge_keeps_every_entry_in_order(decoder, bundle, media):
    path, data, first, lens = bundle
    other_path = str(media["hevc_gop30"].path)
    other, f2, l2 = decoder.GetGOP([other_path], [50])
    merged = decoder.MergePacketDataToOne([data, other])
    parsed = decoder.ParseSerializedPacketBundle(merged)
    assert parsed[6] == first + f2 and parsed[5] == lens + l2 and parsed[1] == [4, 4, 8]
    frames = decoder.DecodeFromGOP(merged, [other_path, path], [50, 75])
    assert [f.frame_id for f in frames] == [50, 75]

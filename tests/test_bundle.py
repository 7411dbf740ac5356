"""GOP bundles are untrusted input: the layout of docs/bundle-format.md, read back independently
here with struct/zlib, and every corruption the tests can think of raises ValueError (never a crash).
"""

import struct

import numpy as np
import pytest

import on_demand_video_decoder as odvd

HEADER = 32
ENTRY_HEADER = 128
PACKET = 40

# (offset in the entry header, struct format, a bad value, words the message names)
ENTRY_FIELDS = [
    (0, "<I", 64, "entry_header_size"),
    (4, "<I", 99, "codec"),
    (12, "<I", 0, "coded_width"),
    (16, "<I", 70000, "coded_height"),
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


def checksum(data: bytes) -> int:
    """docs/bundle-format.md "Checksum", written from the spec: 8 lanes of 64-bit word sums."""
    words = np.frombuffer(data[: len(data) // 8 * 8], dtype="<u8")
    mask = (1 << 64) - 1
    h = 0
    for lane in range(8):
        x = words[lane::8]
        a = int(x.sum(dtype=np.uint64))
        b = int((np.arange(len(x), 0, -1, dtype=np.uint64) * x).sum(dtype=np.uint64))
        odd = 0x9E3779B97F4A7C15 * (2 * lane + 1)
        h += a * odd + b * 2 * odd
    h &= mask
    for shift, mul in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB), (31, 1)):
        h = ((h ^ (h >> shift)) * mul) & mask
    return h


def with_crc(buf: bytearray) -> np.ndarray:
    struct.pack_into("<Q", buf, 24, checksum(bytes(buf[HEADER:])))
    return np.frombuffer(bytes(buf), dtype=np.uint8)


def entry_layout(buf: bytes, k: int = 0):
    off, size = struct.unpack_from("<QQ", buf, HEADER + 16 * k)
    extradata, path = struct.unpack_from("<II", buf, off + 68)
    var = (extradata + path + 7) & ~7
    table = off + ENTRY_HEADER + var
    n = struct.unpack_from("<I", buf, off + 64)[0]
    return off, size, table, n


def test_layout_matches_the_spec(bundle, media, reference):
    path, data, first, lens = bundle
    buf = data.tobytes()
    assert buf[:8] == b"ODVDGOPB"
    version, header_size, count, total, crc = struct.unpack_from("<HHIQQ", buf, 8)
    assert (version, header_size, count, total) == (1, 32, 2, len(buf))
    assert crc == checksum(buf[HEADER:])
    ref = reference("h264_gop30_bf3")
    for k in range(count):
        off, size, table, n = entry_layout(buf, k)
        codec, _, cw, ch, w, h = struct.unpack_from("<IiIIII", buf, off + 4)
        assert (codec, w, h) == (4, ref.width, ref.height) and cw >= w and ch >= h
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


@pytest.mark.parametrize("field,value,word", [
    ("magic", b"XXXXXXXX", "magic"),
    ("version", 2, "version 2"),
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


def test_flipped_payload_bytes_are_caught_by_the_checksum(decoder, bundle):
    path, data, _, _ = bundle
    buf = data.tobytes()
    off, size, table, n = entry_layout(buf, 0)
    rng = np.random.default_rng(0)
    for pos in rng.integers(table + n * PACKET, off + size - 8, 20):
        bad = bytearray(buf)
        bad[pos] ^= 0x40
        with pytest.raises(ValueError, match="checksum"):
            decoder.DecodeFromGOP(np.frombuffer(bytes(bad), np.uint8), [path], [40])


def test_every_high_bit_flip_is_caught(decoder, bundle):
    # Flips in a word's top bits are the ones a sum modulo 2^64 can lose (they change a lane's weighted
    # sum by a multiple of 2^62); try each of the top 8 bits of 128 consecutive words (all 8 lanes at 16
    # positions each) in the payload and in the packet table.
    buf = bundle[1].tobytes()
    off, size, table, n = entry_layout(buf, 0)
    for start in (table, table + n * PACKET):
        start -= (start - HEADER) % 8
        for word in range(start, start + 128 * 8, 8):
            for bit in range(56, 64):
                bad = bytearray(buf)
                bad[word + bit // 8] ^= 1 << (bit % 8)
                with pytest.raises(ValueError, match="checksum"):
                    decoder.ParseSerializedPacketBundle(np.frombuffer(bytes(bad), np.uint8))


def test_wrong_version_is_named(decoder, bundle):
    buf = bytearray(bundle[1].tobytes())
    struct.pack_into("<H", buf, 8, 7)
    with pytest.raises(ValueError, match="unsupported GOP bundle version 7"):
        decoder.DecodeFromGOPRGB(np.frombuffer(bytes(buf), np.uint8), [bundle[0]], [40])


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

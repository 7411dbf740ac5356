"""The bundle checksum (docs/bundle-format.md "Checksum") against an independent implementation of
XXH3-64 (the `xxhash` package), the damage it must catch (every flipped bit or byte, every swap of two
unequal words, which version 1's lane sums could miss), and the version policy: version 1 is still
read with its own checksum, later versions are refused naming the versions this build reads."""

import struct

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from bundle_twin import HEADER, PACKET, checksum_v1, entry_layout, with_crc
from on_demand_video_decoder import _engine

xxhash = pytest.importorskip("xxhash")  # in the test extras; carried to the GPU machine by its kit


@pytest.fixture(scope="module")
def decoder():
    return odvd.PyNvGopDecoder(maxfiles=4, iGpu=-1)


@pytest.fixture(scope="module")
def bundle(decoder, media):
    path = str(media["h264_gop30_bf3"].path)
    data, first, lens = decoder.GetGOP([path, path], [40, 75])
    return path, data


def test_checksum_is_xxh3_64_of_the_bytes_after_the_header(bundle):
    buf = bundle[1].tobytes()
    assert struct.unpack_from("<Q", buf, 24)[0] == xxhash.xxh3_64_intdigest(buf[HEADER:])
    # The engine's XXH3 (whichever vector unit it picked at run time) on every length up to 300 bytes
    # and a large one: each of XXH3's code paths by input size.
    rng = np.random.default_rng(5)
    for n in list(range(0, 301)) + [4096, 250_001]:
        data = rng.integers(0, 256, n, dtype=np.uint8)
        assert _engine._bundle_checksum(data) == xxhash.xxh3_64_intdigest(data.tobytes()), n


def test_flipped_payload_bytes_are_caught_by_the_checksum(decoder, bundle):
    path, data = bundle
    buf = data.tobytes()
    off, size, table, n = entry_layout(buf, 0)
    rng = np.random.default_rng(0)
    for pos in rng.integers(table + n * PACKET, off + size - 8, 20):
        bad = bytearray(buf)
        bad[pos] ^= 0x40
        with pytest.raises(ValueError, match="checksum"):
            decoder.DecodeFromGOP(np.frombuffer(bytes(bad), np.uint8), [path], [40])


def test_every_high_bit_flip_is_caught(decoder, bundle):
    # Flips in a word's top bits were the ones version 1's sums modulo 2^64 could lose; try each of the
    # top 8 bits of 128 consecutive words in the payload and in the packet table.
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


def _swaps(words: np.ndarray, lo: int, hi: int, count: int, rng) -> int:
    """Swaps `count` random pairs of unequal words in [lo, hi) one at a time, undoing each; returns the
    number of swaps the parser did not reject."""
    missed = 0
    buf = words.view(np.uint8)
    done = 0
    while done < count:
        i, j = (int(x) for x in rng.integers(lo, hi, 2))
        if words[i] == words[j]:
            continue
        done += 1
        words[i], words[j] = words[j], words[i]
        try:
            _engine._parse_bundle(buf)
            missed += 1
        except ValueError as e:
            assert "checksum" in str(e)
        words[i], words[j] = words[j], words[i]
    return missed


def test_two_word_swaps_are_all_caught(bundle):
    # Version 1's lane sums missed about 2 in 10,000 of these swaps on this very bundle (a change
    # d * (weight difference) that vanished modulo 2^64); XXH3 mixes every word with its position.
    buf = bytearray(bundle[1].tobytes())
    words = np.frombuffer(buf, dtype="<u8")  # word 4 onwards: everything after the 32-byte header
    rng = np.random.default_rng(2024)
    missed = _swaps(words, HEADER // 8, len(words), 20_000, rng)
    # Within one packet table (small integers, many alike: offsets, sizes, pts, frame ids).
    off, size, table, n = entry_layout(buf, 1)
    missed += _swaps(words, table // 8, (table + n * PACKET) // 8, 5_000, rng)
    assert missed == 0, f"{missed} of 25,000 two-word swaps passed the checksum"


def test_version_1_bundles_are_still_read(decoder, bundle, reference, tmp_path):
    path, data = bundle
    v1 = bytearray(data.tobytes())
    struct.pack_into("<H", v1, 8, 1)
    old = with_crc(v1)  # version 1's lane sums (bundle_twin.checksum_v1)
    assert struct.unpack_from("<Q", old.tobytes(), 24)[0] == checksum_v1(bytes(v1[HEADER:]))
    frames = decoder.DecodeFromGOP(old, [path, path], [40, 75])
    for f, i in zip(frames, (40, 75)):
        np.testing.assert_array_equal(np.asarray(f), reference("h264_gop30_bf3").native(i))
    # Its own checksum still protects it, and a version-2 checksum is not accepted for it.
    bad = bytearray(old.tobytes())
    bad[len(bad) - 100] ^= 1
    with pytest.raises(ValueError, match="checksum"):
        decoder.ParseSerializedPacketBundle(np.frombuffer(bytes(bad), np.uint8))
    v1_with_v2_sum = bytearray(data.tobytes())
    struct.pack_into("<H", v1_with_v2_sum, 8, 1)
    with pytest.raises(ValueError, match="checksum"):
        decoder.ParseSerializedPacketBundle(np.frombuffer(bytes(v1_with_v2_sum), np.uint8))
    # A version-1 file on disk loads; merging rewrites it as version 2.
    odvd.SavePacketsToFile(old, str(tmp_path / "old.bin"))
    assert (tmp_path / "old.bin").read_bytes() == old.tobytes()
    assert decoder.LoadGopsToList([str(tmp_path / "old.bin")])[0].tobytes() == old.tobytes()
    merged = decoder.LoadGops([str(tmp_path / "old.bin")]).tobytes()
    assert struct.unpack_from("<H", merged, 8)[0] == 2 and merged[HEADER:] == data.tobytes()[HEADER:]


@pytest.mark.parametrize("version", [0, 5, 7])
def test_other_versions_are_refused_naming_the_versions_read(decoder, bundle, version):
    buf = bytearray(bundle[1].tobytes())
    struct.pack_into("<H", buf, 8, version)
    message = (f"unsupported GOP bundle version {version} \\(this build reads versions 1 to 4\\).*"
               "GetGOP / GetGOPList")
    with pytest.raises(ValueError, match=message):
        decoder.DecodeFromGOPRGB(np.frombuffer(bytes(buf), np.uint8), [bundle[0]], [40])

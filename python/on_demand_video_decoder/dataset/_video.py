"""The per-video work of ``prepare``: one video -> one catalogue row (metadata and GOP table) and its
GOPs as bundles; one batch of videos -> rows plus shard files of bounded size.

Everything here is deterministic in its input (the same video gives the same row and the same bundle
bytes), so the local and the Ray engine, and a rerun after a crash, write the same store.
"""

import hashlib
import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..seed._gop_decoder import PyNvGopDecoder
from ..sources._stream_info import info_from_report
from ._scan import Source, is_url

ALIGN = 8  # each bundle starts on an 8-byte boundary of its shard (bundles are multiples of 8 long)
STREAM_FIELDS = ("codec", "ff_codec_id", "width", "height", "coded_width", "coded_height", "bit_depth",
                 "chroma_format", "color_space", "color_range", "color_primaries", "color_trc")
INFO_FIELDS = ("codec_id", "codec_type", "format", "time_base_num", "time_base_den", "start_time", "duration",
               "avg_frame_rate_num", "avg_frame_rate_den", "r_frame_rate_num", "r_frame_rate_den", "num_frames")


@dataclass
class VideoResult:
    """One video's catalogue row (``row``) and, with bundles, its GOPs' bundles in GOP order."""

    row: Dict[str, object]
    bundles: List[np.ndarray] = field(default_factory=list)


def _contiguous(firsts: Sequence[int], lens: Sequence[int], frames: int) -> bool:
    return (len(firsts) > 0 and firsts[0] == 0 and all(n >= 1 for n in lens)
            and all(f + n == g for f, n, g in zip(firsts, lens, list(firsts[1:]) + [frames])))


def _gop_by_gop(decoder, path: str) -> Tuple[List[int], List[int], List[np.ndarray]]:
    """The GOPs when the index's GOPs do not tile the frames exactly: frame 0's GOP, then the GOP
    starting after it, ... until the frame id runs past the end (IndexError), each as a bundle."""
    firsts, lens, bundles = [], [], []
    frame = 0
    while True:
        try:
            bundle, first, n = decoder.GetGOPList([path], [frame])[0]
        except IndexError:
            if frame == 0:
                raise
            break
        if first[0] != frame or n[0] < 1:
            raise ValueError(f"GOP table not contiguous at frame {frame}: GOP starts at {first[0]}, {n[0]} frames")
        firsts.append(int(first[0]))
        lens.append(int(n[0]))
        bundles.append(bundle)
        frame = first[0] + n[0]
    return firsts, lens, bundles


def _gop_table(decoder, path: str, frames: int, bundles: bool):
    """(firsts, lens, source offsets, source lengths, bundles) of a video. The engine's GOP table
    (one GOP per key packet, as GetGOP bundles it) when its GOPs tile the frames exactly, and then its
    GOPs as bundles from one GetGOPList call (only with ``bundles``); else GOP by GOP (_gop_by_gop),
    without source ranges."""
    table = decoder._engine.gop_table(path)
    firsts, lens = table["first_frame_id"].tolist(), table["gop_len"].tolist()
    if not _contiguous(firsts, lens, frames):
        firsts, lens, got = _gop_by_gop(decoder, path)
        return firsts, lens, None, None, got if bundles else []
    offsets, lengths = table["src_offset"], table["src_length"]
    ranges = (None, None) if np.any(offsets < 0) else (offsets.tolist(), lengths.tolist())
    got = []
    if bundles:
        got = decoder.GetGOPList([path] * len(firsts), firsts)
        if [int(g[1][0]) for g in got] != firsts or [int(g[2][0]) for g in got] != lens:
            raise ValueError(f"GetGOPList's GOPs differ from the GOP table of '{path}'")
        got = [g[0] for g in got]
    return firsts, lens, ranges[0], ranges[1], got


def empty_row(src: Source) -> Dict[str, object]:
    return {"path": src.path, "bundle_path": src.local, "size": src.size, "mtime_ns": src.mtime_ns, "error": None}


def catalogue_video(decoder, src: Source, bundles: bool) -> VideoResult:
    """The catalogue row of one video; errors become the row's ``error`` (never raised)."""
    row = empty_row(src)
    try:
        # The decoder's own index of the file: gop_table and GetGOPList below read it without
        # indexing the file a second time.
        report = decoder._engine.index_report(src.local)
        params = report["params"]
        info = info_from_report(report)
        firsts, lens, src_off, src_len, gop_bundles = _gop_table(decoder, src.local, info.num_frames, bundles)
        if sum(lens) != info.num_frames:
            raise ValueError(f"GOPs hold {sum(lens)} frames, the stream has {info.num_frames}")
        for k in STREAM_FIELDS:
            row[k] = int(params[k])
        for k in INFO_FIELDS:
            row[k] = int(getattr(info, k))
        row["rotation"] = params["rotation"]
        row["frame_count"] = int(info.num_frames)
        row["extradata"] = bytes(params["extradata"])
        row["gop_count"] = len(firsts)
        row["gop_first_frame_id"] = firsts
        row["gop_len"] = lens
        row["gop_src_offset"] = src_off
        row["gop_src_length"] = src_len
        # Bundle sizes come with the bundles (``--bundles``): a catalogue alone builds none.
        row["gop_bundle_size"] = [int(b.nbytes) for b in gop_bundles] if bundles else None
        return VideoResult(row, gop_bundles)
    except Exception as e:  # noqa: BLE001 - a bad video is a row, never the end of the job
        row["error"] = f"{type(e).__name__}: {e}" if str(e) else traceback.format_exc(limit=1)
        return VideoResult(row)


_PREFETCH = 16  # videos a batch opens at once, in parallel, before cataloguing them one by one

HEADER = 32  # a bundle's header: magic, version, sizes and the XXH3-64 checksum of all its other bytes


def new_digest():
    """A shard's digest: blake2b over (offset, 32-byte header) of each bundle in it. Each header
    carries the checksum of the rest of its bundle, so the digest covers every byte of the shard
    (verify checks each bundle against its checksum, and that the padding is zero) while hashing only
    32 bytes per GOP at prepare time."""
    return hashlib.blake2b(digest_size=16)


@dataclass
class ShardBlob:
    """A shard as made by a batch: its name in the store, its bytes (or the temporary file holding
    them), size and digest (shard_digest)."""

    name: str
    size: int
    digest: str
    data: Optional[bytes] = None
    tmp_path: Optional[str] = None


def batch_id(sources: Sequence[Source]) -> str:
    """A name for a batch that depends only on its videos (path, size, mtime): a rerun that redoes a
    batch names its part and shards as the first run did."""
    h = hashlib.blake2b(digest_size=8)
    for s in sources:
        h.update(f"{s.path}\t{s.size}\t{s.mtime_ns}\n".encode())
    return h.hexdigest()


_WRITEBACK_BYTES = 8 << 20  # durable shards: start writing back every 8 MiB, so closing waits for little


def _start_writeback():
    """Linux's sync_file_range(fd, offset, nbytes, SYNC_FILE_RANGE_WRITE): the kernel starts writing the
    range to disk and returns (the fsync at the end then waits for what is left); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return lambda fd, offset, nbytes: fn(fd, offset, nbytes, 2)  # SYNC_FILE_RANGE_WRITE


_writeback = _start_writeback()


class _ShardWriter:
    """Appends bundles to shards named ``<batch>-<k>.odvds`` of at most ``bound`` bytes (a bundle larger
    than the bound gets a shard of its own), to memory or to temporary files under ``tmp_dir``. Durable
    shards are written back as they grow (sync_file_range), so the disk writes while the batch reads
    its videos instead of after."""

    def __init__(self, batch: str, bound: int, tmp_dir: Optional[str], durable: bool = True):
        self.batch, self.bound, self.tmp_dir, self.durable = batch, bound, tmp_dir, durable
        self.done: List[ShardBlob] = []
        self._k = -1
        self._size = 0
        self._open()

    def _open(self):
        self._k += 1
        self._size = 0
        self._written_back = 0
        self._hash = new_digest()
        self._name = f"{self.batch}-{self._k:04d}.odvds"
        if self.tmp_dir is None:
            self._buf = bytearray()
        else:
            self._tmp = os.path.join(self.tmp_dir, f".{self._name}.{os.getpid()}.tmp")
            self._file = open(self._tmp, "wb")

    def _write(self, data) -> None:
        if self.tmp_dir is None:
            self._buf += data
        else:
            self._file.write(data)
        self._size += len(data)
        if self.tmp_dir is not None and self.durable and _writeback and self._size - self._written_back >= _WRITEBACK_BYTES:
            self._file.flush()
            _writeback(self._file.fileno(), self._written_back, self._size - self._written_back)
            self._written_back = self._size

    def add(self, bundle: np.ndarray) -> Tuple[str, int, int]:
        if self._size and self._size + bundle.nbytes > self.bound:
            self.close()
            self._open()
        pad = -self._size % ALIGN
        if pad:
            self._write(b"\0" * pad)
        offset = self._size
        self._hash.update(offset.to_bytes(8, "little"))
        self._hash.update(memoryview(bundle[:HEADER]))
        self._write(memoryview(bundle))
        return self._name, offset, int(bundle.nbytes)

    def close(self) -> None:
        if self._size == 0 and self._k > 0:
            return
        blob = ShardBlob(self._name, self._size, self._hash.hexdigest())
        if self.tmp_dir is None:
            blob.data = bytes(self._buf)
        else:
            self._file.flush()
            if self.durable:
                os.fsync(self._file.fileno())
            self._file.close()
            blob.tmp_path = self._tmp
        self.done.append(blob)


@dataclass
class BatchResult:
    batch: str
    rows: List[Dict[str, object]]
    shards: List[ShardBlob]


def process_batch(sources: Sequence[Source], bundles: bool, shard_bound: int,
                  tmp_dir: Optional[str] = None, durable: bool = True) -> BatchResult:
    """Catalogues a batch of videos; with ``bundles`` their GOPs go into shards (in memory, or in
    temporary files under ``tmp_dir`` that the committer renames)."""
    decoder = PyNvGopDecoder(maxfiles=_PREFETCH, iGpu=-1, suppressNoColorRangeWarning=True)
    name = batch_id(sources)
    writer = _ShardWriter(name, shard_bound, tmp_dir, durable) if bundles else None
    rows = []
    for start in range(0, len(sources), _PREFETCH):
        chunk = sources[start:start + _PREFETCH]
        # The engine opens and indexes the chunk's local files in parallel (GIL released), so the
        # per-video calls below find them open.
        decoder._engine.prefetch([s.path for s in chunk if not is_url(s.path)])
        for src in chunk:
            try:
                with src.opened() as local:
                    result = catalogue_video(decoder, local, bundles)
            except Exception as e:  # noqa: BLE001 - a URL that cannot be fetched is a row too
                result = VideoResult({**empty_row(src), "error": f"{type(e).__name__}: {e}"})
            row = result.row
            row["gop_shard"] = row["gop_offset"] = None
            if writer is not None and result.bundles:
                placed = [writer.add(b) for b in result.bundles]
                row["gop_shard"] = [p[0] for p in placed]
                row["gop_offset"] = [p[1] for p in placed]
            rows.append(row)
    shards: List[ShardBlob] = []
    if writer is not None:
        writer.close()
        shards = [s for s in writer.done if s.size > 0]
        for s in writer.done:
            if s.size == 0 and s.tmp_path:
                os.unlink(s.tmp_path)
    return BatchResult(name, rows, shards)

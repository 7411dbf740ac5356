"""GopStore: reads a store made by ``prepare --bundles``: catalogue lookups, and each GOP's bundle by
one ranged read (pread for local files, a range request through fsspec for URLs). A training job
that reads through it opens no video file: frame counts and FastStreamInfos come from the catalogue."""

import os
import threading
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..common._errors import FrameIndexError
from ..sources._stream_info import FastStreamInfo
from . import _catalogue as cat
from ._scan import is_url
from ._video import INFO_FIELDS

_LIST_COLUMNS = ("gop_first_frame_id", "gop_len", "gop_src_offset", "gop_src_length", "gop_bundle_size",
                 "gop_shard", "gop_offset")


def _flat(column) -> tuple:
    """A list column as (row offsets, flat values[, names]): row i's items are values[offsets[i]:offsets[i + 1]]
    (none for a null row). Strings come dictionary-encoded: values are indices into names."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.concat_arrays(column.chunks) if column.num_chunks else pa.array([], type=column.type)
    lengths = pc.fill_null(pc.list_value_length(arr), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    values = pc.list_flatten(arr)  # null rows give no items
    offsets = _row_offsets(lengths)
    if pa.types.is_string(values.type):
        encoded = values.dictionary_encode()
        return offsets, encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist()
    return offsets, values.to_numpy(zero_copy_only=False)


def _row_offsets(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


class GopStore:
    """A prepared store (a local folder or an fsspec URL such as ``s3://bucket/store`` or
    ``memory://store``; ``storage_options`` go to fsspec).

    Videos are named as catalogued: the absolute path (or the URL) given to prepare. ``get`` returns
    bundles whose entries carry ``bundle_path(video)`` as their source path (the same path for local
    files), which is the path to give DecodeFromGOP* with them.

    >>> store = GopStore("/data/store")                                      # doctest: +SKIP
    >>> video = store.videos[0]                                              # doctest: +SKIP
    >>> bundles = store.get(video, [0, 37])                                  # doctest: +SKIP
    >>> dec = PyNvGopDecoder(maxfiles=6, iGpu=-1)                            # doctest: +SKIP
    >>> frames = dec.DecodeFromGOPListRGB(bundles, [store.bundle_path(video)] * 2, [0, 37])  # doctest: +SKIP
    """

    def __init__(self, path_or_url: str, storage_options: Optional[dict] = None):
        path_or_url = os.fspath(path_or_url)
        if is_url(path_or_url):
            import fsspec

            self._fs, self._root = fsspec.core.url_to_fs(path_or_url, **(storage_options or {}))
        else:
            self._fs, self._root = None, os.path.abspath(path_or_url)
        table, shards = cat.load(self._fs, self._root)
        self.catalogue = table  # pyarrow.Table, one row per video
        self.shards = shards
        # Scalars as Python lists (one item per video); the GOP table as flat NumPy arrays with per-row
        # offsets (about 32 bytes per GOP in memory, for catalogues of millions of GOPs).
        self._cols = table.select([n for n in table.column_names if n not in _LIST_COLUMNS and n != "extradata"]).to_pydict()
        self._rows: Dict[str, int] = {p: i for i, p in enumerate(self._cols["path"])}
        self._gops = {n: _flat(table.column(n)) for n in _LIST_COLUMNS}
        self._fds: Dict[str, int] = {}
        self._lock = threading.Lock()

    # -- the catalogue -------------------------------------------------------------------------------
    @property
    def videos(self) -> List[str]:
        """The videos catalogued without error, sorted."""
        return [p for p, e in zip(self._cols["path"], self._cols["error"]) if e is None]

    @property
    def errors(self) -> Dict[str, str]:
        """path -> error of the videos that could not be catalogued."""
        return {p: e for p, e in zip(self._cols["path"], self._cols["error"]) if e is not None}

    def _index(self, video: str) -> int:
        video = os.fspath(video)
        i = self._rows.get(video)
        if i is None and not is_url(video):
            i = self._rows.get(os.path.abspath(video))
        if i is None:
            raise KeyError(f"'{video}' is not in the catalogue")
        if self._cols["error"][i] is not None:
            raise ValueError(f"'{video}' could not be catalogued: {self._cols['error'][i]}")
        return i

    def row(self, video: str) -> dict:
        """The video's catalogue row as a dictionary."""
        return self.catalogue.slice(self._index(video), 1).to_pylist()[0]

    def bundle_path(self, video: str) -> str:
        return self._cols["bundle_path"][self._index(video)]

    def frame_count(self, video: str) -> int:
        return int(self._cols["frame_count"][self._index(video)])

    def frame_counts(self, videos: Sequence[str]) -> List[int]:
        return [self.frame_count(v) for v in videos]

    def fastStreamInfo(self, video: str) -> FastStreamInfo:
        """The video's FastStreamInfo (GetFastInitInfo's, from the catalogue)."""
        i = self._index(video)
        info = FastStreamInfo()
        for name in INFO_FIELDS:
            setattr(info, name, int(self._cols[name][i]))
        info.width, info.height = int(self._cols["width"][i]), int(self._cols["height"][i])
        return info

    def fastStreamInfos(self, videos: Sequence[str]) -> List[FastStreamInfo]:
        return [self.fastStreamInfo(v) for v in videos]

    def locate(self, video: str, frame_id: int) -> Tuple[str, int, int, int, int]:
        """(shard, offset, length, first_frame_id, gop_len) of the GOP holding ``frame_id``."""
        i = self._index(video)
        count = int(self._cols["frame_count"][i])
        if not 0 <= frame_id < count:
            raise FrameIndexError(f"frame_id={frame_id} out of range for '{video}' ({count} frames, valid ids 0..{count - 1})")
        offsets, firsts = self._gops["gop_first_frame_id"][:2]
        a, b = int(offsets[i]), int(offsets[i + 1])
        g = a + int(np.searchsorted(firsts[a:b], frame_id, side="right")) - 1
        shard_offsets, shard_idx, shard_names = self._gops["gop_shard"]
        if shard_offsets[i] == shard_offsets[i + 1]:
            raise ValueError("this store was prepared without --bundles: it has a catalogue but no GOPs")
        # Every GOP list of a row with bundles has the row's gop_count items, in the same order.
        k = g - a
        at = lambda name: self._gops[name][1][int(self._gops[name][0][i]) + k]  # noqa: E731
        return (shard_names[int(shard_idx[int(shard_offsets[i]) + k])], int(at("gop_offset")),
                int(at("gop_bundle_size")), int(firsts[g]), int(at("gop_len")))

    # -- the bundles -----------------------------------------------------------------------------------
    def read(self, shard: str, offset: int, length: int) -> np.ndarray:
        """``length`` bytes of a shard from ``offset``: one pread, or one range request."""
        if self._fs is not None:
            data = self._fs.cat_file(f"{self._root.rstrip('/')}/{cat.SHARD_DIR}/{shard}", start=offset,
                                     end=offset + length)
            out = np.frombuffer(data, dtype=np.uint8)
        else:
            out = np.empty(length, dtype=np.uint8)
            got = os.preadv(self._fd(shard), [out], offset)
            if got != length:
                raise ValueError(f"shard {shard} is short: {got} bytes at {offset}, the catalogue says {length}")
        if len(out) != length:
            raise ValueError(f"shard {shard} is short: {len(out)} bytes at {offset}, the catalogue says {length}")
        return out

    def _fd(self, shard: str) -> int:
        fd = self._fds.get(shard)
        if fd is None:
            with self._lock:
                fd = self._fds.get(shard)
                if fd is None:
                    fd = os.open(os.path.join(self._root, cat.SHARD_DIR, shard), os.O_RDONLY)
                    self._fds[shard] = fd
        return fd

    def get(self, video: str, frame_ids: Sequence[int]) -> List[np.ndarray]:
        """One bundle per frame id, the GOP holding it (a GOP asked for twice is read once and the
        same array returned), for PyNvGopDecoder.DecodeFromGOPList* with ``bundle_path(video)``."""
        got: Dict[tuple, np.ndarray] = {}
        out = []
        for f in frame_ids:
            shard, offset, length, _, _ = self.locate(video, int(f))
            key = (shard, offset)
            if key not in got:
                got[key] = self.read(shard, offset, length)
            out.append(got[key])
        return out

    def get_gop_list(self, videos: Sequence[str], frame_ids: Sequence[int]) -> List[Tuple[np.ndarray, List[int], List[int]]]:
        """GetGOPList's result for (video, frame_id) requests, from the store: [(bundle, [first_frame_id],
        [gop_len]), ...]."""
        if len(videos) != len(frame_ids):
            raise ValueError(f"{len(videos)} videos for {len(frame_ids)} frame ids")
        out = []
        for v, f in zip(videos, frame_ids):
            shard, offset, length, first, n = self.locate(v, int(f))
            out.append((self.read(shard, offset, length), [first], [n]))
        return out

    def close(self) -> None:
        with self._lock:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass

    def __getstate__(self):  # picklable for DataLoader workers: file descriptors are reopened there
        state = self.__dict__.copy()
        state["_fds"], state["_lock"] = {}, None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

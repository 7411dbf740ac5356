"""GopCache: GOP bundles kept by (file, first frame), least recently used first out.

Bounded by a number of GOPs and by bytes: the memory each cached bundle keeps alive (the engine's
buffer, which may be larger than the bundle; bundles are kept as the engine returned them, read-only,
without a copy).
Several GOPs of one file may be cached; a frame hits when ``first <= frame_id < first + gop_len`` for
one of them. A file is known by the path string it was asked for with, and its cached GOPs are
dropped when its (device, inode, size, mtime, ctime) change: a file replaced by rename has a new
inode, and rewriting one changes its ctime even when size and mtime are kept (ctime cannot be set
back), so a replaced file is not served stale.
Thread-safe: every method holds one lock.
"""

import bisect
import os
import threading
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import numpy as np

from .. import _engine

Signature = Tuple[int, int, int, int, int]


def file_signature(path: str) -> Optional[Signature]:
    """(device, inode, size, mtime_ns, ctime_ns) of ``path``, or None when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class CachedGop:
    """One cached GOP: a read-only bundle holding one entry."""

    __slots__ = ("path", "first_frame_id", "gop_len", "bundle", "nbytes")

    def __init__(self, path: str, first_frame_id: int, gop_len: int, bundle: np.ndarray):
        self.path = path
        self.first_frame_id = first_frame_id
        self.gop_len = gop_len
        self.bundle = bundle
        self.nbytes = int(_engine._held_bytes(bundle))  # what keeping it costs

    def share(self) -> np.ndarray:
        """A new read-only array over the bundle's bytes: nothing reachable from it (not even its
        ``base``, an opaque capsule) leads to the cached array, so no caller can alter the cache."""
        return _engine._share(self.bundle)

    def describe(self) -> dict:
        return {
            "first_frame_id": self.first_frame_id,
            "gop_len": self.gop_len,
            "frame_range": (self.first_frame_id, self.first_frame_id + self.gop_len - 1),
            "packets_size_bytes": int(self.bundle.nbytes),
            "held_bytes": self.nbytes,
        }


class _CachedFile:
    __slots__ = ("signature", "firsts", "gops", "params")

    def __init__(self, signature: Signature):
        self.signature = signature
        self.firsts: List[int] = []             # sorted first_frame_ids
        self.gops: Dict[int, CachedGop] = {}    # first_frame_id -> GOP
        self.params: Optional[dict] = None      # the engine's stream params, when asked for once

    def find(self, frame_id: int) -> Optional[CachedGop]:
        i = bisect.bisect_right(self.firsts, frame_id) - 1
        if i < 0:
            return None
        gop = self.gops[self.firsts[i]]
        return gop if frame_id < gop.first_frame_id + gop.gop_len else None


class GopCache:
    def __init__(self, max_gops: int, max_bytes: int):
        self.max_gops = max_gops
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._lru: "OrderedDict[Tuple[str, int], CachedGop]" = OrderedDict()  # oldest first
        self._files: Dict[str, _CachedFile] = {}
        self._bytes = 0
        self.hits = self.misses = self.evictions = self.invalidations = 0

    # -- lookups ---------------------------------------------------------------------------------
    def lookup(self, path: str, frame_id: int, signature: Optional[Signature]) -> Optional[CachedGop]:
        """The cached GOP holding ``frame_id`` of ``path`` (now the most recently used), or None."""
        with self._lock:
            record = self._record(path, signature)
            gop = record.find(frame_id) if record is not None else None
            if gop is not None:
                self._lru.move_to_end((path, gop.first_frame_id))
            return gop

    def count(self, hits: int, misses: int) -> None:
        """Adds a completed call's hits and misses to the statistics."""
        with self._lock:
            self.hits += hits
            self.misses += misses

    def stream_params(self, path: str, signature: Optional[Signature]) -> Optional[dict]:
        """The stream parameters remembered for a cached file that has not changed, or None."""
        with self._lock:
            record = self._record(path, signature)
            return record.params if record is not None else None

    def remember_params(self, path: str, signature: Optional[Signature], params: dict) -> None:
        with self._lock:
            record = self._record(path, signature)
            if record is not None:
                record.params = params

    # -- updates ---------------------------------------------------------------------------------
    def insert(self, path: str, signature: Optional[Signature], first_frame_id: int, gop_len: int,
               bundle: np.ndarray) -> CachedGop:
        """Caches a one-entry ``bundle`` the engine returned (nobody else holds it), made read-only, and
        returns it (even when the bounds evict it at once: the caller may still hand it out)."""
        bundle.flags.writeable = False
        gop = CachedGop(path, int(first_frame_id), int(gop_len), bundle)
        if signature is None or gop.nbytes > self.max_bytes:
            return gop  # the file vanished under us, or the GOP alone exceeds the bound: not kept
        with self._lock:
            record = self._record(path, signature)
            if record is None:
                record = self._files[path] = _CachedFile(signature)
            existing = record.gops.get(gop.first_frame_id)
            if existing is not None:  # asked for twice in one call, or by two threads at once
                self._lru.move_to_end((path, gop.first_frame_id))
                return existing
            bisect.insort(record.firsts, gop.first_frame_id)
            record.gops[gop.first_frame_id] = gop
            self._lru[(path, gop.first_frame_id)] = gop
            self._bytes += gop.nbytes
            self._evict()
            return gop

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()
            self._files.clear()
            self._bytes = 0

    def _record(self, path: str, signature: Optional[Signature]) -> Optional[_CachedFile]:
        """The cached file at ``path`` if it is still the file with ``signature``; a changed one is
        dropped (an invalidation)."""
        record = self._files.get(path)
        if record is not None and record.signature != signature:
            self._drop_file(path)
            self.invalidations += 1
            return None
        return record

    def _evict(self) -> None:
        while self._lru and (len(self._lru) > self.max_gops or self._bytes > self.max_bytes):
            (path, first), _ = self._lru.popitem(last=False)
            self._forget(path, first)
            self.evictions += 1

    def _forget(self, path: str, first: int) -> None:
        record = self._files[path]
        gop = record.gops.pop(first)
        record.firsts.remove(first)
        self._bytes -= gop.nbytes
        if not record.gops:
            del self._files[path]

    def _drop_file(self, path: str) -> None:
        for first in list(self._files[path].firsts):
            del self._lru[(path, first)]
            self._forget(path, first)

    # -- reporting -------------------------------------------------------------------------------
    def info(self) -> dict:
        """Statistics, and per file its GOPs (least recently used first); the seed's keys
        (cached_files_count, cached_files[path] with first_frame_id, gop_len, frame_range,
        packets_size_bytes) describe each file's most recently used GOP, and cache_capacity is the GOP
        bound (the same as max_gops); ``lru_order`` lists every cached (path, first_frame_id), least
        recently used first."""
        with self._lock:
            per_file: Dict[str, List[dict]] = {}
            for (path, _), gop in self._lru.items():
                per_file.setdefault(path, []).append(gop.describe())
            files = {path: dict(gops[-1], gops=gops) for path, gops in per_file.items()}
            return {
                "cached_files_count": len(files),
                "cached_files": files,
                "cached_gops_count": len(self._lru),
                "cached_bytes": self._bytes,
                "lru_order": list(self._lru.keys()),
                "cache_capacity": self.max_gops,  # accvlab's name of the GOP bound
                "max_gops": self.max_gops,
                "max_bytes": self.max_bytes,
                "hits": self.hits,
                "misses": self.misses,
                "evictions": self.evictions,
                "invalidations": self.invalidations,
            }

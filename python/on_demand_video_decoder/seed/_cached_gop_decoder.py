"""CachedGopDecoder / CreateGopDecoder: PyNvGopDecoder with a GOP cache, as in the seed API.

GetGOP and GetGOPList take ``useGOPCache``. With it, each request whose frame lies in a GOP already
cached for that file (``first_frame_id <= frame_id < first_frame_id + gop_len``) is served from the
cache; only the misses are demuxed, in one engine call, and then cached. The cache (store/_gop_cache.py)
holds several GOPs per file, is shared by all files, is bounded by a number of GOPs and by bytes,
and evicts the least recently used GOP first. Every other attribute is the inner PyNvGopDecoder's.

Each array GetGOPList hands out is a new read-only array over the cached bytes, whose writeable
flag cannot be turned back on (the memory belongs to the engine, not to NumPy) and from which no
cached object is reachable; GetGOP's merged bundle is a new array. So nothing a caller does to a
returned array reaches the cache. The byte bound counts what each cached bundle keeps alive: the
engine's buffer (64 KiB steps; a reused buffer may be up to twice the bundle's size).
"""

from typing import Any, List, Optional, Tuple

import numpy as np

from ..common._args import _count, _requests, _stream_keys
from ..sources._stream_info import check_infos
from ..store._gop_cache import CachedGop, GopCache, file_signature
from ._gop_decoder import PyNvGopDecoder

DEFAULT_CACHE_MAX_GOPS = 256
DEFAULT_CACHE_MAX_BYTES = 512 << 20

_FACTORY_KEY = object()


class _CachedParams:
    """check_infos' view of stream parameters: those remembered with a cached file, else the engine's."""

    def __init__(self, cache: GopCache, engine, signatures: dict):
        self._cache = cache
        self._engine = engine
        self._signatures = signatures

    def stream_params(self, path: str) -> dict:
        signature = self._signatures[path]
        params = self._cache.stream_params(path, signature)
        if params is None:
            params = self._engine.stream_params(path)
            self._cache.remember_params(path, signature, params)
        return params


_WITH_REFERENCES = " [with reference tables]"  # the GOP cache's name for a file's GOPs with reference tables


class CachedGopDecoder:
    """PyNvGopDecoder with transparent GOP caching; create it with CreateGopDecoder().

    Example:
        >>> dec = CreateGopDecoder(maxfiles=6, iGpu=-1)
        >>> packets, first_ids, gop_lens = dec.GetGOP(files, [77, 77], useGOPCache=True)  # doctest: +SKIP
        >>> dec.isCacheHit()  # doctest: +SKIP
        [False, False]
        >>> packets, first_ids, gop_lens = dec.GetGOP(files, [80, 80], useGOPCache=True)  # doctest: +SKIP
        >>> dec.isCacheHit()  # same GOPs: served from the cache  # doctest: +SKIP
        [True, True]
    """

    def __init__(self, decoder: PyNvGopDecoder, *, _key: Any = None, _cache: Optional[GopCache] = None):
        if _key is not _FACTORY_KEY or _cache is None:
            raise RuntimeError("CachedGopDecoder cannot be created directly; use CreateGopDecoder(maxfiles, iGpu, ...)")
        self._decoder = decoder
        self._cache = _cache
        self._last_hits: List[bool] = []

    def __getstate__(self) -> dict:
        """The inner decoder's settings and the cache's bounds; the cached GOPs are not carried (a copy
        starts with an empty cache)."""
        return {"decoder": self._decoder, "max_gops": self._cache.max_gops, "max_bytes": self._cache.max_bytes}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["decoder"], _key=_FACTORY_KEY, _cache=GopCache(state["max_gops"], state["max_bytes"]))

    # -- the cached calls ------------------------------------------------------------------------
    def GetGOP(self, filepaths: List[str], frame_ids: List[int], fastStreamInfos: List[Any] = [],
               useGOPCache: bool = False, *, enable_gop_dependency_graph_optimization: bool = False,
               stream_index: Optional[int] = None) -> Tuple[np.ndarray, List[int], List[int]]:
        """PyNvGopDecoder.GetGOP; with ``useGOPCache`` the GOPs come from the cache where they can,
        and the returned bundle (a new array) merges them in request order. GOPs with reference
        tables (``enable_gop_dependency_graph_optimization=True``) are cached apart from those without."""
        self._last_hits = []
        references = bool(enable_gop_dependency_graph_optimization)
        if not useGOPCache:
            result = self._decoder.GetGOP(filepaths, frame_ids, fastStreamInfos,
                                          enable_gop_dependency_graph_optimization=references, stream_index=stream_index)
            self._last_hits = [False] * len(result[1])
            return result
        gops = self._cached_gops(filepaths, frame_ids, fastStreamInfos, references, stream_index)
        merged = self._decoder.MergePacketDataToOne([g.bundle for g in gops])
        return merged, [g.first_frame_id for g in gops], [g.gop_len for g in gops]

    def GetGOPList(self, filepaths: List[str], frame_ids: List[int], fastStreamInfos: List[Any] = [],
                   useGOPCache: bool = False, *, enable_gop_dependency_graph_optimization: bool = False,
                   stream_index: Optional[int] = None) -> List[Tuple[np.ndarray, List[int], List[int]]]:
        """PyNvGopDecoder.GetGOPList; with ``useGOPCache`` each bundle is a new read-only array over
        the cached bytes (those with reference tables cached apart, as GetGOP)."""
        self._last_hits = []
        references = bool(enable_gop_dependency_graph_optimization)
        if not useGOPCache:
            result = self._decoder.GetGOPList(filepaths, frame_ids, fastStreamInfos,
                                              enable_gop_dependency_graph_optimization=references,
                                              stream_index=stream_index)
            self._last_hits = [False] * len(result)
            return result
        gops = self._cached_gops(filepaths, frame_ids, fastStreamInfos, references, stream_index)
        return [(g.share(), [g.first_frame_id], [g.gop_len]) for g in gops]

    def _cached_gops(self, filepaths, frame_ids, infos, references: bool, stream_index) -> List[CachedGop]:
        paths, ids = _requests(filepaths, frame_ids)
        if not all(isinstance(p, str) for p in paths):
            raise ValueError("useGOPCache=True caches the GOPs of files by path (and notices when a file changes); a "
                             "video given as bytes or a file-like object is not cached: call without useGOPCache")
        signatures = [file_signature(p) for p in paths]
        streams = _stream_keys(paths, stream_index)
        check_infos(infos, streams, _CachedParams(self._cache, self._decoder._engine, dict(zip(streams, signatures))))
        # Bundles with reference tables, and those of a chosen stream, are kept under their own names,
        # so each kind of request gets the kind it asked for.
        keys = [p + (f" [stream {stream_index}]" if stream_index is not None else "") +
                (_WITH_REFERENCES if references else "") for p in paths]
        found: List[Optional[CachedGop]] = [self._cache.lookup(k, i, s) for k, i, s in zip(keys, ids, signatures)]
        misses = [k for k, gop in enumerate(found) if gop is None]
        if misses:
            # One engine call for all misses; it reads a GOP asked for twice only once.
            fetched = self._decoder.GetGOPList([paths[k] for k in misses], [ids[k] for k in misses],
                                               enable_gop_dependency_graph_optimization=references,
                                               stream_index=stream_index)
            for k, (bundle, firsts, lens) in zip(misses, fetched):
                found[k] = self._cache.insert(keys[k], signatures[k], firsts[0], lens[0], bundle)
        missed = set(misses)
        self._cache.count(len(paths) - len(missed), len(missed))
        self._last_hits = [k not in missed for k in range(len(paths))]
        return found

    # -- the seed's cache calls ------------------------------------------------------------------
    def isCacheHit(self) -> List[bool]:
        """One flag per request of the last GetGOP / GetGOPList call: True when served from the
        cache (always False for a call without useGOPCache); [] before the first call and after a
        call that raised."""
        return list(self._last_hits)

    def get_cache_info(self) -> dict:
        """Cache statistics and contents: cached_files_count, cached_files (per path: its most
        recently used GOP's first_frame_id, gop_len, frame_range, packets_size_bytes, held_bytes (the
        memory it keeps alive, what the byte bound counts), and ``gops``,
        all its GOPs, least recently used first), cached_gops_count, cached_bytes, lru_order (every
        cached (path, first_frame_id), least recently used first), max_gops,
        max_bytes, and the counts of hits, misses, evictions and invalidations (files changed on
        disk)."""
        return self._cache.info()

    def clear_cache(self) -> None:
        """Drops every cached GOP (the hit/miss counts are kept)."""
        self._cache.clear()

    # -- everything else is the inner decoder's --------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        decoder = self.__dict__.get("_decoder")
        if decoder is None:
            raise AttributeError(name)
        return getattr(decoder, name)

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(dir(self._decoder)))


def CreateGopDecoder(maxfiles: int, iGpu: Optional[int] = None, suppressNoColorRangeWarning: bool = False,
                     gopCacheCapacity: Optional[int] = None, *,
                     cache_max_gops: Optional[int] = None,
                     cache_max_bytes: int = DEFAULT_CACHE_MAX_BYTES,
                     gpu_backend: Optional[str] = None, strict: bool = False, reference_closure: Optional[bool] = None,
                     num_threads: Optional[int] = None) -> CachedGopDecoder:
    """A CachedGopDecoder over a new PyNvGopDecoder(maxfiles, iGpu, suppressNoColorRangeWarning,
    gpu_backend=gpu_backend, strict=strict, reference_closure=reference_closure, num_threads=num_threads).

    The GOP cache holds at most ``gopCacheCapacity`` GOPs (accvlab's name; ``cache_max_gops`` is ours,
    give either; default 256) and at most ``cache_max_bytes`` bytes; the least recently used GOP goes
    first, and a single GOP larger than ``cache_max_bytes`` is returned but not kept. ``get_cache_info()``
    reports the GOP bound as ``cache_capacity``.
    """
    capacity = _cache_capacity(gopCacheCapacity, cache_max_gops)
    cache = GopCache(capacity, _count(cache_max_bytes, "cache_max_bytes"))
    decoder = PyNvGopDecoder(maxfiles, iGpu, suppressNoColorRangeWarning, gpu_backend=gpu_backend, strict=strict,
                             reference_closure=reference_closure, num_threads=num_threads)
    return CachedGopDecoder(decoder, _key=_FACTORY_KEY, _cache=cache)


def _cache_capacity(gop_cache_capacity: Optional[int], cache_max_gops: Optional[int]) -> int:
    """The GOP bound from accvlab's gopCacheCapacity or our cache_max_gops (the same bound)."""
    given = {name: _count(value, name) for name, value in
             (("gopCacheCapacity", gop_cache_capacity), ("cache_max_gops", cache_max_gops)) if value is not None}
    if len(set(given.values())) > 1:
        raise ValueError(f"gopCacheCapacity={gop_cache_capacity} and cache_max_gops={cache_max_gops} name the same "
                         "bound: give one of them")
    return next(iter(given.values()), DEFAULT_CACHE_MAX_GOPS)

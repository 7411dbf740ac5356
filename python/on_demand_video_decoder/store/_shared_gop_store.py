"""SharedGopStore and GopRef: a GOP cache shared by the processes of one machine (accvlab's API).

DataLoader workers demux GOPs into bundles and ``put`` them here; what they return through the
DataLoader is a small picklable GopRef; the main process ``read`` s / ``get_batch`` es the refs as
zero-copy uint8 arrays and decodes them (DecodeFromGOPListRGB). Pure Python over /dev/shm
(_gop_store_files.py): no multiprocessing.shared_memory, so no resource tracker unlinks or warns.

Soundness (docs/shared-gop-store.md):

- each GOP is one immutable file with a never-reused name, written completely before it is
  published in the index, so a name always means the same bytes;
- every GopRef handed out (by put or lookup) holds a pin on its GOP's file until it is read or
  released. Eviction takes the GOP out of the index (it can no longer be looked up), but its file
  is unlinked only when no pin names it; an array already returned keeps its own mapping. So a ref
  in flight always reads its bytes, and a ref read again after its GOP is gone raises
  GopEvictedError, never zeros or another GOP's bytes;
- the pins are bounded (``max_in_flight``): a put or lookup that would exceed it raises
  GopStoreFullError instead of growing without bound.
"""

import fcntl
import os
import secrets
import threading
import weakref
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional, Sequence

import numpy as np

from . import _gop_store_files as files
from . import _gop_store_index as idx
from ._gop_ref import GopEvictedError, GopRef, GopStoreFullError

_FACTORY_KEY = object()


def _count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class SharedGopStore:
    """A GOP cache shared by the processes of one machine: ``create`` it in the main process before
    the DataLoader workers start, ``attach`` in the workers (or hand them the store object: it
    pickles as an attach). Holds at most ``capacity`` GOPs for lookup (least recently used out) and
    at most ``max_in_flight`` GopRefs not yet read or released."""

    def __init__(self, capacity: Optional[int], store_id: int, _create: bool, *, max_in_flight: Optional[int] = None,
                 _key: object = None, _nonce: Optional[int] = None):
        if _key is not _FACTORY_KEY:
            raise RuntimeError("SharedGopStore cannot be instantiated directly: use SharedGopStore.create() "
                               "(main process) or SharedGopStore.attach() (workers)")
        self.store_id = _count(store_id, "store_id", 0)
        self._prefix = files.store_prefix(self.store_id)
        self._owner_fd: Optional[int] = None
        self._index: Optional[idx.IndexView] = None
        self._lock_fd: Optional[int] = None
        self._pid = self._creator_pid = os.getpid()
        self._closed = self._cleaned = False
        self._test_hook: Optional[Callable[[str], None]] = None  # tests: called at "written", "locked"
        if _create:
            self._create(_count(capacity, "capacity", 1), max_in_flight)
        else:
            self._attach(capacity)
        if _nonce is not None and _nonce != self._nonce:
            self.close()
            raise FileNotFoundError(f"the SharedGopStore store_id={self.store_id} this object was made for is "
                                    "gone (cleaned up, and another store created with the same id)")

    # -- creating and attaching ---------------------------------------------------------------
    @classmethod
    def create(cls, capacity: int, store_id: int = 0, *, max_in_flight: Optional[int] = None) -> "SharedGopStore":
        """A new store (main process, before the workers start). Files left by a dead store with the
        same id are removed; FileExistsError when a live process still owns that id.
        ``max_in_flight`` bounds the GopRefs handed out and not yet read or released (default
        ``max(1024, 8 * capacity)``)."""
        return cls(capacity, store_id, True, max_in_flight=max_in_flight, _key=_FACTORY_KEY)

    @classmethod
    def attach(cls, capacity: Optional[int] = None, store_id: int = 0) -> "SharedGopStore":
        """The store ``store_id`` created by another process (workers). ``capacity`` must be the
        creator's (or None); FileNotFoundError when no such store exists."""
        return cls(capacity, store_id, False, _key=_FACTORY_KEY)

    def _create(self, capacity: int, max_in_flight: Optional[int]) -> None:
        in_flight = max(1024, 8 * capacity) if max_in_flight is None else _count(max_in_flight, "max_in_flight", 1)
        if not os.path.isdir(files.SHM_DIR):
            raise RuntimeError(f"SharedGopStore needs {files.SHM_DIR} (Linux shared memory)")
        owner = files.shm_path(self._prefix + "owner")
        fd = os.open(owner, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise FileExistsError(f"SharedGopStore store_id={self.store_id} is owned by a live process that has not "
                                  "called cleanup(): use another store_id, or attach() to it") from None
        self._owner_fd = fd
        files.remove_files(self._prefix, keep=(self._prefix + "owner",))  # a dead store's leftovers
        os.close(os.open(files.shm_path(self._prefix + "lock"), os.O_RDWR | os.O_CREAT, 0o600))
        idx.write_index(self._prefix, capacity, in_flight, secrets.randbits(63) | 1)
        self._open_handles()
        # The files go when the creator does, if cleanup() was not called (never in a forked child).
        self._finalizer = weakref.finalize(self, idx.remove_store, self._prefix, self._nonce, self._creator_pid,
                                           self._owner_fd, True)

    def _attach(self, capacity: Optional[int]) -> None:
        try:
            self._open_handles()
        except FileNotFoundError:
            raise FileNotFoundError(f"no SharedGopStore with store_id={self.store_id} (nothing at "
                                    f"{files.shm_path(self._prefix + 'index')}): call SharedGopStore.create() in "
                                    "the main process before the workers attach") from None
        if capacity is not None and _count(capacity, "capacity", 1) != self.capacity:
            have = self.capacity
            self.close()
            raise ValueError(f"SharedGopStore store_id={self.store_id} was created with capacity {have}, "
                             f"attach() was given {capacity}")

    def _open_handles(self) -> None:
        index = idx.open_index(self._prefix)
        try:
            lock_fd = os.open(files.shm_path(self._prefix + "lock"), os.O_RDWR)
        except BaseException:
            index.close()
            raise
        self._index, self._lock_fd, self._pid = index, lock_fd, os.getpid()
        self._thread_lock = threading.Lock()  # flock does not keep apart the threads of one process
        self.capacity = int(index.header["capacity"])
        self.max_in_flight = int(index.header["max_in_flight"])
        self._nonce = int(index.header["nonce"])

    def __reduce__(self):
        """Pickles as an attach to the same store (spawn / forkserver DataLoader workers)."""
        return (_reattach, (self.capacity, self.store_id, self._nonce))

    def _reopen(self) -> None:
        """In a forked child: its own lock descriptor (an inherited one would share the parent's
        flock) and index mapping, of the same store (not of one created since with the same id)."""
        nonce = self._nonce
        self._drop_handles()
        try:
            self._open_handles()
        except (FileNotFoundError, ValueError):
            self._closed = True
            raise ValueError(f"SharedGopStore store_id={self.store_id} was cleaned up by its creator") from None
        if self._nonce != nonce:
            self._nonce = nonce
            self.close()
            raise ValueError(f"SharedGopStore store_id={self.store_id} was cleaned up by its creator")

    @contextmanager
    def _locked(self) -> Iterator[idx.IndexView]:
        if self._closed:
            raise ValueError(f"SharedGopStore store_id={self.store_id} is closed (close() or cleanup() was called)")
        if self._pid != os.getpid():
            self._reopen()
        with self._thread_lock:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                if not self._index.header["alive"]:
                    raise ValueError(f"SharedGopStore store_id={self.store_id} was cleaned up by its creator")
                yield self._index
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    # -- workers: lookup and put ---------------------------------------------------------------
    def lookup(self, video_path: str, frame_id: int) -> Optional[GopRef]:
        """A GopRef to the stored GOP of ``video_path`` holding ``frame_id`` (first_frame_id <= frame_id <
        first_frame_id + gop_len), now the most recently used, or None. The ref pins the GOP until
        it is read or released."""
        path, frame_id = os.fspath(video_path), _count(frame_id, "frame_id", 0)
        key = idx.path_key(path)
        with self._locked() as index:
            slot = index.find(key, frame_id)
            if slot is None:
                index.header["misses"] += 1
                return None
            index.header["hits"] += 1
            return self._hand_out(index, slot, path)

    def put(self, video_path: str, first_frame_id: int, gop_len: int, data: np.ndarray) -> GopRef:
        """Stores a GOP bundle (1-D uint8, e.g. one of GetGOPList's) of ``video_path`` covering
        frames [first_frame_id, first_frame_id + gop_len) and returns a GopRef pinning it. A GOP
        stored already with the same three values is not stored twice."""
        path = os.fspath(video_path)
        first, length = _count(first_frame_id, "first_frame_id", 0), _count(gop_len, "gop_len", 1)
        if isinstance(data, (bytes, bytearray, memoryview)):
            data = np.frombuffer(data, dtype=np.uint8)
        arr = np.ascontiguousarray(np.asarray(data))
        if arr.dtype != np.uint8 or arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"data must be a non-empty 1-D uint8 array (a GOP bundle), got {arr.dtype} {arr.shape}")
        key = idx.path_key(path)
        with self._locked() as index:
            slot = index.exact(key, first, length)
            if slot is not None:
                return self._hand_out(index, slot, path)
            self._free_pin(index)  # fail before writing when no pin is left
            file_id = int(index.header["next_file_id"])
            index.header["next_file_id"] += 1
        name = files.data_name(self._prefix, self._nonce, file_id)
        files.write_new_file(name, arr)
        published = False
        try:
            self._hook("written")
            with self._locked() as index:
                self._hook("locked")
                slot = index.exact(key, first, length)
                if slot is not None:  # another process stored it meanwhile
                    files.unlink_quietly(files.shm_path(name))
                    return self._hand_out(index, slot, path)
                pin = self._free_pin(index)
                slot, evicted = index.free_entry()
                if evicted is not None:
                    self._unlink_if_unused(index, evicted)
                entry = index.entries[slot]
                entry["key0"], entry["key1"], entry["first_frame_id"], entry["gop_len"] = key[0], key[1], first, length
                entry["data_size"], entry["file_id"] = arr.size, file_id
                entry["state"] = 1
                published = True
                index.header["puts"] += 1
                return self._hand_out(index, slot, path, pin)
        except BaseException:
            if not published:  # a file nobody can name: remove it
                files.unlink_quietly(files.shm_path(name))
            raise

    def _hook(self, stage: str) -> None:
        if self._test_hook is not None:
            self._test_hook(stage)

    def _free_pin(self, index: idx.IndexView) -> int:
        pin = index.free_pin()
        if pin is None:
            raise GopStoreFullError(
                f"SharedGopStore store_id={self.store_id}: {self.max_in_flight} GopRefs are in flight (handed out by "
                "put/lookup, not yet read or released): read() / get_batch() / release() them, or create the store "
                "with a larger max_in_flight")
        return pin

    def _hand_out(self, index: idx.IndexView, slot: int, path: str, pin: Optional[int] = None) -> GopRef:
        """A GopRef to entry ``slot`` (now the most recently used), holding a new pin on its file."""
        ticket = index.pin(slot, self._free_pin(index) if pin is None else pin)
        entry = index.entries[slot]
        return GopRef(files.data_name(self._prefix, self._nonce, int(entry["file_id"])), int(entry["data_size"]),
                      int(entry["first_frame_id"]), int(entry["gop_len"]), path, ticket)

    def _unlink_if_unused(self, index: idx.IndexView, file_id: int) -> None:
        """Unlinks a GOP's file once neither an entry nor a pin names it (under the lock)."""
        if not index.in_use(file_id):
            files.unlink_quietly(files.shm_path(files.data_name(self._prefix, self._nonce, file_id)))

    # -- main process: read and release --------------------------------------------------------
    def read(self, ref: GopRef) -> np.ndarray:
        """The bundle ``ref`` names, as a read-only zero-copy uint8 array (valid as long as it is
        referenced, whatever the store does later); releases the ref's pin. GopEvictedError when the
        GOP is no longer stored (a ref read again after eviction, or after cleanup)."""
        return self.get_batch([ref])[0]

    def get_batch(self, refs: Sequence[GopRef]) -> List[np.ndarray]:
        """read() of every ref, in order, releasing their pins under one lock. When one raises, the
        pins of all the refs are released all the same."""
        refs = list(refs)
        if self._closed:
            raise ValueError(f"SharedGopStore store_id={self.store_id} is closed (close() or cleanup() was called)")
        arrays: List[Optional[np.ndarray]] = []
        error: Optional[BaseException] = None
        for ref in refs:
            self._check_ref(ref)
            array = None
            if error is None:
                try:
                    array = files.map_file(ref.shm_name, ref.data_size)
                except (OSError, ValueError) as e:
                    error = e
            if array is None and error is None:
                error = GopEvictedError(
                    f"SharedGopStore store_id={self.store_id}: the GOP of {ref.video_path or '(unknown video)'} "
                    f"frames {ref.first_frame_id}..{ref.first_frame_id + ref.gop_len - 1} ({ref.shm_name}) is no "
                    "longer stored: a GopRef is readable until it is read or released (it pins its GOP); this one "
                    "was read or released before and its GOP evicted since, or the store was cleaned up")
            arrays.append(array)
        if error is not None:
            try:
                self.release(refs)
            except ValueError:
                pass  # the store is closed or gone: the missing GOP is the error to report
            raise error
        self.release(refs)
        return arrays  # type: ignore[return-value]

    def release(self, refs: Sequence[GopRef]) -> None:
        """Drops the pins of ``refs`` without reading them (refs that will never be read, e.g. of an
        abandoned DataLoader iterator). A ref whose pin is gone already is ignored."""
        refs = list(refs)
        for ref in refs:
            self._check_ref(ref)
        with self._locked() as index:
            for ref in refs:
                for file_id in index.unpin(ref.pin):
                    self._unlink_if_unused(index, file_id)

    def _check_ref(self, ref: GopRef) -> None:
        if not isinstance(ref, GopRef):
            raise TypeError(f"expected a GopRef, got {type(ref).__name__}")
        if not ref.shm_name.startswith(files.data_name(self._prefix, self._nonce, 0)[:-1]):
            raise ValueError(f"GopRef {ref.shm_name!r} does not name a GOP of SharedGopStore store_id={self.store_id}")

    # -- statistics ----------------------------------------------------------------------------
    def get_stats(self) -> dict:
        """accvlab's keys (hits, misses, hit_rate, puts, evictions, pool_usage "used/capacity"),
        counted over all processes of the store, plus stored_gops, stored_bytes, in_flight (pins
        held), evicted_in_flight (GOPs evicted from the index whose files pins still hold),
        capacity, max_in_flight and store_id."""
        with self._locked() as index:
            h, e, p = index.header, index.entries, index.pins
            used = e["state"] == 1
            held = p["ticket"] != 0
            hits, misses = int(h["hits"]), int(h["misses"])
            return {
                "hits": hits, "misses": misses, "hit_rate": hits / (hits + misses) if hits + misses else 0.0,
                "puts": int(h["puts"]), "evictions": int(h["evictions"]),
                "pool_usage": f"{int(used.sum())}/{self.capacity}",
                "stored_gops": int(used.sum()), "stored_bytes": int(e["data_size"][used].sum()),
                "in_flight": int(held.sum()),
                "evicted_in_flight": len(set(p["file_id"][held].tolist()) - set(e["file_id"][used].tolist())),
                "capacity": self.capacity, "max_in_flight": self.max_in_flight, "store_id": self.store_id,
            }

    def reset_stats(self) -> None:
        """Zeroes the hit, miss, put and eviction counts (of all processes)."""
        with self._locked() as index:
            for name in ("hits", "misses", "puts", "evictions"):
                index.header[name] = 0

    # -- lifetime ------------------------------------------------------------------------------
    def _drop_handles(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def close(self) -> None:
        """Releases this process's handles (workers, before they exit); the store and the arrays read
        from it stay valid. Calling it again does nothing."""
        if not self._closed:
            self._drop_handles()
            self._closed = True

    def cleanup(self) -> None:
        """Removes the store (the creator, at shutdown): marks it dead for every attached process
        (their calls raise ValueError), then unlinks every /dev/shm file of it. Arrays read before
        stay valid. Calling it again does nothing."""
        if self._cleaned:
            return
        self._cleaned = True
        self.close()
        is_creator = self._owner_fd is not None and self._creator_pid == os.getpid()
        idx.remove_store(self._prefix, self._nonce, self._creator_pid if is_creator else os.getpid(),
                           self._owner_fd if is_creator else None, whole_id=is_creator)
        self._owner_fd = None
        finalizer = getattr(self, "_finalizer", None)
        if finalizer is not None:
            finalizer.detach()

    def __enter__(self) -> "SharedGopStore":
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup() if self._owner_fd is not None else self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"SharedGopStore(store_id={self.store_id}, capacity={self.capacity}, {state})"


def _reattach(capacity: int, store_id: int, nonce: int) -> SharedGopStore:
    return SharedGopStore(capacity, store_id, False, _key=_FACTORY_KEY, _nonce=nonce)

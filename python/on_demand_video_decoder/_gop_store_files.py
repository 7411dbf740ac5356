"""The files of a SharedGopStore in /dev/shm, and the layout of its index (_shared_gop_store.py).

Every file of a store is named ``odvd-gopstore-<uid>-<store_id>-<what>``, so one prefix finds them all:

- ``...-owner``: held with an exclusive ``flock`` by the creating process for the store's lifetime (a
  second create() with the same id sees a live store; a dead creator's lock is gone with it);
- ``...-lock``: the ``flock`` every change of the index is made under (the kernel drops it when its
  holder dies, so a killed worker never leaves the store locked);
- ``...-index``: a fixed-size table, mapped by every process: a header, ``capacity`` GOP entries and
  ``max_in_flight`` pins (one per GopRef handed out and not yet read or released);
- ``...-gop-<nonce>-<file_id>``: one GOP bundle per file, written once (O_EXCL) and never changed;
  ``nonce`` is random per created store and ``file_id`` never repeats within it, so a name always
  means the same bytes.
"""

import fcntl
import hashlib
import mmap
import os
from typing import Iterator, Optional, Tuple

import numpy as np

SHM_DIR = "/dev/shm"
MAGIC = 0x31504F5453444F  # "ODSTOP1" little-endian
VERSION = 1

HEADER_DTYPE = np.dtype([
    ("magic", "<u8"), ("version", "<u4"), ("alive", "<u4"), ("capacity", "<u8"), ("max_in_flight", "<u8"),
    ("nonce", "<u8"), ("next_file_id", "<u8"), ("next_ticket", "<u8"), ("tick", "<u8"),
    ("hits", "<u8"), ("misses", "<u8"), ("puts", "<u8"), ("evictions", "<u8"),
])
ENTRY_DTYPE = np.dtype([
    ("state", "<u8"),                                   # 0: free, 1: holds a GOP
    ("key0", "<u8"), ("key1", "<u8"),                   # 128-bit digest of the video path
    ("first_frame_id", "<i8"), ("gop_len", "<i8"), ("data_size", "<i8"),
    ("file_id", "<u8"), ("tick", "<u8"),                # the GOP's file; last use (LRU)
])
PIN_DTYPE = np.dtype([("ticket", "<u8"), ("file_id", "<u8")])  # ticket 0: a free pin


def store_prefix(store_id: int) -> str:
    """The name every file of store ``store_id`` of this user starts with."""
    return f"odvd-gopstore-{os.getuid()}-{store_id}-"


def data_name(prefix: str, nonce: int, file_id: int) -> str:
    return f"{prefix}gop-{nonce:016x}-{file_id:x}"


def shm_path(name: str) -> str:
    return os.path.join(SHM_DIR, name)


def path_key(video_path: str) -> Tuple[int, int]:
    """A 128-bit digest of a video path, as two 64-bit words (the same in every process)."""
    digest = hashlib.blake2b(video_path.encode("utf-8", "surrogateescape"), digest_size=16).digest()
    return int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little")


def index_size(capacity: int, max_in_flight: int) -> int:
    return HEADER_DTYPE.itemsize + capacity * ENTRY_DTYPE.itemsize + max_in_flight * PIN_DTYPE.itemsize


class IndexView:
    """The index file mapped in this process: ``header`` (one record), ``entries``, ``pins``."""

    def __init__(self, fd: int):
        size = os.fstat(fd).st_size
        if size < HEADER_DTYPE.itemsize:
            raise ValueError("not a SharedGopStore index (too short)")
        self._map = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        self.header = np.ndarray((), HEADER_DTYPE, buffer=self._map)
        if int(self.header["magic"]) != MAGIC or int(self.header["version"]) != VERSION:
            self.close()
            raise ValueError("not a SharedGopStore index of this version")
        capacity, max_in_flight = int(self.header["capacity"]), int(self.header["max_in_flight"])
        if size != index_size(capacity, max_in_flight):
            self.close()
            raise ValueError("SharedGopStore index has the wrong size")
        offset = HEADER_DTYPE.itemsize
        self.entries = np.ndarray(capacity, ENTRY_DTYPE, buffer=self._map, offset=offset)
        offset += capacity * ENTRY_DTYPE.itemsize
        self.pins = np.ndarray(max_in_flight, PIN_DTYPE, buffer=self._map, offset=offset)

    def close(self) -> None:
        self.header = self.entries = self.pins = None  # drop the views before unmapping
        self._map.close()


def write_index(prefix: str, capacity: int, max_in_flight: int, nonce: int) -> None:
    """Writes a new, empty index under a temporary name and renames it into place, so a process
    attaching meanwhile sees either no index or a complete one."""
    final = shm_path(prefix + "index")
    tmp = shm_path(f"{prefix}index-new-{os.getpid()}")
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.ftruncate(fd, index_size(capacity, max_in_flight))  # tmpfs: zero-filled
        with mmap.mmap(fd, HEADER_DTYPE.itemsize, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE) as m:
            header = np.ndarray((), HEADER_DTYPE, buffer=m)
            header["version"], header["alive"] = VERSION, 1
            header["capacity"], header["max_in_flight"], header["nonce"] = capacity, max_in_flight, nonce
            header["next_file_id"] = header["next_ticket"] = 1
            header["magic"] = MAGIC
            del header
        os.rename(tmp, final)
    except BaseException:
        unlink_quietly(tmp)
        raise
    finally:
        os.close(fd)


def open_index(prefix: str) -> IndexView:
    """Maps the store's index; FileNotFoundError when there is none."""
    fd = os.open(shm_path(prefix + "index"), os.O_RDWR)
    try:
        return IndexView(fd)
    finally:
        os.close(fd)


def write_new_file(name: str, data: np.ndarray) -> None:
    """Writes ``data`` to a new file ``name`` (O_EXCL: never over an existing one), completely or
    not at all."""
    path = shm_path(name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data).cast("B")
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        unlink_quietly(path)
        raise
    os.close(fd)


def map_file(name: str, size: int) -> Optional[np.ndarray]:
    """A read-only uint8 array over the file ``name`` (it keeps its own mapping, valid after the file
    is unlinked), or None when the file does not exist. ValueError when its size is not ``size``."""
    try:
        fd = os.open(shm_path(name), os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        actual = os.fstat(fd).st_size
        if actual != size:
            raise ValueError(f"shared GOP file {name} holds {actual} bytes, its GopRef says {size}")
        mapping = mmap.mmap(fd, size, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)
    return np.frombuffer(mapping, dtype=np.uint8)


def unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def files_with_prefix(prefix: str) -> Iterator[str]:
    """The names in /dev/shm that start with ``prefix``."""
    try:
        names = os.listdir(SHM_DIR)
    except FileNotFoundError:
        return iter(())
    return (n for n in names if n.startswith(prefix))


def remove_files(prefix: str, keep: Tuple[str, ...] = ()) -> None:
    """Unlinks every /dev/shm file whose name starts with ``prefix``, except the names in ``keep``."""
    for name in list(files_with_prefix(prefix)):
        if name not in keep:
            unlink_quietly(shm_path(name))


def remove_store(prefix: str, nonce: int, creator_pid: int, owner_fd: Optional[int], whole_id: bool) -> None:
    """Marks the store dead in its index and unlinks its files (every file of the id when
    ``whole_id``: the creator owns it; else only while the index is still this store's), then lets go
    of the owner lock. Does nothing outside ``creator_pid`` (a forked child inherits the creator's
    finalizer but must not run it)."""
    if os.getpid() != creator_pid:
        return
    ours = whole_id
    try:
        index = open_index(prefix)
    except (FileNotFoundError, ValueError):
        index = None
    if index is not None:
        try:
            if int(index.header["nonce"]) == nonce:
                ours = True
                fd = os.open(shm_path(prefix + "lock"), os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    index.header["alive"] = 0
                finally:
                    os.close(fd)  # releases the flock
        finally:
            index.close()
    if ours:
        remove_files(prefix)
    if owner_fd is not None:
        try:
            os.close(owner_fd)
        except OSError:
            pass

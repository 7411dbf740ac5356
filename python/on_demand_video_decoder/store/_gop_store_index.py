"""The index of a SharedGopStore: one fixed-size file (``...-index``) every process maps, changed
only under the store's flock. A header (format, this store's random nonce, the live flag, counters),
``capacity`` GOP entries (a 128-bit digest of the video path, the GOP's frames, size, file id and last
use) and ``max_in_flight`` pins (a ticket per GopRef handed out, naming its GOP's file)."""

import fcntl
import hashlib
import mmap
import os
from typing import List, Optional, Tuple

import numpy as np

from . import _gop_store_files as files

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

    # -- queries and changes (the caller holds the store's lock) ----------------------------------
    def find(self, key: Tuple[int, int], frame_id: int) -> Optional[int]:
        """The entry of the video with ``key`` whose GOP holds ``frame_id`` (the most recently used
        of several), or None."""
        e = self.entries
        found = np.flatnonzero(self._of_video(key) & (e["first_frame_id"] <= frame_id)
                               & (frame_id < e["first_frame_id"] + e["gop_len"]))
        return int(found[np.argmax(e["tick"][found])]) if found.size else None

    def exact(self, key: Tuple[int, int], first: int, length: int) -> Optional[int]:
        """The entry holding exactly this GOP of the video with ``key``, or None."""
        e = self.entries
        found = np.flatnonzero(self._of_video(key) & (e["first_frame_id"] == first) & (e["gop_len"] == length))
        return int(found[0]) if found.size else None

    def _of_video(self, key: Tuple[int, int]) -> np.ndarray:
        e = self.entries
        return (e["state"] == 1) & (e["key0"] == key[0]) & (e["key1"] == key[1])

    def free_pin(self) -> Optional[int]:
        free = np.flatnonzero(self.pins["ticket"] == 0)
        return int(free[0]) if free.size else None

    def free_entry(self) -> Tuple[int, Optional[int]]:
        """A free entry, else the least recently used one, emptied: (entry, evicted file id or None)."""
        e = self.entries
        free = np.flatnonzero(e["state"] == 0)
        if free.size:
            return int(free[0]), None
        slot = int(np.argmin(e["tick"]))
        e["state"][slot] = 0
        self.header["evictions"] += 1
        return slot, int(e["file_id"][slot])

    def pin(self, slot: int, pin: int) -> int:
        """Marks entry ``slot`` most recently used and takes pin ``pin`` on its file; the ticket."""
        entry = self.entries[slot]
        self.header["tick"] += 1
        entry["tick"] = self.header["tick"]
        ticket = int(self.header["next_ticket"])
        self.header["next_ticket"] += 1
        self.pins[pin] = (ticket, entry["file_id"])
        return ticket

    def unpin(self, ticket: int) -> List[int]:
        """Releases the pin ``ticket`` (if held); the file ids it named."""
        held = np.flatnonzero(self.pins["ticket"] == ticket) if ticket else np.empty(0, np.int64)
        file_ids = [int(f) for f in self.pins["file_id"][held]]
        self.pins[held] = (0, 0)
        return file_ids

    def in_use(self, file_id: int) -> bool:
        """Whether an entry or a pin still names the file ``file_id``."""
        e, p = self.entries, self.pins
        return bool(((e["state"] == 1) & (e["file_id"] == file_id)).any()
                    or ((p["ticket"] != 0) & (p["file_id"] == file_id)).any())

    def close(self) -> None:
        self.header = self.entries = self.pins = None  # drop the views before unmapping
        self._map.close()


def write_index(prefix: str, capacity: int, max_in_flight: int, nonce: int) -> None:
    """Writes a new, empty index under a temporary name and renames it into place, so a process
    attaching meanwhile sees either no index or a complete one."""
    final = files.shm_path(prefix + "index")
    tmp = files.shm_path(f"{prefix}index-new-{os.getpid()}")
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.posix_fallocate(fd, 0, index_size(capacity, max_in_flight))  # zero-filled; ENOSPC now, not SIGBUS later
        with mmap.mmap(fd, HEADER_DTYPE.itemsize, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE) as m:
            header = np.ndarray((), HEADER_DTYPE, buffer=m)
            header["version"], header["alive"] = VERSION, 1
            header["capacity"], header["max_in_flight"], header["nonce"] = capacity, max_in_flight, nonce
            header["next_file_id"] = header["next_ticket"] = 1
            header["magic"] = MAGIC
            del header
        os.rename(tmp, final)
    except BaseException:
        files.unlink_quietly(tmp)
        raise
    finally:
        os.close(fd)


def open_index(prefix: str) -> IndexView:
    """Maps the store's index; FileNotFoundError when there is none."""
    fd = os.open(files.shm_path(prefix + "index"), os.O_RDWR)
    try:
        return IndexView(fd)
    finally:
        os.close(fd)


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
                fd = os.open(files.shm_path(prefix + "lock"), os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    index.header["alive"] = 0
                finally:
                    os.close(fd)  # releases the flock
        finally:
            index.close()
    if ours:
        files.remove_files(prefix)
    if owner_fd is not None:
        try:
            os.close(owner_fd)
        except OSError:
            pass

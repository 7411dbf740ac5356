"""The files of a SharedGopStore (_shared_gop_store.py) in /dev/shm: names, writing, mapping, removing.

Every file of a store is named ``odvd-gopstore-<uid>-<store_id>-<what>``, so one prefix finds them all:

- ``...-owner``: held with an exclusive ``flock`` by the creating process for the store's lifetime (a
  second create() with the same id sees a live store; a dead creator's lock is gone with it);
- ``...-lock``: the ``flock`` every change of the index is made under (the kernel drops it when its
  holder dies, so a killed worker never leaves the store locked);
- ``...-index``: the table every process maps (_gop_store_index.py);
- ``...-gop-<nonce>-<file_id>``: one GOP bundle per file, written once (O_EXCL) and never changed;
  ``nonce`` is random per created store and ``file_id`` never repeats within it, so a name always
  means the same bytes.
"""

import mmap
import os
from typing import Iterator, Optional, Tuple

import numpy as np

SHM_DIR = "/dev/shm"


def store_prefix(store_id: int) -> str:
    """The name every file of store ``store_id`` of this user starts with."""
    return f"odvd-gopstore-{os.getuid()}-{store_id}-"


def data_name(prefix: str, nonce: int, file_id: int) -> str:
    return f"{prefix}gop-{nonce:016x}-{file_id:x}"


def shm_path(name: str) -> str:
    return os.path.join(SHM_DIR, name)


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

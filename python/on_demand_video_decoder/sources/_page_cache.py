"""drop_videos_cache: ask Linux to drop video files from the page cache (posix_fadvise DONTNEED), as
in the seed API, with its status codes. Useful when a training job moves to another dataset and the
old one's cached pages only crowd memory. Advisory: the kernel may keep pages that are in use."""

import enum
import os
import stat
import sys
from typing import Iterable

from ..common._args import _paths


class DropCacheStatus(enum.Enum):
    """Outcome of drop_videos_cache: the seed's members and values, and the lower-case names of
    accvlab's newer releases as aliases of the same members (``DropCacheStatus.success is
    DropCacheStatus.SUCCESS``), so code written for either compares as it expects."""

    SUCCESS = 0
    PLATFORM_ERROR = 1
    FILE_OPEN_FAILED = 2
    FADVISE_FAILED = 3
    UNKNOWN_ERROR = 4
    success = 0
    platform_error = 1
    file_open_failed = 2
    fadvise_failed = 3
    unknown_error = 4


def drop_videos_cache(filepaths: Iterable[str]) -> DropCacheStatus:
    """Advises the kernel to drop each file's cached pages, in order, stopping at the first failure.

    Returns SUCCESS (also for an empty list: nothing to do, as in accvlab's newer releases),
    PLATFORM_ERROR (not Linux), FILE_OPEN_FAILED (missing, not a regular file: a directory, a FIFO, a
    device; no permission), FADVISE_FAILED or UNKNOWN_ERROR; raises TypeError for a single path
    instead of a list and ValueError for a path holding a NUL byte. The files themselves are not
    touched, and nothing blocks: a FIFO is not waited on.
    """
    if not isinstance(filepaths, (str, bytes, os.PathLike)):
        filepaths = list(filepaths)
        if not filepaths:
            return DropCacheStatus.SUCCESS
    paths = _paths(filepaths)
    if not sys.platform.startswith("linux") or not hasattr(os, "posix_fadvise"):
        return DropCacheStatus.PLATFORM_ERROR
    for path in paths:
        try:
            # O_NONBLOCK: opening a FIFO must not wait for a writer; the type is checked on the open file.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return DropCacheStatus.FILE_OPEN_FAILED
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return DropCacheStatus.FILE_OPEN_FAILED
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        except OSError:
            return DropCacheStatus.FADVISE_FAILED
        except Exception:
            return DropCacheStatus.UNKNOWN_ERROR
        finally:
            os.close(fd)
    return DropCacheStatus.SUCCESS

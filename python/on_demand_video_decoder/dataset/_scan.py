"""What ``prepare`` works on: the videos named by its SRC arguments, each with its size and mtime (the
key that tells a rerun whether a video is already done), and the batches they are worked in."""

import contextlib
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from typing import Iterator, List, Sequence

VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".m2ts", ".flv",
                              ".ivf", ".h264", ".264", ".h265", ".265", ".hevc", ".obu"})
LIST_EXTENSIONS = frozenset({".txt", ".lst", ".list"})


def is_url(path: str) -> bool:
    return "://" in path


@dataclass(frozen=True)
class Source:
    """A video: ``path`` as catalogued (absolute local path or URL), ``local`` the file the engine reads
    (the path itself, or a local copy of a URL), ``size`` bytes, ``mtime_ns``."""

    path: str
    size: int
    mtime_ns: int
    local: str = ""

    @contextlib.contextmanager
    def opened(self) -> Iterator["Source"]:
        """This source with ``local`` a readable local file: a URL is copied (fsspec) to a temporary
        file whose name depends only on the URL, so the path inside its bundles is the same every run."""
        if not is_url(self.path):
            yield replace(self, local=self.path)
            return
        import fsspec

        folder = os.path.join(tempfile.gettempdir(), "odvd-prepare",
                              hashlib.blake2b(self.path.encode(), digest_size=8).hexdigest())
        os.makedirs(folder, exist_ok=True)
        local = os.path.join(folder, os.path.basename(self.path.rstrip("/")) or "video")
        try:
            with fsspec.open(self.path, "rb") as src, open(local + ".part", "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 22)
            os.replace(local + ".part", local)
            yield replace(self, local=local)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _stat(path: str) -> Source:
    if is_url(path):
        import fsspec

        fs, inner = fsspec.core.url_to_fs(path)
        info = fs.info(inner)
        mtime = info.get("mtime") or info.get("LastModified") or info.get("created") or 0
        if hasattr(mtime, "timestamp"):
            mtime = mtime.timestamp()
        return Source(path, int(info.get("size") or 0), int(float(mtime) * 1e9), path)
    st = os.stat(path)
    return Source(path, st.st_size, st.st_mtime_ns, path)


def _walk(folder: str) -> Iterator[str]:
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if os.path.splitext(name)[1].lower() in VIDEO_EXTENSIONS:
                yield os.path.join(root, name)


def _expand(src: str) -> Iterator[str]:
    if is_url(src):
        yield src
    elif os.path.isdir(src):
        yield from (os.path.abspath(p) for p in _walk(src))
    elif os.path.splitext(src)[1].lower() in LIST_EXTENSIONS:
        base = os.path.dirname(os.path.abspath(src))
        with open(src, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    for p in _expand(line if is_url(line) else os.path.join(base, line)):
                        yield p
    else:
        yield os.path.abspath(src)


def scan(srcs: Sequence[str]) -> List[Source]:
    """The videos of ``srcs`` (files, folders searched recursively by extension, text files of paths
    or URLs), sorted by path and each once. One that cannot be stat'ed gets size and mtime -1 (its
    row will say why it cannot be read)."""
    paths = sorted({p for s in srcs for p in _expand(os.fspath(s))})
    sources = []
    for p in paths:
        try:
            sources.append(_stat(p))
        except (OSError, ValueError):
            sources.append(Source(p, -1, -1, p))
    return sources


def batches(sources: Sequence[Source], max_videos: int, max_bytes: int) -> List[List[Source]]:
    """Consecutive runs of ``sources``: at most ``max_videos`` videos, and closed once they reach
    ``max_bytes``. Greedy, so removing whole batches (those a crashed run committed) and batching the
    rest again gives the remaining batches unchanged: a rerun names its parts and shards as the
    uninterrupted run would have."""
    out: List[List[Source]] = []
    cur: List[Source] = []
    size = 0
    for s in sources:
        cur.append(s)
        size += s.size
        if len(cur) >= max_videos or size >= max_bytes:
            out.append(cur)
            cur, size = [], 0
    if cur:
        out.append(cur)
    return out

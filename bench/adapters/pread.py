"""The floor for GOP extraction from an indexed file: ``os.pread`` of the GOP's bytes.

Not a decoder: it knows each packet's byte range from the harness's index (PyAV ``packet.pos`` /
``packet.size`` of one demux per clip, made in ``prepare``, untimed) and keeps one descriptor open
per clip. Two variants:

- ``pread-packets``: one ``os.pread`` per packet, joined into one ``bytes``.
- ``pread-range``: one ``os.pread`` covering the GOP from its first packet's offset to the end of
  its last; equal to the packets' bytes when they are contiguous in the file (checked in
  ``prepare``: true for single-stream MP4 made by the ffmpeg CLI, whose chunks follow each other).
"""

import os
from typing import Any, Dict, List, Sequence, Tuple

from .base import Adapter, ClipInfo, GopInfo


class _Pread(Adapter):
    def __init__(self, **options: str):
        super().__init__(**options)
        self._fds: Dict[str, int] = {}
        self._gop_of: Dict[str, List[Tuple[int, int, list]]] = {}

    def versions(self) -> Dict[str, Any]:
        return {"method": self.__doc__.strip().splitlines()[0]}

    def prepare(self, clips: Sequence[ClipInfo]) -> None:
        for clip in clips:
            if clip.path in self._fds:
                continue
            self._fds[clip.path] = os.open(clip.path, os.O_RDONLY)
            table = [None] * clip.num_frames
            for gop in clip.gops:
                first, length, packets = gop
                for fid in range(first, first + length):
                    table[fid] = gop
                if isinstance(self, PreadRangeAdapter):
                    for (pos, size), (next_pos, _) in zip(packets, packets[1:]):
                        if pos + size != next_pos:
                            raise ValueError(f"pread-range: packets of {clip.path} are not contiguous at {pos}")
            self._gop_of[clip.path] = table

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def gop_info(self, result: Any) -> GopInfo:
        gop, data = result
        first, length, _ = gop
        return GopInfo(first_frame_id=first, gop_len=length, nbytes=len(data), data=data)


class PreadPacketsAdapter(_Pread):
    """one os.pread per packet of the GOP (byte ranges from PyAV packet.pos/size), joined"""

    name = "pread-packets"

    def gop_warm(self, path: str, frame_id: int) -> Any:
        fd = self._fds[path]
        gop = self._gop_of[path][frame_id]
        return gop, b"".join([os.pread(fd, size, pos) for pos, size in gop[2]])


class PreadRangeAdapter(_Pread):
    """one os.pread covering the GOP's contiguous packets (byte ranges from PyAV packet.pos/size)"""

    name = "pread-range"

    def gop_warm(self, path: str, frame_id: int) -> Any:
        fd = self._fds[path]
        gop = self._gop_of[path][frame_id]
        packets = gop[2]
        start = packets[0][0]
        end = packets[-1][0] + packets[-1][1]
        return gop, os.pread(fd, end - start, start)

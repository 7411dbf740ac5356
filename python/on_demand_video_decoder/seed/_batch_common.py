"""What the two 2-D asynchronous classes share (PyNvBatchAsyncStreamReader, PyNvBatchAsyncGopDecoder):
the checks of a 2-D request (one row of frame ids per file, every row the same length), its
flattening into one request of the 1-D engine and back into ``[file][frame]``, the description of how
two requests differ, and pickling by settings (the pending request itself: common/_pending_request.py).

A request is refused at submit time with :class:`BatchRequestError`, which is both a ValueError (this
package's type for a bad argument, docs/design.md "Errors") and a RuntimeError (the type accvlab
raises for these), so code written for either catches it. Errors of the decode itself (a missing
file, a frame id out of range, a damaged bundle) come out of GetBuffer with their own types.
"""

import operator
import os
from dataclasses import dataclass
from typing import Any, Iterable, List, Sequence, Tuple

from ..common._pending_request import rgb_options_difference
from ..sources._sources import _is_bytes_like, _is_file_like, paths_difference


class BatchRequestError(ValueError, RuntimeError):
    """A 2-D request refused before any decoding: too many files, rows of different lengths, a row
    longer than ``max_frames_per_decode_call``, an empty row, ... Catch it as ValueError or as
    RuntimeError (accvlab's type)."""


@dataclass(frozen=True)
class Request2D:
    """A checked 2-D request: ``paths[v]`` and its row of frame ids ``rows[v]`` (all rows one length)."""

    paths: Tuple[str, ...]
    rows: Tuple[Tuple[int, ...], ...]

    @property
    def frames_per_file(self) -> int:
        return len(self.rows[0])

    def flat(self) -> Tuple[List[str], List[int]]:
        """The 1-D request, column by column: frame 0 of every file, then frame 1 of every file, ...
        (the order F calls of the 1-D reader, one per column, would ask in)."""
        count = self.frames_per_file
        paths = [p for _ in range(count) for p in self.paths]
        ids = [row[f] for f in range(count) for row in self.rows]
        return paths, ids

    def regroup(self, flat: Sequence[Any]) -> List[List[Any]]:
        """``[file][frame]`` from the results of :meth:`flat`'s request, in its order."""
        files = len(self.paths)
        return [[flat[f * files + v] for f in range(self.frames_per_file)] for v in range(files)]


def _frame_id(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{where} must be an integer frame id, not bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{where} must be an integer frame id, not {type(value).__name__}") from None


def check_request(filepaths: Any, frame_ids: Any, *, max_files: int, max_files_name: str,
                  max_frames: int) -> Request2D:
    """The request checked: TypeError for arguments of the wrong kind, BatchRequestError for the
    rest. ``max_files_name`` is the constructor argument that bounds the files (``num_of_file`` or
    ``maxfiles``)."""
    if isinstance(filepaths, (str, bytes, os.PathLike)):
        raise TypeError("filepaths must be a list of paths, not a single path")
    # Paths become str; a video's bytes or a file-like object stay as they are (sources/_sources.py).
    paths = [p if _is_bytes_like(p) or _is_file_like(p) else os.fspath(p) for p in filepaths]
    if not paths:
        raise BatchRequestError("filepaths must not be empty")
    for i, p in enumerate(paths):
        if _is_bytes_like(p) or _is_file_like(p):
            continue
        if not isinstance(p, str):
            raise TypeError(f"filepaths[{i}] must be a path, bytes or a binary file-like object, not {type(p).__name__}")
        if "\0" in p:
            raise BatchRequestError(f"filepaths[{i}] contains a NUL byte: {p!r}")
    if isinstance(frame_ids, (str, bytes)):
        raise TypeError("frame_ids must be a list of lists of frame ids (one row per file)")
    try:
        raw_rows = list(frame_ids)
    except TypeError:
        raise TypeError("frame_ids must be a list of lists of frame ids (one row per file)") from None
    for r, row in enumerate(raw_rows):
        if isinstance(row, (str, bytes)) or not isinstance(row, Iterable):
            raise TypeError(f"frame_ids[{r}] must be a list of frame ids, not {type(row).__name__}")
    rows = tuple(tuple(_frame_id(i, f"frame_ids[{r}][{c}]") for c, i in enumerate(row))
                 for r, row in enumerate(raw_rows))
    if len(rows) != len(paths):
        raise BatchRequestError(f"frame_ids outer length ({len(rows)}) != filepaths length ({len(paths)}): "
                                f"one row of frame ids per file (frame_ids_2d outer length: filepaths.size() "
                                f"({len(paths)}) must equal frame_ids_2d.size() ({len(rows)}))")
    if len(paths) > max_files:
        raise BatchRequestError(f"number of files ({len(paths)}) exceeds {max_files_name} ({max_files}) "
                                "specified at construction")
    count = len(rows[0])
    for r, row in enumerate(rows):
        if len(row) != count:
            raise BatchRequestError(f"frame_ids[{r}] has {len(row)} frame ids but frame_ids[0] has {count}: "
                                    "jagged inner lengths are not supported (jagged input not supported)")
    if count == 0:
        raise BatchRequestError("frame_ids inner lists must not be empty (frame_ids_2d[0] must not be empty)")
    if count > max_frames:
        raise BatchRequestError(f"frames per file ({count}) exceeds max_frames_per_decode_call ({max_frames}) "
                                "specified at construction")
    return Request2D(tuple(paths), rows)


def refuse_stack(output: dict) -> dict:
    """The output options of a 2-D call: as the 1-D calls' (docs/output-options.md) but ``stack``,
    since the result is ``[file][frame]``."""
    if output.get("stack"):
        raise BatchRequestError("stack=True is not supported by the 2-D calls: their result is [file][frame]")
    output.pop("stack", None)
    return output


def describe_difference(want: tuple, given: tuple) -> str:
    """The first difference between two request keys ``(kind, Request2D, as_bgr, output)``, in words."""
    (want_kind, want_req, want_bgr, want_out), (kind, req, bgr, out) = want, given
    if kind != want_kind:
        return f"the pending request is {want_kind}, this call collects {kind}"
    different = paths_difference(req.paths, want_req.paths)
    if different:
        return different
    for v, (row, want_row) in enumerate(zip(req.rows, want_req.rows)):
        if len(row) != len(want_row):
            return f"frame_ids[{v}] has {len(row)} frame ids, the pending request's has {len(want_row)}"
        for f, (a, b) in enumerate(zip(row, want_row)):
            if a != b:
                return f"frame_ids[{v}][{f}] is {a}, the pending request has {b}"
    return rgb_options_difference(bgr, want_bgr, out, want_out)


class BatchAsyncBase:
    """What both batch classes share: pickling by their constructor's settings (`_settings`, device
    resolved), and the device, backend and frame bound of the object they submit to (`_inner`)."""

    _settings: dict
    _max_frames: int

    def _inner(self) -> Any:
        raise NotImplementedError

    def __getstate__(self) -> dict:
        """The constructor's settings (device resolved); decoders, readers and a pending request are not
        carried."""
        return {"settings": dict(self._settings)}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state["settings"])

    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda:N"``."""
        return self._inner().device

    @property
    def backend(self) -> str:
        """The decoder backend: ``"cpu"``, ``"cuvid"`` or ``"ffmpeg"``."""
        return self._inner().backend

    @property
    def max_frames_per_decode_call(self) -> int:
        return self._max_frames

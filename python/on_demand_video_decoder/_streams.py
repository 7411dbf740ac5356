"""list_streams: what a container holds, for choosing a stream with ``stream_index=`` (docs/seed-api.md,
"Choosing a stream")."""

import os
from typing import Any, Dict, List, Union

from . import _engine
from ._args import _paths


def list_streams(path: Union[str, "os.PathLike[str]"]) -> List[Dict[str, Any]]:
    """Every stream of the file at ``path``, in container order: ``{"index", "kind" ("video", "audio",
    "subtitle", "data", ...), "codec" (FFmpeg's name), "width", "height" (video)}`` plus ``"best"``:
    True for the video stream the decoders take when no ``stream_index`` is given.

    >>> import on_demand_video_decoder as odvd
    >>> [s["kind"] for s in odvd.list_streams(path)]  # doctest: +SKIP
    ['video', 'audio', 'video']
    """
    (name,) = _paths([path], "path")
    streams = _engine._streams(name)
    best = _engine._index_report(name)["params"]["stream_index"]
    for s in streams:
        s["best"] = s["index"] == best
    return streams

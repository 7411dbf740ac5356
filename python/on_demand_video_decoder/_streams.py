"""list_streams: what a container holds, for choosing a stream with ``stream_index=`` (docs/seed-api.md,
"Choosing a stream")."""

from typing import Any, Dict, List

from . import _engine
from ._args import _items
from ._sources import Sources


def list_streams(path: Any) -> List[Dict[str, Any]]:
    """Every stream of the video at ``path`` (a path, bytes or a file-like object), in container order: ``{"index", "kind" ("video", "audio",
    "subtitle", "data", ...), "codec" (FFmpeg's name), "width", "height" (video)}`` plus ``"best"``:
    True for the video stream the decoders take when no ``stream_index`` is given.

    >>> import on_demand_video_decoder as odvd
    >>> [s["kind"] for s in odvd.list_streams(path)]  # doctest: +SKIP
    ['video', 'audio', 'video']
    """
    with Sources(_items([path], "path"), name="path") as (name,):
        return _engine._streams(name)

"""GOP groups (accvlab's newer API, methods of PyNvGopDecoder): ``GetGOPGroups(requests)`` demuxes one
bundle per GOP that the requests need, with the requested frames inside it, and
``DecodeFromGOPGroupsRGB(groups)`` decodes them, every target of a GOP in the same pass.

A request is ``{"filepath": path, "frame_ids": [...]}``. Its frame ids are sorted and made unique;
each group holds the ones inside its GOP:

    {"gop_data": bundle, "source_index": i, "source_name": path, "filepath": path,
     "frame_ids": [...], "frame_positions": [[...], ...], "first_frame_id": n, "gop_len": m}

``source_index`` is the request's index (the groups of one request share it), ``frame_positions[k]``
every index of the request's ``frame_ids`` where ``frame_ids[k]`` was asked for (so duplicates are
decoded once and scattered back), and the GOP shows frames ``first_frame_id`` to
``first_frame_id + gop_len - 1``. Groups come request by request, GOP by GOP.
DecodeFromGOPGroupsRGB returns one dictionary per group: the group's keys but ``gop_data``, and
``frames``, one RGBFrame per entry of its ``frame_ids``. docs/batch-async.md.
"""

import operator
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ..common._errors import FrameIndexError
from ..sources._sources import _is_bytes_like, _is_file_like, describe


def _source(request: Any, index: int) -> Tuple[str, List[int], Dict[int, List[int]]]:
    """(path, sorted unique frame ids, frame id -> its positions in the request)."""
    if not isinstance(request, Mapping):
        raise TypeError(f"requests[{index}] must be a dict with 'filepath' and 'frame_ids', "
                        f"not {type(request).__name__}")
    for key in ("filepath", "frame_ids"):
        if key not in request:
            raise ValueError(f"requests[{index}] has no {key!r}")
    path = request["filepath"]
    if not (_is_bytes_like(path) or _is_file_like(path)):  # a video's bytes or a file-like object stay as they are
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"requests[{index}]['filepath'] must be a path, bytes or a binary file-like object, "
                            f"not {type(path).__name__}")
        path = os.fspath(path)
    ids = request["frame_ids"]
    if isinstance(ids, (str, bytes)):
        raise TypeError(f"requests[{index}]['frame_ids'] must be a list of frame ids")
    positions: Dict[int, List[int]] = {}
    for position, fid in enumerate(ids):
        if isinstance(fid, bool):
            raise TypeError(f"requests[{index}]['frame_ids'][{position}] must be an integer frame id, not bool")
        try:
            fid = operator.index(fid)
        except TypeError:
            raise TypeError(f"requests[{index}]['frame_ids'][{position}] must be an integer frame id, "
                            f"not {type(fid).__name__}") from None
        if fid < 0:
            raise FrameIndexError(f"requests[{index}]['frame_ids'][{position}] is {fid}: frame IDs must be non-negative")
        positions.setdefault(fid, []).append(position)
    return path, sorted(positions), positions


def get_gop_groups(decoder: Any, requests: Sequence[Any], enable_gop_dependency_graph_optimization: bool = False,
                   fastStreamInfos: Sequence[Any] = ()) -> List[dict]:
    """PyNvGopDecoder.GetGOPGroups: one group per (request, GOP holding some of its frames).

    Each round demuxes, for every request with frames not yet placed, the GOP of its smallest such
    frame (one GetGOPList call for all of them, the files in parallel), and places every frame of
    that request inside it.
    """
    if isinstance(requests, Mapping):
        raise TypeError("requests must be a list of dicts, not a single dict")
    sources = [_source(r, i) for i, r in enumerate(requests)]
    if fastStreamInfos and len(fastStreamInfos) != len(sources):
        raise ValueError(f"fastStreamInfos has {len(fastStreamInfos)} entries for {len(sources)} requests")
    option = {"enable_gop_dependency_graph_optimization": bool(enable_gop_dependency_graph_optimization)}
    groups: List[List[dict]] = [[] for _ in sources]
    next_index = [0] * len(sources)
    while True:
        todo = [s for s, (_, ids, _) in enumerate(sources) if next_index[s] < len(ids)]
        if not todo:
            break
        paths = [sources[s][0] for s in todo]
        firsts = [sources[s][1][next_index[s]] for s in todo]
        infos = [fastStreamInfos[s] for s in todo] if fastStreamInfos else []
        extracted = decoder.GetGOPList(paths, firsts, infos, **option)
        for s, (bundle, first_ids, gop_lens) in zip(todo, extracted):
            path, ids, positions = sources[s]
            start, length = int(first_ids[0]), int(gop_lens[0])
            if not start <= ids[next_index[s]] < start + length:  # the engine's contract; never expected
                raise RuntimeError(f"GOP [{start}, {start + length}) of {path} does not hold frame "
                                   f"{ids[next_index[s]]}")
            inside = []
            while next_index[s] < len(ids) and ids[next_index[s]] < start + length:
                inside.append(ids[next_index[s]])
                next_index[s] += 1
            groups[s].append({"gop_data": bundle, "source_index": s, "source_name": describe(path), "filepath": path,
                              "frame_ids": inside, "frame_positions": [list(positions[f]) for f in inside],
                              "first_frame_id": start, "gop_len": length})
    return [group for per_source in groups for group in per_source]


def _group_path(group: Mapping, index: int) -> str:
    for key in ("source_name", "filepath"):
        if key in group:
            path = group[key]
            if _is_bytes_like(path) or _is_file_like(path):
                return describe(path)  # as the group's bundle names it
            if not isinstance(path, (str, os.PathLike)):
                raise TypeError(f"groups[{index}][{key!r}] must be a path, not {type(path).__name__}")
            return os.fspath(path)
    raise ValueError(f"groups[{index}] has neither 'source_name' nor 'filepath'")


def decode_gop_groups(decoder: Any, groups: Sequence[Any], as_bgr: bool = False,
                      enable_gop_dependency_graph_optimization: Optional[bool] = None, **output: Any) -> List[dict]:
    """PyNvGopDecoder.DecodeFromGOPGroupsRGB: every group's frames, in one DecodeFromGOPListRGB call
    (the files in parallel, the targets of one GOP in one pass)."""
    if isinstance(groups, Mapping):
        raise TypeError("groups must be a list of group dicts (GetGOPGroups' result), not a single dict")
    groups = list(groups)
    if not groups:
        raise ValueError("groups is empty")
    if output.get("stack"):
        raise ValueError("stack=True is not supported by DecodeFromGOPGroupsRGB: its result is per group")
    output.pop("stack", None)
    bundles, paths, ids = [], [], []
    for g, group in enumerate(groups):
        if not isinstance(group, Mapping):
            raise TypeError(f"groups[{g}] must be a dict (a GetGOPGroups group), not {type(group).__name__}")
        for key in ("gop_data", "frame_ids"):
            if key not in group:
                raise ValueError(f"groups[{g}] is missing {key!r}")
        path = _group_path(group, g)
        frame_ids = list(group["frame_ids"])
        if not frame_ids:
            raise ValueError(f"groups[{g}]['frame_ids'] is empty")
        bundles.append(group["gop_data"])
        paths += [path] * len(frame_ids)
        ids += frame_ids
    frames = decoder.DecodeFromGOPListRGB(bundles, paths, ids, as_bgr,
                                          enable_gop_dependency_graph_optimization=enable_gop_dependency_graph_optimization,
                                          **output)
    decoded, offset = [], 0
    for group in groups:
        count = len(group["frame_ids"])
        result = {k: v for k, v in group.items() if k != "gop_data"}
        result["frame_ids"] = list(group["frame_ids"])
        result["frames"] = list(frames[offset:offset + count])
        offset += count
        decoded.append(result)
    return decoded

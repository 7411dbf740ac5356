"""PyNvBatchAsyncGopDecoder / CreateBatchAsyncGopDecoder: several frames per file decoded from GOP
bundles, in the background (accvlab's newer API).

``DecodeFromGOPListRGB(numpy_datas, filepaths, frame_ids)`` submits a request (``numpy_datas[v]``:
the bundles of ``filepaths[v]``, e.g. GetGOPList's; ``frame_ids[v]``: its row of frame ids, every row
the same length) and returns at once; ``DecodeFromGOPListRGBGetBuffer`` with the same paths and ids
returns the frames as ``[file][frame]``. The request runs as one DecodeFromGOPListRGB of a
PyNvGopDecoder (flattened, then regrouped): the frames are that call's byte for byte, the files
decode in parallel, and the targets of one GOP in one pass. ``DecodeFromGOPList`` /
``DecodeFromGOPListGetBuffer`` do the same for native (NV12 / P016) frames. docs/batch-async.md.
"""

from typing import Any, Dict, List, Optional

import numpy as np

from ..common._args import _count
from ..common._color_range_warning import ColorRangeWarner
from ..common._devices import igpu_for
from ..common._output import normalise
from ..common._pending_request import PendingRequest
from ..sources._sources import describe
from ._batch_common import (
    BatchAsyncBase,
    BatchRequestError,
    Request2D,
    check_request,
    describe_difference,
    refuse_stack,
)
from ._gop_decoder import DecodedFrameExt, PyNvGopDecoder, RGBFrame, _bundle

_OWNER = "PyNvBatchAsyncGopDecoder"


class PyNvBatchAsyncGopDecoder(BatchAsyncBase):
    """Decode ``[file][frame]`` requests from GOP bundles, on a background thread.

    ``maxfiles`` bounds the files of one request, ``max_frames_per_decode_call`` the frames per file.
    ``iGpu=0`` (the default, as accvlab's) demands GPU 0; ``iGpu=-1`` is the CPU backend and
    ``iGpu=None`` picks automatically (docs/design.md "Devices"). ``device=`` (keyword only; ``"cpu"``,
    ``"cuda"``, ``"cuda:N"`` or a torch.device, as the staged API's) decides instead of ``iGpu`` when
    given; an ``iGpu`` other than 0 naming another device is a ValueError. ``gpu_backend`` and
    ``strict`` (keyword only): as for PyNvGopDecoder.

    Unlike accvlab's, the returned frames own their memory: they stay valid after the next request.

    Example:
        >>> demuxer = PyNvGopDecoder(maxfiles=2, iGpu=-1)
        >>> decoder = CreateBatchAsyncGopDecoder(maxfiles=2, max_frames_per_decode_call=3, iGpu=-1)
        >>> files, ids = ["cam0.mp4", "cam1.mp4"], [[0, 5, 9], [1, 2, 3]]
        >>> bundles = [[gop for gop, _, _ in demuxer.GetGOPList([f] * 3, row)]  # doctest: +SKIP
        ...            for f, row in zip(files, ids)]
        >>> decoder.DecodeFromGOPListRGB(bundles, files, ids)  # doctest: +SKIP
        >>> out = decoder.DecodeFromGOPListRGBGetBuffer(files, ids)  # out[v][f]  # doctest: +SKIP
    """

    def __init__(self, maxfiles: int, max_frames_per_decode_call: int, iGpu: Optional[int] = 0,
                 suppressNoColorRangeWarning: bool = False, *, gpu_backend: Optional[str] = None,
                 strict: bool = False, device: Any = None):
        self._maxfiles = _count(maxfiles, "maxfiles")
        self._max_frames = _count(max_frames_per_decode_call, "max_frames_per_decode_call")
        # The colour-range check runs in the GetBuffer calls, on the caller's thread.
        iGpu = igpu_for(iGpu, device)
        self._decoder = PyNvGopDecoder(self._maxfiles, iGpu, True, gpu_backend=gpu_backend, strict=strict)
        self._color_range = ColorRangeWarner("PyNvGopDecoder", suppressNoColorRangeWarning)
        self._pending = PendingRequest(_OWNER, "odvd-batch-gop-decoder", describe_difference)
        self._settings = dict(maxfiles=self._maxfiles, max_frames_per_decode_call=self._max_frames,
                              iGpu=self._decoder._device, suppressNoColorRangeWarning=bool(suppressNoColorRangeWarning),
                              gpu_backend=self._decoder._settings["gpu_backend"], strict=bool(strict))

    def _inner(self):
        return self._decoder

    def _key(self, kind: str, filepaths: Any, frame_ids: Any, as_bgr: bool, output: dict) -> tuple:
        request = check_request(filepaths, frame_ids, max_files=self._maxfiles, max_files_name="maxfiles",
                                max_frames=self._max_frames)
        return (kind, request, bool(as_bgr), normalise(**refuse_stack(output)))

    @staticmethod
    def _bundles(numpy_datas: Any, files: int) -> List[np.ndarray]:
        """Every distinct bundle of the request once. A bundle given twice (the same array, or equal
        bytes: e.g. GetGOPList called once per frame) is passed once, so the frames of one GOP are
        answered by one entry and decoded in one pass."""
        if isinstance(numpy_datas, np.ndarray):
            raise TypeError("numpy_datas must be a list (one per file) of lists of bundles")
        per_file = list(numpy_datas)
        if len(per_file) != files:
            raise BatchRequestError(f"numpy_datas outer length ({len(per_file)}) != filepaths length ({files})")
        distinct: Dict[tuple, List[np.ndarray]] = {}
        for v, file_bundles in enumerate(per_file):
            if isinstance(file_bundles, np.ndarray):
                raise TypeError(f"numpy_datas[{v}] must be a list of bundles (1-D uint8 arrays)")
            file_bundles = list(file_bundles)
            if not file_bundles:
                raise BatchRequestError(f"numpy_datas[{v}] is empty: at least one serialized GOP bundle is "
                                        "required per video")
            for k, given in enumerate(file_bundles):
                bundle = _bundle(given, f"numpy_datas[{v}][{k}]")
                # Cheap key (size, head, tail), then the bytes themselves.
                same = distinct.setdefault((bundle.size, bundle[:256].tobytes(), bundle[-256:].tobytes()), [])
                if not any(b is bundle or np.array_equal(b, bundle) for b in same):
                    same.append(bundle)
        return [b for same in distinct.values() for b in same]

    def _submit(self, call: str, numpy_datas: Any, key: tuple, output: dict,
                enable_gop_dependency_graph_optimization: Optional[bool]) -> None:
        request: Request2D = key[1]
        bundles = self._bundles(numpy_datas, len(request.paths))
        paths, ids = request.flat()
        decoder, kind, bgr, options = self._decoder, key[0], key[2], dict(output)
        options["enable_gop_dependency_graph_optimization"] = enable_gop_dependency_graph_optimization
        if kind == "RGB":
            self._pending.submit(call, key, lambda: decoder.DecodeFromGOPListRGB(bundles, paths, ids, bgr, **options))
        else:
            self._pending.submit(call, key, lambda: decoder.DecodeFromGOPList(bundles, paths, ids, **options))

    def _collect(self, call: str, submit_call: str, key: tuple) -> list:
        frames = self._pending.collect(call, submit_call, key)
        request: Request2D = key[1]
        self._color_range.check([describe(p) for p in request.flat()[0]], frames)
        return request.regroup(frames)

    # -- RGB -------------------------------------------------------------------------------------------
    def DecodeFromGOPListRGB(self, numpy_datas: List[List[np.ndarray]], filepaths: List[str],
                             frame_ids: List[List[int]], as_bgr: bool = False, *,
                             enable_gop_dependency_graph_optimization: Optional[bool] = None, **output: Any) -> None:
        """Submits the decode of ``frame_ids[v][f]`` of ``filepaths[v]`` from the bundles
        ``numpy_datas[v]`` and returns at once.

        Each frame comes from a bundle entry of its own path holding it (docs/seed-api.md, "Which
        entry of a bundle answers a request"). Keyword-only output options as
        PyNvGopDecoder.DecodeFromGOPListRGB's (not ``stack``). A bad request raises here
        (BatchRequestError, a ValueError and a RuntimeError: more files than ``maxfiles``, rows of
        different lengths, an empty row or one longer than ``max_frames_per_decode_call``, an empty
        list of bundles for a file; TypeError for arguments of the wrong kind); errors of the decode
        (a bundle that does not hold a frame, a damaged bundle) raise from the GetBuffer call.
        ``enable_gop_dependency_graph_optimization`` as PyNvGopDecoder.DecodeFromGOPListRGB's: None or
        True decode only the targets' reference closures where the bitstream tells them, False every
        reference picture; the frames are the same (docs/reference-closure.md).
        """
        key = self._key("RGB", filepaths, frame_ids, as_bgr, output)
        self._submit("DecodeFromGOPListRGB", numpy_datas, key, output, enable_gop_dependency_graph_optimization)

    def DecodeFromGOPListRGBGetBuffer(self, filepaths: List[str], frame_ids: List[List[int]],
                                      as_bgr: bool = False, **output: Any) -> List[List[RGBFrame]]:
        """The frames of the pending DecodeFromGOPListRGB request, ``[file][frame]``, waiting if needed.

        RuntimeError when nothing is pending, or when the arguments differ from the pending request's
        (``do not match buffered result``; the request stays pending); an error of the background
        decode raises here with its own type, and the request is over.
        """
        key = self._key("RGB", filepaths, frame_ids, as_bgr, output)
        return self._collect("DecodeFromGOPListRGBGetBuffer", "DecodeFromGOPListRGB", key)

    # -- native (NV12 / P016) ------------------------------------------------------------------------
    def DecodeFromGOPList(self, numpy_datas: List[List[np.ndarray]], filepaths: List[str],
                          frame_ids: List[List[int]], *,
                          enable_gop_dependency_graph_optimization: Optional[bool] = None) -> None:
        """As DecodeFromGOPListRGB, for frames in their native layout (DecodedFrameExt)."""
        key = self._key("native", filepaths, frame_ids, False, {})
        self._submit("DecodeFromGOPList", numpy_datas, key, {}, enable_gop_dependency_graph_optimization)

    def DecodeFromGOPListGetBuffer(self, filepaths: List[str],
                                   frame_ids: List[List[int]]) -> List[List[DecodedFrameExt]]:
        """The frames of the pending DecodeFromGOPList request, ``[file][frame]``."""
        key = self._key("native", filepaths, frame_ids, False, {})
        return self._collect("DecodeFromGOPListGetBuffer", "DecodeFromGOPList", key)

    # -- resources -----------------------------------------------------------------------------------
    def release_decoder(self) -> None:
        """Waits for the request being decoded (it can still be collected), then frees the idle
        decoder instances."""
        self._pending.wait()
        self._decoder.release_decoder()

    def release_device_memory(self) -> None:
        """Waits for the request being decoded, then frees the idle blocks of the frame memory pool
        (frames already returned, or pending, stay valid)."""
        self._pending.wait()
        self._decoder.release_device_memory()

    def __del__(self):
        pending = getattr(self, "_pending", None)
        if pending is not None:
            pending.shutdown()


def CreateBatchAsyncGopDecoder(maxfiles: int, max_frames_per_decode_call: int, iGpu: Optional[int] = 0,
                               suppressNoColorRangeWarning: bool = False, *, gpu_backend: Optional[str] = None,
                               strict: bool = False, device: Any = None) -> PyNvBatchAsyncGopDecoder:
    """A PyNvBatchAsyncGopDecoder (accvlab's factory)."""
    return PyNvBatchAsyncGopDecoder(maxfiles, max_frames_per_decode_call, iGpu, suppressNoColorRangeWarning,
                                    gpu_backend=gpu_backend, strict=strict, device=device)

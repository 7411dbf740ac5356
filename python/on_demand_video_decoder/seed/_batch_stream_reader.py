"""PyNvBatchAsyncStreamReader / CreateBatchAsyncStreamReader: stream access over 2-D requests (accvlab's
newer API), several frames of each file per call, decoded in the background.

``Decode(filepaths, frame_ids)`` submits a request (``frame_ids[v]`` is the row of frame ids of
``filepaths[v]``, every row the same length) and returns at once; ``GetBuffer`` with the same
arguments returns its RGB frames as ``[file][frame]``. The request is decoded by the stream readers of
a PyNvSampleReader, as the 1-D calls of that reader one per column would decode it (frame 0 of every
file, then frame 1, ...), in one engine call: the frames are the 1-D reader's, byte for byte, each
file's reader moves forward as it would, and the files decode in parallel. docs/batch-async.md.
"""

from typing import Any, List, Optional

from ..common._args import _count
from ..common._color_range_warning import ColorRangeWarner
from ..common._devices import igpu_for
from ..common._output import normalise
from ..common._pending_request import PendingRequest
from ..sources._sources import describe
from ._batch_common import BatchAsyncBase, Request2D, check_request, describe_difference, refuse_stack
from ._gop_decoder import RGBFrame
from ._sample_reader import PyNvSampleReader

_OWNER = "PyNvBatchAsyncStreamReader"


class PyNvBatchAsyncStreamReader(BatchAsyncBase):
    """Decode ``[file][frame]`` requests with per-file stream readers, on a background thread.

    ``num_of_set`` and ``num_of_file`` are PyNvSampleReader's (readers are kept for
    ``num_of_set * num_of_file`` files, least recently used first out); ``num_of_file`` also bounds the
    files of one request and ``max_frames_per_decode_call`` the frames per file. ``iGpu=0`` (the
    default, as accvlab's) demands GPU 0; ``iGpu=-1`` is the CPU backend and ``iGpu=None`` picks
    automatically (docs/design.md "Devices"). ``device=`` (keyword only; ``"cpu"``, ``"cuda"``,
    ``"cuda:N"`` or a torch.device, as the staged API's) decides instead of ``iGpu`` when given; an
    ``iGpu`` other than 0 naming another device is a ValueError. ``gpu_backend`` and ``strict``
    (keyword only): as for PyNvGopDecoder.

    Unlike accvlab's, the returned frames own their memory: they stay valid after the next Decode.

    Example:
        >>> reader = CreateBatchAsyncStreamReader(1, 2, max_frames_per_decode_call=4, iGpu=-1)
        >>> files = ["cam0.mp4", "cam1.mp4"]
        >>> reader.Decode(files, [[0, 1, 2, 3], [0, 2, 4, 6]])  # doctest: +SKIP
        >>> out = reader.GetBuffer(files, [[0, 1, 2, 3], [0, 2, 4, 6]])  # doctest: +SKIP
        >>> np.asarray(out[1][2]).shape  # frame 4 of cam1  # doctest: +SKIP
        (900, 1600, 3)
    """

    def __init__(self, num_of_set: int, num_of_file: int, max_frames_per_decode_call: int,
                 iGpu: Optional[int] = 0, suppressNoColorRangeWarning: bool = False, *,
                 gpu_backend: Optional[str] = None, strict: bool = False, device: Any = None):
        self._num_of_file = _count(num_of_file, "num_of_file")
        self._max_frames = _count(max_frames_per_decode_call, "max_frames_per_decode_call")
        # The colour-range check runs in GetBuffer, on the caller's thread (not in the worker), so a
        # warnings filter or capture around GetBuffer sees it.
        iGpu = igpu_for(iGpu, device)
        self._reader = PyNvSampleReader(num_of_set, num_of_file, iGpu, True, gpu_backend=gpu_backend,
                                        strict=strict)
        self._color_range = ColorRangeWarner("PyNvVideoReader", suppressNoColorRangeWarning,
                                             remember=_count(num_of_set, "num_of_set") * self._num_of_file)
        self._pending = PendingRequest(_OWNER, "odvd-batch-stream-reader", describe_difference)
        self._settings = dict(num_of_set=self._reader._num_of_set, num_of_file=self._num_of_file,
                              max_frames_per_decode_call=self._max_frames, iGpu=self._reader._device,
                              suppressNoColorRangeWarning=bool(suppressNoColorRangeWarning),
                              gpu_backend=self._reader._settings["gpu_backend"], strict=bool(strict))

    def _inner(self):
        return self._reader

    @property
    def stats(self) -> dict:
        """PyNvSampleReader.stats of the readers: ``packets_fed``, ``frames_decoded``, ``seeks``."""
        return self._reader.stats

    def _request(self, filepaths: Any, frame_ids: Any, as_bgr: bool, output: dict) -> tuple:
        request = check_request(filepaths, frame_ids, max_files=self._num_of_file, max_files_name="num_of_file",
                                max_frames=self._max_frames)
        return ("RGB", request, bool(as_bgr), normalise(**refuse_stack(output)))

    def Decode(self, filepaths: List[str], frame_ids: List[List[int]], as_bgr: bool = False,
               **output: Any) -> None:
        """Submits the decode of ``frame_ids[v][f]`` of ``filepaths[v]`` and returns at once.

        Keyword-only output options as PyNvSampleReader.DecodeN12ToRGB's (``size``, ``layout``,
        ``dtype``, ``mean``, ``std``; not ``stack``). A bad request raises here (BatchRequestError, a
        ValueError and a RuntimeError: more files than ``num_of_file``, rows of different lengths, an
        empty row or one longer than ``max_frames_per_decode_call``; TypeError for arguments of the
        wrong kind); errors of the decode itself raise from GetBuffer. A request not yet collected is
        waited for and discarded, with a RuntimeWarning.
        """
        key = self._request(filepaths, frame_ids, as_bgr, output)
        request: Request2D = key[1]
        paths, ids = request.flat()
        reader, bgr, options = self._reader, key[2], dict(output)
        self._pending.submit("Decode", key, lambda: reader.DecodeN12ToRGB(paths, ids, bgr, **options))

    def GetBuffer(self, filepaths: List[str], frame_ids: List[List[int]], as_bgr: bool = False,
                  **output: Any) -> List[List[RGBFrame]]:
        """The frames of the pending request, ``[file][frame]``, waiting for them if needed.

        The arguments (output options included) must be the pending request's: RuntimeError
        (``do not match buffered result``) otherwise, and the request stays pending. RuntimeError
        when nothing is pending. An error of the background decode raises here with its own type
        (FileNotFoundError, IndexError, ValueError, ...), and the request is over.
        """
        key = self._request(filepaths, frame_ids, as_bgr, output)
        frames = self._pending.collect("GetBuffer", "Decode", key)
        request: Request2D = key[1]
        self._color_range.check([describe(p) for p in request.flat()[0]], frames)
        return request.regroup(frames)

    # -- resources -----------------------------------------------------------------------------------
    def clearAllReaders(self) -> None:
        """Waits for the request being decoded (it can still be collected), then drops every reader."""
        self._pending.wait()
        self._reader.clearAllReaders()

    def release_decoder(self) -> None:
        """Waits for the request being decoded, then releases the decoders (with their readers)."""
        self._pending.wait()
        self._reader.release_decoder()

    def release_device_memory(self) -> None:
        """Waits for the request being decoded, then frees the idle pixel memory kept for reuse.
        Frames already returned, or pending, stay valid."""
        self._pending.wait()
        self._reader.release_device_memory()

    def __del__(self):
        pending = getattr(self, "_pending", None)
        if pending is not None:
            pending.shutdown()


def CreateBatchAsyncStreamReader(num_of_set: int, num_of_file: int, max_frames_per_decode_call: int,
                                 iGpu: Optional[int] = 0, suppressNoColorRangeWarning: bool = False, *,
                                 gpu_backend: Optional[str] = None,
                                 strict: bool = False, device: Any = None) -> PyNvBatchAsyncStreamReader:
    """A PyNvBatchAsyncStreamReader (accvlab's factory)."""
    return PyNvBatchAsyncStreamReader(num_of_set, num_of_file, max_frames_per_decode_call, iGpu,
                                      suppressNoColorRangeWarning, gpu_backend=gpu_backend, strict=strict, device=device)

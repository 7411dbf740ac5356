"""PyNvSampleReader / CreateSampleReader: frames read forward, file by file, by decoders kept between
calls, with the names and arguments of the seed API (accvlab.on_demand_video_decoder).

Each file gets a reader that remembers where its decoder stands: asking for the next frame, or for
one further on in the same GOP or at the start of the next, continues decoding from there without a
seek, so walking a clip forward decodes every frame once. Readers are kept for up to
``num_of_set * num_of_file`` files (least recently used first out): a dataset that cycles through
``num_of_set`` sets of ``num_of_file`` clips finds each clip's reader where it left it.

``DecodeN12ToRGBAsync`` decodes on a background thread (the engine releases the GIL);
``DecodeN12ToRGBAsyncGetBuffer`` returns that request's frames (common/_pending_request.py). Frames own their
memory, so the frames of one request stay valid while the next one decodes: no clone needed. A
synchronous call waits for a pending request and discards it, as accvlab's reader does.

An empty request (``[]``, ``[]``) returns an empty list, as accvlab's reader does.
"""

from typing import Any, List, Optional

from .. import _engine
from ..common._args import _count, _requests, _stream_keys
from ..common._color_range_warning import ColorRangeWarner
from ..common._devices import CPU, select_backend, select_gpu_backend
from ..common._output import engine_options, normalise, output_options
from ..common._pending_request import PendingRequest, rgb_options_difference
from ..sources._sources import Sources, describe, paths_difference
from ._gop_decoder import DecodedFrameExt, RGBFrame

_OWNER = "PyNvSampleReader"


class PyNvSampleReader:
    """Decode frames by (file, frame_id) with per-file readers that move forward between calls.

    ``iGpu=None`` picks the GPU when NVDEC is usable and the CPU otherwise; ``iGpu=-1`` is the CPU
    backend (libavcodec). ``gpu_backend`` and ``strict`` (keyword only): as for PyNvGopDecoder.

    Example:
        >>> reader = PyNvSampleReader(num_of_set=1, num_of_file=2, iGpu=-1)
        >>> for i in range(100):  # doctest: +SKIP
        ...     frames = reader.DecodeN12ToRGB(["cam0.mp4", "cam1.mp4"], [i, i])  # each frame decoded once
    """

    def __init__(self, num_of_set: int, num_of_file: int, iGpu: Optional[int] = None,
                 suppressNoColorRangeWarning: bool = False, *, gpu_backend: Optional[str] = None,
                 strict: bool = False, num_threads: Optional[int] = None):
        self._num_of_set = _count(num_of_set, "num_of_set")
        threads = 0 if num_threads is None else _count(num_threads, "num_threads")
        self._num_of_file = _count(num_of_file, "num_of_file")
        backend = select_gpu_backend(gpu_backend)
        self._device = select_backend(iGpu)
        self._engine = _engine._SampleReader(self._num_of_set * self._num_of_file, threads=threads,
                                             device=self._device, gpu_backend=backend, strict=bool(strict))
        # accvlab's readers name themselves PyNvVideoReader in this warning; a slot's file is forgotten
        # when the slot moves to another file.
        self._color_range = ColorRangeWarner("PyNvVideoReader", suppressNoColorRangeWarning,
                                             remember=self._num_of_set * self._num_of_file)
        self._pending = PendingRequest(_OWNER, "odvd-sample-reader", _difference)
        self._settings = dict(num_of_set=self._num_of_set, num_of_file=self._num_of_file, iGpu=self._device,
                              suppressNoColorRangeWarning=bool(suppressNoColorRangeWarning), gpu_backend=backend,
                              strict=bool(strict), num_threads=num_threads)

    def __getstate__(self) -> dict:
        """The constructor's settings, with the device and GPU backend as resolved; the readers (open
        files, decoder positions) and a pending async request are not carried: a copy starts afresh."""
        return {"settings": dict(self._settings)}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state["settings"])

    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda:N"``."""
        return "cpu" if self._device == CPU else f"cuda:{self._device}"

    @property
    def backend(self) -> str:
        """The decoder backend: ``"cpu"``, ``"cuvid"`` or ``"ffmpeg"``."""
        return self._engine.backend

    @property
    def stats(self) -> dict:
        """Work done so far: ``packets_fed``, ``frames_decoded`` (pictures the decoders put out) and
        ``seeks`` (decoder restarts at a key frame)."""
        return dict(self._engine.counters)

    # -- synchronous ---------------------------------------------------------------------------------
    def Decode(self, filepaths: List[str], frame_ids: List[int], *,
               stream_index: Optional[int] = None) -> List[DecodedFrameExt]:
        """Frames in their native layout (NV12 / P016), one per (file, frame_id), in request order.
        ``stream_index`` (keyword only, on every decode call): the container's video stream to read
        (None: the best), as PyNvGopDecoder.Decode."""
        return self._decode("Decode", filepaths, frame_ids, stream_index, "native")

    def DecodeN12ToRGB(self, filepaths: List[str], frame_ids: List[int], as_bgr: bool = False, *,
                       stream_index: Optional[int] = None, **output: Any) -> List[RGBFrame]:
        """Frames as HWC uint8 RGB (or BGR), converted with each stream's own matrix and range.

        Keyword-only output options: ``size``, ``layout``, ``dtype``, ``mean``, ``std``, ``stack``
        (docs/output-options.md), as PyNvGopDecoder.DecodeN12ToRGB.
        """
        options = output_options(**output)
        return self._decode("DecodeN12ToRGB", filepaths, frame_ids, stream_index, "bgr" if as_bgr else "rgb", options)

    def _decode(self, call: str, filepaths: List[str], frame_ids: List[int], stream_index: Optional[int],
                *how: Any) -> list:
        paths, ids = _requests(filepaths, frame_ids, allow_empty=True)
        self._pending.discard(call, stacklevel=4)  # a pending async request is waited for, then dropped
        if not paths:
            return []
        with Sources(paths, self._engine, stream_index=stream_index) as names:
            frames = self._engine.decode(_stream_keys(names, stream_index), ids, *how)
        self._color_range.check([describe(p) for p in paths], frames)
        return frames

    # -- asynchronous (double-buffered) ----------------------------------------------------------------
    def DecodeN12ToRGBAsync(self, filepaths: List[str], frame_ids: List[int], as_bgr: bool = False, *,
                            stream_index: Optional[int] = None, **output: Any) -> None:
        """Starts decoding on a background thread and returns at once; collect the frames with
        DecodeN12ToRGBAsyncGetBuffer (same arguments, output options included). Bad arguments raise
        here; errors of the decode itself raise from DecodeN12ToRGBAsyncGetBuffer.

        One request is pending at a time: a request still decoding is waited for, and a result not
        collected is discarded, each with a RuntimeWarning; a synchronous call (Decode,
        DecodeN12ToRGB) does the same first.
        """
        normalised = normalise(**output)
        options = engine_options(normalised)
        paths, ids = _requests(filepaths, frame_ids, allow_empty=True)
        key = (paths, ids, bool(as_bgr), normalised)
        engine, how = self._engine, "bgr" if as_bgr else "rgb"

        def decode() -> list:  # bytes / file-like sources are registered for the background call
            if not paths:
                return []
            with Sources(paths, engine, stream_index=stream_index) as names:
                return engine.decode(_stream_keys(names, stream_index), ids, how, options)

        self._pending.submit("DecodeN12ToRGBAsync", key, decode)

    def DecodeN12ToRGBAsyncGetBuffer(self, filepaths: List[str], frame_ids: List[int],
                                     as_bgr: bool = False, **output: Any) -> List[RGBFrame]:
        """The frames of the pending DecodeN12ToRGBAsync request, waiting for them if needed.

        Raises RuntimeError when nothing is pending or when the arguments differ from the pending
        request's (the request stays pending); an error of the background decode is raised here with
        its own type (FileNotFoundError, IndexError, ValueError, ...), and the request is over.
        """
        call = "DecodeN12ToRGBAsyncGetBuffer"
        self._pending.require(call, "DecodeN12ToRGBAsync")
        try:
            paths, ids = _requests(filepaths, frame_ids, allow_empty=True)
        except ValueError as e:  # lists of different lengths cannot match the pending request
            self._pending.mismatch(call, str(e))
        frames = self._pending.collect(call, "DecodeN12ToRGBAsync", (paths, ids, bool(as_bgr), normalise(**output)))
        self._color_range.check([describe(p) for p in paths], frames)
        return frames

    # -- resources -----------------------------------------------------------------------------------
    def clearAllReaders(self) -> None:
        """Drops every reader (files, decoders, positions); the next call starts afresh. A request
        being decoded is waited for first (its frames can still be collected)."""
        self._pending.wait()
        self._engine.clear()

    def release_decoder(self) -> None:
        """Releases the decoders (with their readers): the next call opens them again. A request being
        decoded is waited for first."""
        self._pending.wait()
        self._engine.clear()

    def release_device_memory(self) -> None:
        """Frees the idle pixel memory kept for reuse (host memory on the CPU backend)."""
        self._engine.release_memory()

    def __del__(self):
        pending = getattr(self, "_pending", None)
        if pending is not None:
            pending.shutdown()


def _difference(want: tuple, given: tuple) -> str:
    """How the request key ``given`` (paths, ids, as_bgr, output options) differs from ``want``."""
    (want_paths, want_ids, want_bgr, want_output), (paths, ids, bgr, output) = want, given
    different = paths_difference(paths, want_paths)
    if different:
        return different
    for i, (a, b) in enumerate(zip(ids, want_ids)):
        if a != b:
            return f"frame_ids[{i}] is {a}, the pending request has {b}"
    return rgb_options_difference(bgr, want_bgr, output, want_output)


def CreateSampleReader(num_of_set: int, num_of_file: int, iGpu: Optional[int] = None,
                       suppressNoColorRangeWarning: bool = False, *,
                       gpu_backend: Optional[str] = None, strict: bool = False,
                       num_threads: Optional[int] = None) -> PyNvSampleReader:
    """A PyNvSampleReader (the seed's factory)."""
    return PyNvSampleReader(num_of_set, num_of_file, iGpu, suppressNoColorRangeWarning, gpu_backend=gpu_backend,
                            strict=strict, num_threads=num_threads)

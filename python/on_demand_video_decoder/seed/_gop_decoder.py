"""PyNvGopDecoder: random access at GOP level, with the names and arguments of the seed API
(accvlab.on_demand_video_decoder), plus the bundle functions. Arguments are checked here for clear
messages; the engine (C++, GIL released) does the work."""

import operator
import os
from typing import Any, List, Optional, Tuple

import numpy as np

from .. import _engine
from ..common._args import _count, _paths, _requests, _stream_keys
from ..common._color_range_warning import ColorRangeWarner
from ..common._devices import CPU, select_backend, select_gpu_backend
from ..common._output import output_options
from ..sources._sources import Sources, describe
from ..sources._stream_info import check_infos
from ._gop_groups import decode_gop_groups, get_gop_groups

DecodedFrameExt = _engine.DecodedFrameExt
CAIMemoryView = _engine.CAIMemoryView  # one plane of a DecodedFrameExt (its cuda() / nvcv_image())
PixelFormat = _engine.PixelFormat  # DecodedFrameExt.format: equal to its name and to accvlab's number
RGBFrame = _engine.RGBFrame


def _bundle(numpy_data: Any, name: str = "numpy_data") -> np.ndarray:
    arr = np.asarray(numpy_data)
    if arr.dtype != np.uint8 or arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D uint8 array (a GOP bundle), got {arr.dtype} {arr.shape}")
    return np.ascontiguousarray(arr)


def _bundle_list(numpy_datas: Any, one_bundle_call: str) -> List[np.ndarray]:
    """The bundles of a DecodeFromGOPList* call: a list of at least one bundle."""
    if isinstance(numpy_datas, np.ndarray):
        raise TypeError(f"numpy_datas must be a list of bundles; use {one_bundle_call} for one bundle")
    bundles = [_bundle(a, f"numpy_datas[{i}]") for i, a in enumerate(numpy_datas)]
    if not bundles:
        raise ValueError("numpy_datas is empty")
    return bundles


def _bundle_requests(filepaths: Any, frame_ids: Any) -> Tuple[List[str], List[int]]:
    """A bundle decode's requests: paths as given, a video given as bytes or a file-like object named as
    its bundle entries name it (its source_path: ``<bytes: N bytes>``, ``<file-like io.BytesIO>``)."""
    paths, ids = _requests(filepaths, frame_ids)
    return [describe(p) for p in paths], ids


def _default_closure(device: int, reference_closure: Optional[bool]) -> bool:
    """Whether a decoder feeds reference closures unless told per call: as asked, else on the CPU, and
    on a GPU only with ODVD_GPU_REFERENCE_CLOSURE=1 until a GPU run has validated NVDEC's parsers with
    pictures left out (docs/reference-closure.md; like the GPU backends themselves, docs/validation/gpu.md)."""
    if reference_closure is not None:
        return bool(reference_closure)
    return device == CPU or os.environ.get("ODVD_GPU_REFERENCE_CLOSURE") == "1"


class PyNvGopDecoder:
    """Decode frames by (file, frame_id), decoding only the GOP each frame needs.

    ``frame_id`` is the 0-based index of a frame in presentation order. ``iGpu=None`` picks the GPU
    when NVDEC is usable and the CPU otherwise; ``iGpu=-1`` is the CPU backend (libavcodec).
    ``gpu_backend`` (keyword only) chooses how a GPU decodes: ``"cuvid"`` (NVIDIA's parser and
    decoder) or ``"ffmpeg"`` (libavcodec's NVDEC hwaccel); the default comes from the environment
    variable ``ODVD_GPU_BACKEND``, else ``"cuvid"``. ``strict=True`` (keyword only) makes data the
    decoder reports as damaged a ValueError naming the file and frame; by default such frames are
    returned with ``frame.corrupt`` set (docs/hostile-input.md). ``reference_closure`` (keyword only):
    whether decodes feed only the targets' reference closures (docs/reference-closure.md; the frames
    are the same either way); default: on the CPU, and on a GPU with ODVD_GPU_REFERENCE_CLOSURE=1 until
    a GPU run validates it; False feeds every reference picture of a run.
    ``num_threads`` (keyword only): the CPU threads a call uses (files in parallel, libavcodec's
    threads); default: the process's budget, the CPUs of its affinity mask within its cgroup's CPU
    quota, or the environment variable ``ODVD_NUM_THREADS`` (docs/design.md, "Threads").

    Example:
        >>> dec = PyNvGopDecoder(maxfiles=6, iGpu=-1)
        >>> frames = dec.DecodeN12ToRGB(["cam0.mp4", "cam1.mp4"], [0, 10])  # doctest: +SKIP
        >>> np.asarray(frames[0]).shape  # doctest: +SKIP
        (900, 1600, 3)
    """

    def __init__(self, maxfiles: int, iGpu: Optional[int] = None, suppressNoColorRangeWarning: bool = False, *,
                 gpu_backend: Optional[str] = None, strict: bool = False, reference_closure: Optional[bool] = None,
                 num_threads: Optional[int] = None):
        maxfiles = _count(maxfiles, "maxfiles")
        threads = 0 if num_threads is None else _count(num_threads, "num_threads")
        backend = select_gpu_backend(gpu_backend)
        self._device = select_backend(iGpu)
        self._maxfiles = maxfiles
        self._color_range = ColorRangeWarner("PyNvGopDecoder", suppressNoColorRangeWarning)
        # device >= 0: NVDEC into that GPU's memory (opt-in until validated on a GPU: common/_devices.py).
        self._engine = _engine._GopEngine(maxfiles, threads=threads, device=self._device, gpu_backend=backend,
                                          strict=bool(strict))
        self._engine.reference_closure = _default_closure(self._device, reference_closure)
        self._packet_list_codecs: List[int] = []
        # What a pickle carries (docs/training-data.md, "Pickling"): the settings, with the device and
        # GPU backend as resolved here, so a copy decodes where this one does.
        self._settings = dict(maxfiles=maxfiles, iGpu=self._device,
                              suppressNoColorRangeWarning=bool(suppressNoColorRangeWarning),
                              gpu_backend=backend, strict=bool(strict), reference_closure=reference_closure,
                              num_threads=num_threads)

    def __getstate__(self) -> dict:
        """The constructor's settings (and DecodeFromPacketListInitialize's codecs); open files, decoders,
        pooled memory and the colour-range warnings already given are not carried."""
        return {"settings": dict(self._settings), "packet_list_codecs": list(self._packet_list_codecs)}

    def __setstate__(self, state: dict) -> None:
        settings = dict(state["settings"])
        self.__init__(settings.pop("maxfiles"), settings.pop("iGpu"), settings.pop("suppressNoColorRangeWarning"),
                      **settings)
        self._packet_list_codecs = list(state.get("packet_list_codecs", []))

    @property
    def device(self) -> str:
        """``"cpu"`` or ``"cuda:N"``."""
        return "cpu" if self._device == CPU else f"cuda:{self._device}"

    def _closure(self, enable_gop_dependency_graph_optimization: Optional[bool]) -> bool:
        """Whether a bundle decode feeds reference closures: as the call says, else the decoder's default."""
        if enable_gop_dependency_graph_optimization is None:
            return self._engine.reference_closure
        return bool(enable_gop_dependency_graph_optimization)

    def _checked(self, paths: List[Any], frames: list) -> list:
        """`frames`, after the colour-range warning for their files (suppressNoColorRangeWarning)."""
        self._color_range.check([describe(p) for p in paths], frames)
        return frames

    @property
    def backend(self) -> str:
        """The decoder backend: ``"cpu"``, ``"cuvid"`` or ``"ffmpeg"``."""
        return self._engine.backend

    # -- decoding from files -------------------------------------------------------------------
    def Decode(self, filepaths: List[str], frame_ids: List[int], fastStreamInfos: List[Any] = [], *,
               stream_index: Optional[int] = None) -> List[DecodedFrameExt]:
        """Frames in their native layout (NV12 / P016), one per (file, frame_id), in request order.

        ``stream_index`` (keyword only, every call that opens files takes it): the container's index of
        the video stream to decode (ffprobe's ``index``; ``list_streams`` lists them); None: the best
        video stream. ValueError when it is not a video stream of a file.
        """
        paths, ids = _requests(filepaths, frame_ids)
        with Sources(paths, self._engine, stream_index=stream_index) as names:
            keys = _stream_keys(names, stream_index)
            check_infos(fastStreamInfos, keys, self._engine)
            return self._checked(paths, self._engine.decode(keys, ids, "native"))

    def DecodeN12ToRGB(self, filepaths: List[str], frame_ids: List[int], as_bgr: bool = False,
                       fastStreamInfos: List[Any] = [], *, stream_index: Optional[int] = None,
                       **output: Any) -> List[RGBFrame]:
        """Frames as HWC uint8 RGB (or BGR), converted with each stream's own matrix and range.

        Keyword-only output options (every RGB method takes them): ``size=(height, width)``,
        ``layout="HWC"|"CHW"``, ``dtype="uint8"|"float32"``, ``mean``, ``std`` and ``stack``
        (docs/output-options.md). ``stack=True`` returns a list of one frame of shape (N, ...).
        """
        options = output_options(**output)
        paths, ids = _requests(filepaths, frame_ids)
        with Sources(paths, self._engine, stream_index=stream_index) as names:
            keys = _stream_keys(names, stream_index)
            check_infos(fastStreamInfos, keys, self._engine)
            return self._checked(paths, self._engine.decode(keys, ids, "bgr" if as_bgr else "rgb", options))

    # -- GOP bundles -------------------------------------------------------------------------------
    def GetGOP(self, filepaths: List[str], frame_ids: List[int], fastStreamInfos: List[Any] = [], *,
               enable_gop_dependency_graph_optimization: bool = False,
               stream_index: Optional[int] = None) -> Tuple[np.ndarray, List[int], List[int]]:
        """One bundle holding the GOP of each requested frame: (bytes, first_frame_ids, gop_lens).

        The bundle (docs/bundle-format.md) decodes without the source file (DecodeFromGOP*).
        ``enable_gop_dependency_graph_optimization=True``: each entry also carries its packets'
        references, read from the bitstream (HEVC; docs/reference-closure.md).
        """
        paths, ids = _requests(filepaths, frame_ids)
        with Sources(paths, self._engine, stream_index=stream_index) as names:
            keys = _stream_keys(names, stream_index)
            check_infos(fastStreamInfos, keys, self._engine)
            return self._engine.get_gop(keys, ids, bool(enable_gop_dependency_graph_optimization))

    def GetGOPList(self, filepaths: List[str], frame_ids: List[int], fastStreamInfos: List[Any] = [], *,
                   enable_gop_dependency_graph_optimization: bool = False,
                   stream_index: Optional[int] = None) -> List[Tuple[np.ndarray, List[int], List[int]]]:
        """Like GetGOP, but one bundle per request: [(bytes, [first_frame_id], [gop_len]), ...]."""
        paths, ids = _requests(filepaths, frame_ids)
        with Sources(paths, self._engine, stream_index=stream_index) as names:
            keys = _stream_keys(names, stream_index)
            check_infos(fastStreamInfos, keys, self._engine)
            return self._engine.get_gop_list(keys, ids, bool(enable_gop_dependency_graph_optimization))

    def DecodeFromGOP(self, numpy_data: np.ndarray, filepaths: List[str], frame_ids: List[int], *,
                      enable_gop_dependency_graph_optimization: Optional[bool] = None) -> List[DecodedFrameExt]:
        """Native frames from a bundle; ``filepaths`` say which file's GOP each frame is in.

        The paths are the ones the bundle was made from (as GetGOP was given them): each frame comes
        from the entry of that path holding it, never from another file's entry; ValueError when no
        entry does (docs/bundle-format.md, "Matching requests to entries").

        ``enable_gop_dependency_graph_optimization`` (every DecodeFromGOP* call takes it): True feeds
        the decoder only the targets' reference closures where the bitstream tells them (HEVC, AV1),
        False every reference picture, None the decoder's default (``reference_closure``); the frames
        are the same (docs/reference-closure.md).
        """
        paths, ids = _bundle_requests(filepaths, frame_ids)
        frames = self._engine.decode_bundles([_bundle(numpy_data)], paths, ids, "native", None,
                                             self._closure(enable_gop_dependency_graph_optimization))
        return self._checked(paths, frames)

    def DecodeFromGOPRGB(self, numpy_data: np.ndarray, filepaths: List[str], frame_ids: List[int],
                         as_bgr: bool = False, *, enable_gop_dependency_graph_optimization: Optional[bool] = None,
                         **output: Any) -> List[RGBFrame]:
        """RGB (or BGR) frames from a bundle (output options as DecodeN12ToRGB)."""
        options = output_options(**output)
        paths, ids = _bundle_requests(filepaths, frame_ids)
        frames = self._engine.decode_bundles([_bundle(numpy_data)], paths, ids, "bgr" if as_bgr else "rgb", options,
                                             self._closure(enable_gop_dependency_graph_optimization))
        return self._checked(paths, frames)

    def DecodeFromGOPList(self, numpy_datas: List[np.ndarray], filepaths: List[str], frame_ids: List[int], *,
                          enable_gop_dependency_graph_optimization: Optional[bool] = None) -> List[DecodedFrameExt]:
        """Native frames (NV12 / P016) from several bundles (e.g. GetGOPList's, or LoadGopsToList's),
        matched to requests as DecodeFromGOP matches them (accvlab's newer API)."""
        paths, ids = _bundle_requests(filepaths, frame_ids)
        frames = self._engine.decode_bundles(_bundle_list(numpy_datas, "DecodeFromGOP"), paths, ids, "native", None,
                                             self._closure(enable_gop_dependency_graph_optimization))
        return self._checked(paths, frames)

    def DecodeFromGOPListRGB(self, numpy_datas: List[np.ndarray], filepaths: List[str], frame_ids: List[int],
                             as_bgr: bool = False, *, enable_gop_dependency_graph_optimization: Optional[bool] = None,
                             **output: Any) -> List[RGBFrame]:
        """RGB (or BGR) frames from several bundles (e.g. GetGOPList's, or LoadGopsToList's); output
        options as DecodeN12ToRGB."""
        options = output_options(**output)
        paths, ids = _bundle_requests(filepaths, frame_ids)
        bundles = _bundle_list(numpy_datas, "DecodeFromGOPRGB")
        frames = self._engine.decode_bundles(bundles, paths, ids, "bgr" if as_bgr else "rgb", options,
                                             self._closure(enable_gop_dependency_graph_optimization))
        return self._checked(paths, frames)

    # -- GOP groups (accvlab's newer API; _gop_groups.py) ------------------------------------------------
    def GetGOPGroups(self, requests: List[dict], enable_gop_dependency_graph_optimization: bool = False,
                     fastStreamInfos: List[Any] = []) -> List[dict]:
        """One group per GOP the requests need: ``requests = [{"filepath": f, "frame_ids": [...]}, ...]``
        gives ``[{"gop_data", "source_index", "source_name", "filepath", "frame_ids" (sorted, unique,
        those of the request inside this GOP), "frame_positions", "first_frame_id", "gop_len"}, ...]``,
        request by request, GOP by GOP. ``enable_gop_dependency_graph_optimization=True``: each
        ``gop_data`` carries its packets' references (as GetGOPList's; docs/reference-closure.md)."""
        return get_gop_groups(self, requests, enable_gop_dependency_graph_optimization, fastStreamInfos)

    def DecodeFromGOPGroupsRGB(self, groups: List[dict], as_bgr: bool = False,
                               enable_gop_dependency_graph_optimization: Optional[bool] = None,
                               **output: Any) -> List[dict]:
        """Decodes GetGOPGroups' groups, every target of a GOP in one pass: one dictionary per group,
        its keys but ``gop_data``, plus ``frames`` (one RGBFrame per entry of its ``frame_ids``).
        Output options as DecodeN12ToRGB (not ``stack``); ``enable_gop_dependency_graph_optimization``
        as DecodeFromGOPListRGB's (the union of the targets' reference closures per GOP)."""
        return decode_gop_groups(self, groups, as_bgr, enable_gop_dependency_graph_optimization, **output)

    def ParseSerializedPacketBundle(self, numpy_data: np.ndarray) -> tuple:
        """The bundle's entries as the 11 lists of the seed, one item per entry (requested frame):

        color_ranges (AVColorRange), codec_ids (Codec values), widths, heights, frame_sizes (payload
        bytes), gop_lens, first_frame_ids, packet_binary_data_arrays (read-only views of each entry's
        packets, back to back), packet_binary_data_sizes, packets_bytes (each packet's size), and
        decode_idxs (for each packet, in decode order, the frame_id it produces; -1 for none).
        """
        return _engine._parse_bundle(_bundle(numpy_data))

    def DecodeFromPacketListInitialize(self, codec_ids: List[int]) -> int:
        """Sets the codec of each frame of the next DecodeFromPacketListRGB calls; returns 0."""
        codecs = [operator.index(c) for c in codec_ids]
        if not codecs:
            raise ValueError("codec_ids is empty")
        known = {4, 8, 10, 11}
        bad = [c for c in codecs if c not in known]
        if bad:
            raise ValueError(f"codec_ids {bad} unknown (h264=4, hevc=8, vp9=10, av1=11)")
        self._packet_list_codecs = codecs
        return 0

    def DecodeFromPacketListRGB(self, numpy_datas: List[List[np.ndarray]], packet_idxs: List[List[int]],
                                widths: List[int], heights: List[int], frame_ids: List[int],
                                as_bgr: bool = False, **output: Any) -> List[RGBFrame]:
        """Decodes packets given as arrays (one list per frame, decode order, starting at a key frame).

        ``packet_idxs[i][k]`` is the frame_id packet k of frame i produces (ParseSerializedPacketBundle's
        decode_idxs); frame i is the one whose id is ``frame_ids[i]``. Call
        DecodeFromPacketListInitialize with one codec id per frame first. Output options as
        DecodeN12ToRGB.
        """
        options = output_options(**output)
        if not self._packet_list_codecs:
            raise RuntimeError("call DecodeFromPacketListInitialize(codec_ids) before DecodeFromPacketListRGB")
        datas = [[np.ascontiguousarray(np.asarray(p, dtype=np.uint8).reshape(-1)) for p in frame] for frame in numpy_datas]
        idxs = [[operator.index(k) for k in frame] for frame in packet_idxs]
        return self._engine.decode_packet_lists(datas, idxs, [operator.index(w) for w in widths],
                                                [operator.index(h) for h in heights],
                                                [operator.index(f) for f in frame_ids], self._packet_list_codecs,
                                                "bgr" if as_bgr else "rgb", options)

    def MergePacketDataToOne(self, packet_data_arrays: List[np.ndarray]) -> np.ndarray:
        """One bundle holding every entry of the given bundles, in order."""
        return _engine._merge_bundles([_bundle(a, f"packet_data_arrays[{i}]") for i, a in enumerate(packet_data_arrays)])

    def LoadGops(self, file_paths: List[str]) -> np.ndarray:
        """Reads bundle files (SavePacketsToFile) and merges them into one bundle."""
        return _engine._merge_bundles(_engine._load_bundle_files(_paths(file_paths, "file_paths")))

    def LoadGopsToList(self, file_paths: List[str]) -> List[np.ndarray]:
        """Reads bundle files, one array per file (each checked completely)."""
        return _engine._load_bundle_files(_paths(file_paths, "file_paths"))

    LoadGopList = LoadGopsToList

    # -- resources ------------------------------------------------------------------------------------
    def release_decoder(self) -> None:
        """Frees the idle decoder instances (they are re-created on the next call)."""
        self._engine.release_decoders()

    def release_device_memory(self) -> None:
        """Frees the idle blocks of the frame memory pool (returned frames stay valid)."""
        self._engine.release_memory()


def SavePacketsToFile(numpy_data: np.ndarray, dst_filepath: str) -> None:
    """Writes a bundle to ``dst_filepath`` atomically (temporary file, then rename).

    The bundle is checked first: ValueError for bytes that are not a valid bundle.
    """
    _engine._save_bundle(_bundle(numpy_data), os.fspath(dst_filepath))


# accvlab's newer releases name the module-level writer SaveGopToFile; the seed's name stays.
SaveGopToFile = SavePacketsToFile

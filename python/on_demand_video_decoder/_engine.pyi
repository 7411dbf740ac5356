"""
on_demand_video_decoder compiled engine (see the on_demand_video_decoder package)
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
from on_demand_video_decoder import CorruptDataError
from on_demand_video_decoder import FrameIndexError
from on_demand_video_decoder import FrameNotInBundleError
from on_demand_video_decoder import SourceNotFoundError
import typing
import typing_extensions
__all__: list[str] = ['CAIMemoryView', 'CorruptDataError', 'DecodedFrameExt', 'FrameIndexError', 'FrameNotInBundleError', 'PixelFormat', 'RGBFrame', 'SourceNotFoundError', 'build_info']
class _OutputOptions:
    """
    Checked output options (size, layout, dtype, mean/std, stack, chroma upsampling) of the RGB methods.
    """
    def __init__(self, height: typing.SupportsInt | typing.SupportsIndex = 0, width: typing.SupportsInt | typing.SupportsIndex = 0, planar: bool = False, float32: bool = False, mean: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(3)"] = [0.0, 0.0, 0.0], std: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(3)"] = [1.0, 1.0, 1.0], stack: bool = False, chroma_bilinear: bool = False) -> None:
        ...
    def __repr__(self) -> str:
        ...
    @property
    def plain(self) -> bool:
        ...
class CAIMemoryView:
    """
    One plane of a native frame (Y, or interleaved UV), sharing the frame's memory: __cuda_array_interface__ for a frame in GPU memory, __array_interface__ for one in host memory.
    """
    def __dlpack__(self, *, stream: typing.Any = None, max_version: typing.Any = None, dl_device: typing.Any = None, copy: typing.Any = None) -> typing_extensions.CapsuleType:
        ...
    def __dlpack_device__(self) -> tuple:
        ...
    def __repr__(self) -> str:
        ...
    @property
    def __array_interface__(self) -> dict:
        ...
    @property
    def __cuda_array_interface__(self) -> dict:
        ...
    @property
    def data(self) -> int:
        ...
    @property
    def device(self) -> str:
        ...
    @property
    def dtype(self) -> str:
        ...
    @property
    def shape(self) -> tuple:
        ...
    @property
    def strides(self) -> tuple:
        ...
class PixelFormat:
    """
    A native frame's pixel format: equal to its name ('NV12', 'P016') and to accvlab's number for it (3, 5); str() gives the name, int() the number.
    """
    def __eq__(self, arg0: typing.Any) -> bool:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __int__(self) -> int:
        ...
    def __ne__(self, arg0: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class DecodedFrameExt:
    """
    A decoded frame in its native layout: NV12 (uint8) or P016 (uint16).
    """
    def GetPtrToPlane(self, planeIdx: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def __dlpack__(self, *, stream: typing.Any = None, max_version: typing.Any = None, dl_device: typing.Any = None, copy: typing.Any = None) -> typing_extensions.CapsuleType:
        ...
    def __dlpack_device__(self) -> tuple:
        ...
    def __repr__(self) -> str:
        ...
    def cpu(self) -> typing.Any:
        ...
    def cuda(self) -> list:
        """
        The planes as CAIMemoryView objects, Y then interleaved UV, sharing this frame's memory: with __cuda_array_interface__ for a frame in GPU memory, __array_interface__ for one in host memory.
        """
    def framesize(self) -> int:
        ...
    def nvcv_image(self) -> list:
        """
        The same plane views as cuda().
        """
    @property
    def __array_interface__(self) -> dict:
        ...
    @property
    def __cuda_array_interface__(self) -> dict:
        ...
    @property
    def bit_depth(self) -> int:
        ...
    @property
    def color_matrix(self) -> str:
        ...
    @property
    def color_range(self) -> str:
        ...
    @property
    def color_range_signalled(self) -> bool:
        """
        Whether the stream says its colour range; False: limited range was assumed.
        """
    @property
    def corrupt(self) -> bool:
        """
        Whether the decoder reported errors for this frame or a picture it depends on (its pixels may be wrong; strict decoding raises instead).
        """
    @property
    def device(self) -> str:
        ...
    @property
    def dtype(self) -> numpy.dtype[typing.Any]:
        ...
    @property
    def format(self) -> typing.Any:
        ...
    @property
    def frame_id(self) -> typing.Any:
        ...
    @property
    def frame_ids(self) -> list[int]:
        ...
    @property
    def height(self) -> int:
        ...
    @property
    def pts(self) -> typing.Any:
        ...
    @property
    def shape(self) -> tuple:
        ...
    @property
    def strides(self) -> tuple:
        ...
    @property
    def time_base(self) -> tuple[int, int]:
        ...
    @property
    def timestamp(self) -> typing.Any:
        ...
    @property
    def timestamps(self) -> list[int]:
        ...
    @property
    def width(self) -> int:
        ...
class RGBFrame:
    """
    A decoded frame as RGB or BGR: HWC uint8 by default; with output options CHW, float32, resized, or a stack of frames (shape (N, ...)).
    """
    def __dlpack__(self, *, stream: typing.Any = None, max_version: typing.Any = None, dl_device: typing.Any = None, copy: typing.Any = None) -> typing_extensions.CapsuleType:
        ...
    def __dlpack_device__(self) -> tuple:
        ...
    def __repr__(self) -> str:
        ...
    def cpu(self) -> typing.Any:
        ...
    def cuda(self) -> typing.Any:
        ...
    @property
    def __array_interface__(self) -> dict:
        ...
    @property
    def __cuda_array_interface__(self) -> dict:
        ...
    @property
    def color_range_signalled(self) -> bool:
        """
        Whether the stream says its colour range; False: limited range was assumed.
        """
    @property
    def corrupt(self) -> bool:
        """
        Whether the decoder reported errors for this frame or a picture it depends on (its pixels may be wrong; strict decoding raises instead).
        """
    @property
    def data(self) -> typing.Any:
        ...
    @property
    def dataptr(self) -> int:
        ...
    @property
    def device(self) -> str:
        ...
    @property
    def dtype(self) -> numpy.dtype[typing.Any]:
        ...
    @property
    def frame_id(self) -> typing.Any:
        ...
    @property
    def frame_ids(self) -> list[int]:
        ...
    @property
    def height(self) -> int:
        ...
    @property
    def isBGR(self) -> bool:
        ...
    @property
    def layout(self) -> str:
        ...
    @property
    def pts(self) -> typing.Any:
        ...
    @property
    def shape(self) -> tuple:
        ...
    @property
    def stride(self) -> tuple:
        ...
    @property
    def strides(self) -> tuple:
        ...
    @property
    def time_base(self) -> tuple[int, int]:
        ...
    @property
    def timestamp(self) -> typing.Any:
        ...
    @property
    def timestamps(self) -> list[int]:
        ...
    @property
    def width(self) -> int:
        ...
class _GopEngine:
    def __init__(self, maxfiles: typing.SupportsInt | typing.SupportsIndex, threads: typing.SupportsInt | typing.SupportsIndex = 0, device: typing.SupportsInt | typing.SupportsIndex = -1, gpu_backend: str = 'cuvid', strict: bool = False) -> None:
        ...
    def convert(self, frames: collections.abc.Sequence[DecodedFrameExt], output: str, options: _OutputOptions = None) -> list:
        """
        Native frames (DecodedFrameExt, in this decoder's memory) to RGB / BGR with output options.
        """
    def decode(self, filepaths: collections.abc.Sequence[str], frame_ids: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], output: str, options: _OutputOptions = None) -> list:
        ...
    def decode_bundles(self, bundles: collections.abc.Sequence[typing.Annotated[numpy.typing.ArrayLike, numpy.uint8]], filepaths: collections.abc.Sequence[str], frame_ids: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], output: str, options: _OutputOptions = None, reference_closure: bool = True) -> list:
        ...
    def decode_packet_lists(self, numpy_datas: collections.abc.Sequence[collections.abc.Sequence[typing.Annotated[numpy.typing.ArrayLike, numpy.uint8]]], packet_idxs: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]], widths: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], heights: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], frame_ids: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], codecs: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], output: str, options: _OutputOptions = None) -> list:
        ...
    def forget(self, key: str) -> None:
        """
        Drops what was opened under `key` (a source's call ended).
        """
    def get_gop(self, filepaths: collections.abc.Sequence[str], frame_ids: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], with_references: bool = False) -> tuple:
        ...
    def get_gop_list(self, filepaths: collections.abc.Sequence[str], frame_ids: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], with_references: bool = False) -> list:
        ...
    def gop_table(self, key: str) -> dict:
        """
        Every GOP of this decoder's cached file, in decode order, as GetGOP would bundle it: arrays first_frame_id, gop_len, key_packet, first_packet (the previous GOP's key packet when open-GOP leading pictures need it), end_packet, and src_offset / src_length (the byte range of the GOP's own packets in the file; -1 where unknown).
        """
    def index_report(self, key: str) -> dict:
        """
        _index_report's dict from this decoder's cached file (opened and kept like a decode would).
        """
    def prefetch(self, keys: collections.abc.Sequence[str]) -> None:
        """
        Opens and indexes `keys` in parallel and keeps them (up to maxfiles); keys that cannot be opened are skipped (the next call asking for one raises its error).
        """
    def release_decoders(self) -> None:
        ...
    def release_memory(self) -> None:
        ...
    def stream_params(self, path: str) -> dict:
        ...
    @property
    def backend(self) -> str:
        ...
    @property
    def device(self) -> int:
        ...
    @property
    def open_files(self) -> int:
        ...
    @property
    def packets_fed(self) -> int:
        ...
    @property
    def reference_closure(self) -> bool:
        """
        Whether file decodes feed only the targets' reference closures (docs/reference-closure.md).
        """
    @reference_closure.setter
    def reference_closure(self, arg1: bool) -> None:
        ...
class _SampleReader:
    def __init__(self, max_readers: typing.SupportsInt | typing.SupportsIndex, threads: typing.SupportsInt | typing.SupportsIndex = 0, device: typing.SupportsInt | typing.SupportsIndex = -1, gpu_backend: str = 'cuvid', strict: bool = False) -> None:
        ...
    def clear(self) -> None:
        ...
    def decode(self, filepaths: collections.abc.Sequence[str], frame_ids: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], output: str, options: _OutputOptions = None) -> list:
        ...
    def forget(self, key: str) -> None:
        ...
    def release_memory(self) -> None:
        ...
    @property
    def backend(self) -> str:
        ...
    @property
    def counters(self) -> dict:
        ...
    @property
    def device(self) -> int:
        ...
    @property
    def readers(self) -> int:
        ...
class _FencedPoolProbe:
    passed: bool
    def __init__(self) -> None:
        ...
    def acquire(self, bytes: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def add_consumer(self, handle: typing.SupportsInt | typing.SupportsIndex, stream: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def release(self, handle: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def trim(self) -> None:
        ...
    @property
    def allocations(self) -> int:
        ...
    @property
    def fences(self) -> list[list[int]]:
        ...
    @property
    def waits(self) -> int:
        ...
class _VideoWriter:
    def __init__(self, path: str, width: typing.SupportsInt | typing.SupportsIndex, height: typing.SupportsInt | typing.SupportsIndex, fps_num: typing.SupportsInt | typing.SupportsIndex, fps_den: typing.SupportsInt | typing.SupportsIndex, codec: str, gop: typing.SupportsInt | typing.SupportsIndex, bframes: typing.SupportsInt | typing.SupportsIndex, crf: typing.SupportsInt | typing.SupportsIndex, preset: str) -> None:
        ...
    def close(self) -> None:
        ...
    def write(self, rgb: typing.Annotated[numpy.typing.ArrayLike, numpy.uint8]) -> None:
        """
        Encodes one RGB frame (height, width, 3), uint8, C-contiguous, of the writer's size.
        """
    @property
    def frames_written(self) -> int:
        ...
def _as_device_frame(frame: typing.Any, device: typing.SupportsInt | typing.SupportsIndex, stream: typing.SupportsInt | typing.SupportsIndex) -> typing.Any:
    ...
def _bundle_checksum(arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.uint8]) -> int:
    ...
def _colour_signal(codec: str, data: bytes) -> dict:
    ...
def _convert_isa(name: str | None = None) -> str:
    """
    The instruction set of the host YUV->RGB row loops ('baseline' or 'avx2'), switched to `name` when given (test and benchmark hook; ValueError for 'avx2' on a CPU without it). Returns the one in use before the call.
    """
def _decode_image(data: typing_extensions.Buffer, name: str) -> DecodedFrameExt:
    """
    One JPEG or PNG image (its whole file's bytes) -> a DecodedFrameExt on the host: NV12 for 4:2:0 JPEG, packed RGB otherwise. ValueError naming `name` for anything else.
    """
def _embedded_fatbin() -> bytes:
    """
    The embedded CUDA fatbin image (empty in a build without nvcc).
    """
def _held_bytes(array: numpy.ndarray) -> int:
    """
    Bytes of memory a bundle array keeps alive (its pooled buffer), else its nbytes.
    """
def _index_report(path: str, direct_mp4: bool = True) -> dict:
    ...
def _kernel_selftest(device: typing.SupportsInt | typing.SupportsIndex = 0) -> dict:
    """
    Load the embedded kernels on `device`, run one and check its output; RuntimeError on failure.
    """
def _key_frame(codec: str, data: bytes) -> bool | None:
    """
    True / False: whether the packet (Annex-B for h264 / hevc) is a key frame by its bitstream; None: it cannot say.
    """
def _load_bundle_files(arg0: collections.abc.Sequence[str]) -> list:
    ...
def _log_level() -> str:
    """
    FFmpeg's log level for the process, by name.
    """
def _merge_bundles(arg0: collections.abc.Sequence[typing.Annotated[numpy.typing.ArrayLike, numpy.uint8]]) -> numpy.typing.NDArray[numpy.uint8]:
    ...
def _native_to_output(native: numpy.ndarray, bit_depth: typing.SupportsInt | typing.SupportsIndex, matrix: str, range: str, bgr: bool = False, width: typing.SupportsInt | typing.SupportsIndex | None = None, *, options: _OutputOptions, kernel_twin: bool = False, chroma_siting: str = 'left') -> typing.Any:
    """
    The conversion with output options of a native frame (test helper): an RGBFrame from the CPU backend's converter, or with kernel_twin=True an array from the odvd_resize_convert kernel's code run on the host. Arguments as _native_to_rgb; options an _OutputOptions; chroma_siting the frame's chroma siting for bilinear chroma ('left', 'center', 'topleft', 'top', 'bottomleft', 'bottom').
    """
def _native_to_rgb(native: numpy.ndarray, bit_depth: typing.SupportsInt | typing.SupportsIndex, matrix: str, range: str, bgr: bool = False, width: typing.SupportsInt | typing.SupportsIndex | None = None, kernel_twin: bool = False) -> numpy.typing.NDArray[numpy.uint8]:
    """
    Host YUV->RGB of a native frame (test helper). native: (H + (H+1)//2, W) uint8 NV12 (bit_depth 8) or uint16 P016 (10, 12), C-contiguous; matrix 'bt601'|'bt709'|'bt2020'; range 'limited'|'full'. Returns (H, W, 3) uint8, RGB or BGR. width < W treats the extra columns as padding (needed for an odd width). ValueError on bad names, dtypes or shapes. docs/color.md.
    """
def _parse_bundle(arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.uint8]) -> tuple[list, list, list, list, list, list, list, list, list, list, list]:
    ...
def _plan_runs(frame_ids: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], flags: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], targets: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], join_adjacent: bool = True) -> list:
    ...
def _reference_lists(codec: typing.SupportsInt | typing.SupportsIndex, packets: collections.abc.Sequence[bytes]) -> list:
    """
    Test hook: each packet's references (decode indices) read from its bitstream (demux/references.h); None where unknown; an empty list of lists for a codec that is not analysed.
    """
def _register_bytes(data: typing_extensions.Buffer) -> str:
    """
    Registers a bytes-like object as a source; its name (starting with a NUL) goes where a path goes.
    """
def _register_file(file: typing.Any) -> str:
    """
    Registers a binary file-like object (seek + read/readinto) as a source.
    """
def _resolve_color(av_colorspace: typing.SupportsInt | typing.SupportsIndex, av_color_range: typing.SupportsInt | typing.SupportsIndex, height: typing.SupportsInt | typing.SupportsIndex) -> tuple[str, str]:
    """
    (matrix, range) names for FFmpeg AVColorSpace / AVColorRange values and a picture height (test helper; rules in docs/color.md).
    """
def _save_bundle(arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.uint8], arg1: str) -> None:
    ...
def _set_log_level(level: str) -> None:
    """
    Sets FFmpeg's log level for the process (FFmpeg's names: quiet ... trace).
    """
def _share(array: numpy.ndarray) -> numpy.typing.NDArray[numpy.uint8]:
    """
    A new read-only array over an engine bundle array's bytes, sharing its buffer (the GOP cache's hits).
    """
def _streams(path: str) -> list:
    """
    Every stream of the container at `path`: index, kind, codec (and size for video), and best: the default.
    """
def _unregister_source(name: str) -> None:
    ...
def build_info() -> dict:
    """
    What this build compiled in (FFmpeg, ffnvcodec, CUDA kernels) and what the machine offers now (NVIDIA driver, NVDEC, devices). Never raises for a missing GPU: it reports it.
    """

"""Stand-in NVIDIA driver libraries (libcuda.so.1, libnvcuvid.so.1) built with the C compiler at test
time, so the run-time loader's paths (library found, symbol missing, no device, one device) are
tested on machines without a GPU. The symbol list is read from the ffnvcodec loader header itself."""

import re
import shutil
import subprocess
from pathlib import Path

_TEMPLATE = r"""
#include <string.h>
#define EXPORT __attribute__((visibility("default")))
/* Every symbol the loader asks for answers CUDA_ERROR_NO_DEVICE unless defined below. */
%(stubs)s
EXPORT int cuDriverGetVersion(int* v) { *v = 13000; return 0; }
EXPORT int cuGetErrorName(int r, const char** s) { *s = r == 100 ? "CUDA_ERROR_NO_DEVICE" : "CUDA_ERROR_UNKNOWN"; return 0; }
EXPORT int cuGetErrorString(int r, const char** s) { *s = r == 100 ? "no CUDA-capable device is detected" : "unknown error"; return 0; }
#ifdef ONE_DEVICE
EXPORT int cuInit(unsigned f) { (void)f; return 0; }
EXPORT int cuDeviceGetCount(int* n) { *n = 1; return 0; }
EXPORT int cuDeviceGet(int* d, int i) { *d = i; return 0; }
EXPORT int cuDeviceGetName(char* name, int len, int d) { (void)d; strncpy(name, "Fake GPU", len); return 0; }
EXPORT int cuDeviceComputeCapability(int* ma, int* mi, int d) { (void)d; *ma = 9; *mi = 0; return 0; }
#endif
#ifdef WORKING_CONTEXT
/* Contexts, streams and modules work; memory, NVDEC and everything else answer CUDA_ERROR_NO_DEVICE. */
static char fake_object[64];
EXPORT int cuDevicePrimaryCtxRetain(void** c, int d) { (void)d; *c = fake_object; return 0; }
EXPORT int cuDevicePrimaryCtxRelease(int d) { (void)d; return 0; }
EXPORT int cuCtxPushCurrent_v2(void* c) { (void)c; return 0; }
EXPORT int cuCtxPopCurrent_v2(void** c) { if (c) *c = fake_object; return 0; }
EXPORT int cuStreamCreate(void** s, unsigned f) { (void)f; *s = fake_object + 1; return 0; }
EXPORT int cuStreamDestroy_v2(void* s) { (void)s; return 0; }
EXPORT int cuStreamSynchronize(void* s) { (void)s; return 0; }
EXPORT int cuModuleLoadData(void** m, const void* image) { (void)image; *m = fake_object + 2; return 0; }
EXPORT int cuModuleGetFunction(void** f, void* m, const char* name) { (void)m; (void)name; *f = fake_object + 3; return 0; }
EXPORT int cuModuleUnload(void* m) { (void)m; return 0; }
#endif
"""

_SPECIAL = {"cuDriverGetVersion", "cuGetErrorName", "cuGetErrorString"}
_ONE_DEVICE = {"cuInit", "cuDeviceGetCount", "cuDeviceGet", "cuDeviceGetName", "cuDeviceComputeCapability"}
_WORKING_CONTEXT = {"cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRelease", "cuCtxPushCurrent_v2", "cuCtxPopCurrent_v2",
                    "cuStreamCreate", "cuStreamDestroy_v2", "cuStreamSynchronize", "cuModuleLoadData",
                    "cuModuleGetFunction", "cuModuleUnload"}


def ffnvcodec_loader_header() -> Path:
    try:
        flags = subprocess.run(["pkg-config", "--cflags", "ffnvcodec"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        flags = ""
    dirs = [f[2:] for f in flags.split() if f.startswith("-I")] + ["/usr/include", "/usr/local/include"]
    for d in dirs:
        p = Path(d) / "ffnvcodec" / "dynlink_loader.h"
        if p.exists():
            return p
    raise FileNotFoundError("ffnvcodec/dynlink_loader.h")


def loader_symbols():
    """(cuda symbols, cuvid symbols) that ffnvcodec's loader resolves, required and optional."""
    text = ffnvcodec_loader_header().read_text()
    cuda_part, _, rest = text.partition("static inline int cuvid_load_functions")
    cuvid_part = rest.partition("static inline int nvenc_load_functions")[0]
    cuda_part = cuda_part.partition("static inline int cuda_load_functions")[2]
    pattern = re.compile(r'LOAD_SYMBOL(?:_OPT)?\(\s*\w+\s*,\s*\w+\s*,\s*"(\w+)"\s*\)')
    return sorted(set(pattern.findall(cuda_part))), sorted(set(pattern.findall(cuvid_part)))


def build(out_dir: Path, one_device: bool = False, omit=(), working_context: bool = False) -> Path:
    """Writes libcuda.so.1 and libnvcuvid.so.1 into out_dir (for LD_LIBRARY_PATH) and returns it.

    one_device: cuInit succeeds and one device is listed. working_context (implies one_device): its
    primary context, streams and modules work too, so a decoder gets as far as NVDEC itself (and
    device memory), which answer CUDA_ERROR_NO_DEVICE."""
    one_device = one_device or working_context
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise FileNotFoundError("a C compiler")
    out_dir.mkdir(parents=True, exist_ok=True)
    cuda_syms, cuvid_syms = loader_symbols()
    for lib, syms in (("libcuda.so.1", cuda_syms), ("libnvcuvid.so.1", cuvid_syms)):
        skip = (set(omit) | _SPECIAL | (_ONE_DEVICE if one_device else set())
                | (_WORKING_CONTEXT if working_context else set()))
        stubs = "\n".join(f"EXPORT int {s}(void) {{ return 100; }}" for s in syms if s not in skip)
        src = out_dir / (lib + ".c")
        specials = _TEMPLATE % {"stubs": stubs} if lib == "libcuda.so.1" else "#define EXPORT __attribute__((visibility(\"default\")))\n" + stubs
        src.write_text(specials)
        cmd = ([cc, "-shared", "-fPIC", "-o", str(out_dir / lib), str(src)] + (["-DONE_DEVICE"] if one_device else [])
               + (["-DWORKING_CONTEXT"] if working_context else []))
        subprocess.run(cmd, check=True, capture_output=True)
    return out_dir

#include "runtime/cuda_driver.h"

#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <stdexcept>

namespace odvd::cuda {

namespace detail {
void loader_log(void* logctx, const char* fmt, ...) {
  auto* out = static_cast<std::string*>(logctx);
  // The loader logs right after a failed dlopen/dlsym, so dlerror() still holds the reason.
  const char* why = dlerror();
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  std::string line(buf);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (!out->empty()) *out += "; ";
  *out += line;
  if (why != nullptr) {
    *out += " (";
    *out += why;
    *out += ")";
  }
}
}  // namespace detail

namespace {
// cuDriverGetVersion is not in ffnvcodec's table; it has been in libcuda since CUDA 2.2.
using DriverGetVersionFn = CUresult (*)(int*);
}  // namespace

Driver& Driver::get() {
  // Intentionally leaked: see the header on why the libraries stay loaded until exit.
  static Driver* instance = new Driver();
  return *instance;
}

Driver::Driver() {
  if (cuda_load_functions(&cu_, &status_.libcuda_error) == 0) {
    status_.libcuda_loaded = true;
    if (auto fn = reinterpret_cast<DriverGetVersionFn>(dlsym(cu_->lib, "cuDriverGetVersion"))) {
      int v = 0;
      if (fn(&v) == CUDA_SUCCESS) status_.driver_version = v;
    }
    CUresult r = cu_->cuInit(0);
    if (r == CUDA_SUCCESS) {
      status_.initialized = true;
      int count = 0;
      if (cu_->cuDeviceGetCount(&count) == CUDA_SUCCESS) {
        for (int i = 0; i < count; ++i) {
          DeviceInfo info;
          info.index = i;
          CUdevice dev = 0;
          if (cu_->cuDeviceGet(&dev, i) != CUDA_SUCCESS) continue;
          char name[256] = {0};
          if (cu_->cuDeviceGetName(name, sizeof name - 1, dev) == CUDA_SUCCESS) info.name = name;
          cu_->cuDeviceComputeCapability(&info.cc_major, &info.cc_minor, dev);
          status_.devices.push_back(info);
        }
      }
    } else {
      status_.init_error = describe(r);
    }
  } else {
    // On failure the loader has already freed its table and set cu_ back to nullptr.
    if (status_.libcuda_error.empty()) status_.libcuda_error = "cannot load libcuda.so.1";
  }
  if (cuvid_load_functions(&cuvid_, &status_.nvcuvid_error) == 0) {
    status_.nvcuvid_loaded = true;
  } else {
    if (status_.nvcuvid_error.empty()) status_.nvcuvid_error = "cannot load libnvcuvid.so.1";
  }
}

const CudaFunctions& Driver::cuda() const {
  if (cu_ == nullptr) {
    throw std::runtime_error(
        "the NVIDIA driver's CUDA library could not be loaded: " + status_.libcuda_error +
        ". Install the NVIDIA driver (libcuda.so.1 must be on the loader path), or use iGpu=-1 for "
        "the CPU backend.");
  }
  if (!status_.initialized) {
    throw std::runtime_error("cuInit failed: " + status_.init_error +
                             ". Check that a GPU is visible (nvidia-smi, CUDA_VISIBLE_DEVICES), or use "
                             "iGpu=-1 for the CPU backend.");
  }
  return *cu_;
}

const CuvidFunctions& Driver::cuvid() const {
  if (cuvid_ == nullptr) {
    throw std::runtime_error(
        "libnvcuvid.so.1 not found: the NVIDIA driver's video decode library is needed for iGpu>=0 (" +
        status_.nvcuvid_error +
        "). Install the driver's decode component (e.g. libnvidia-decode-<version> on Ubuntu; in "
        "containers set NVIDIA_DRIVER_CAPABILITIES to include 'video'), or use iGpu=-1.");
  }
  return *cuvid_;
}

std::string Driver::describe(CUresult r) const {
  const char* name = nullptr;
  const char* text = nullptr;
  if (cu_ != nullptr) {
    cu_->cuGetErrorName(r, &name);
    cu_->cuGetErrorString(r, &text);
  }
  std::string out = name ? name : ("CUresult " + std::to_string(static_cast<int>(r)));
  if (text) out += std::string(" (") + text + ")";
  return out;
}

void throw_cu_error(CUresult r, const char* call, const std::string& context) {
  throw std::runtime_error(std::string(call) + " failed with " + Driver::get().describe(r) +
                           (context.empty() ? "" : " while " + context));
}

}  // namespace odvd::cuda

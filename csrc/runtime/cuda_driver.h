// Run-time loading of the NVIDIA driver libraries (libcuda.so.1, libnvcuvid.so.1).
//
// The extension never links them: they are dlopen'ed on first use through the ffnvcodec loader, so
// one build imports on machines with and without a GPU. Loading happens once per process and the
// libraries stay loaded until exit (unloading them while CUDA objects may still be alive, e.g. in
// objects destroyed at interpreter exit, would turn a clean shutdown into a crash).
#pragma once

#include <string>
#include <vector>

namespace odvd::cuda::detail {
// Receives the ffnvcodec loader's messages ("Cannot load %s") into the std::string behind logctx.
void loader_log(void* logctx, const char* fmt, ...);
}  // namespace odvd::cuda::detail

#ifndef FFNV_LOG_FUNC
#define FFNV_LOG_FUNC(logctx, msg, ...) ::odvd::cuda::detail::loader_log((logctx), (msg), __VA_ARGS__)
#define FFNV_DEBUG_LOG_FUNC(logctx, msg, ...)
#endif
#include <ffnvcodec/dynlink_loader.h>

namespace odvd::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int cc_major = 0;
  int cc_minor = 0;
};

// What the probe found. Every failure is described, never thrown, so build_info() can report it.
struct DriverStatus {
  bool libcuda_loaded = false;
  std::string libcuda_error;   // why libcuda.so.1 or one of its symbols could not be loaded
  int driver_version = 0;      // cuDriverGetVersion, e.g. 13000 for CUDA 13.0; 0 when unknown
  bool initialized = false;    // cuInit(0) succeeded
  std::string init_error;      // cuInit's error name and text
  std::vector<DeviceInfo> devices;
  bool nvcuvid_loaded = false;
  std::string nvcuvid_error;   // why libnvcuvid.so.1 or one of its symbols could not be loaded
};

class Driver {
 public:
  // The process-wide driver; the first call loads the libraries (thread-safe).
  static Driver& get();

  const DriverStatus& status() const { return status_; }

  // The function tables; throw std::runtime_error naming what is missing and what to do.
  const CudaFunctions& cuda() const;
  const CuvidFunctions& cuvid() const;

  // "CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)"
  std::string describe(CUresult r) const;

 private:
  Driver();
  CudaFunctions* cu_ = nullptr;
  CuvidFunctions* cuvid_ = nullptr;
  DriverStatus status_;
};

// Throws std::runtime_error with the call, the driver's error name and text, and the context.
void throw_cu_error(CUresult r, const char* call, const std::string& context);

}  // namespace odvd::cuda

// Checks a CUresult; `context` says what was being done ("device 0", "loading the kernels").
#define ODVD_CHECK_CU(call, context)                             \
  do {                                                           \
    CUresult odvd_cu_result_ = (call);                           \
    if (odvd_cu_result_ != CUDA_SUCCESS) {                       \
      ::odvd::cuda::throw_cu_error(odvd_cu_result_, #call, (context)); \
    }                                                            \
  } while (0)

// The device's primary context (the one PyTorch and the runtime API use), held by RAII, and a scope
// guard that makes it current on the calling thread. Any thread may create, use or destroy these.
#pragma once

#include "runtime/cuda_driver.h"

namespace odvd::cuda {

class PrimaryContext {
 public:
  // Retains device `index`'s primary context; throws std::runtime_error if the index is invalid.
  explicit PrimaryContext(int index);
  ~PrimaryContext();
  PrimaryContext(const PrimaryContext&) = delete;
  PrimaryContext& operator=(const PrimaryContext&) = delete;

  CUcontext get() const { return ctx_; }
  int index() const { return index_; }

 private:
  int index_;
  CUdevice dev_ = 0;
  CUcontext ctx_ = nullptr;
};

// Pushes a context on construction and pops it on destruction, so callers on any thread (and code
// that throws) leave the thread's context stack as they found it.
class ScopedContext {
 public:
  explicit ScopedContext(CUcontext ctx);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;
};

// ScopedContext for destructors and deleters, which must not throw: pushes the context if it can,
// and ok() says whether it did. It cannot at interpreter exit, once the driver has shut down; then
// there is nothing left to free.
class QuietScopedContext {
 public:
  explicit QuietScopedContext(CUcontext ctx) noexcept;
  ~QuietScopedContext();
  QuietScopedContext(const QuietScopedContext&) = delete;
  QuietScopedContext& operator=(const QuietScopedContext&) = delete;
  bool ok() const { return ok_; }

 private:
  bool ok_;
};

}  // namespace odvd::cuda

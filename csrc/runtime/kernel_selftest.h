// Loads the embedded kernels on a GPU, runs one, and checks its output on the host: the end-to-end
// proof that the fatbin matches the device and the driver (build_info() only says what was built).
#pragma once

#include <string>

namespace odvd::cuda {

struct SelftestResult {
  int device = 0;
  std::string device_name;
  unsigned int elements = 0;  // how many values the kernel wrote and the host checked
};

// Throws std::runtime_error when the build has no kernels, no usable GPU, or the output is wrong.
SelftestResult run_kernel_selftest(int device);

}  // namespace odvd::cuda

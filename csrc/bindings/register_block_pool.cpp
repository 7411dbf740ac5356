// Test hook for the BlockPool's stream-ordered reuse (frames/block_pool.h), which device memory uses
// and no test machine without a GPU reaches: `_FencedPoolProbe` is a pool over host memory whose
// allocator records fences the test passes or holds by hand.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "bindings/register.h"
#include "frames/block_pool.h"

namespace py = pybind11;

namespace odvd::bindings {
namespace {

class ProbeAllocator final : public BlockAllocator {
 public:
  uint8_t* allocate(size_t bytes) override {
    ++allocations;
    return host_allocator()->allocate(bytes);
  }
  void release(uint8_t* p) noexcept override { host_allocator()->release(p); }
  Fence record_fence(const std::vector<uint64_t>& streams) noexcept override {
    fences.push_back(streams);
    return std::make_shared<int>(0);
  }
  bool fence_passed(const Fence&) noexcept override { return passed; }
  void wait(const Fence&) noexcept override { ++waits; }

  bool passed = false;
  int allocations = 0;
  int waits = 0;
  std::vector<std::vector<uint64_t>> fences;
};

class FencedPoolProbe {
 public:
  FencedPoolProbe()
      : allocator_(std::make_shared<ProbeAllocator>()), pool_(BlockPool::create(1 << 20, allocator_, true)) {}
  // A block of `bytes`; returns a handle (its address).
  uintptr_t acquire(size_t bytes) {
    std::shared_ptr<uint8_t> b = pool_->acquire(bytes);
    const auto handle = reinterpret_cast<uintptr_t>(b.get());
    held_[handle] = std::move(b);
    return handle;
  }
  void add_consumer(uintptr_t handle, uint64_t stream) { BlockPool::add_consumer_stream(held_.at(handle), stream); }
  void release(uintptr_t handle) { held_.erase(handle); }
  void trim() { pool_->trim(); }

  std::shared_ptr<ProbeAllocator> allocator_;
  std::shared_ptr<BlockPool> pool_;
  std::map<uintptr_t, std::shared_ptr<uint8_t>> held_;
};

}  // namespace

void register_block_pool(py::module_& m) {
  py::class_<FencedPoolProbe>(m, "_FencedPoolProbe")
      .def(py::init<>())
      .def("acquire", &FencedPoolProbe::acquire, py::arg("bytes"))
      .def("add_consumer", &FencedPoolProbe::add_consumer, py::arg("handle"), py::arg("stream"))
      .def("release", &FencedPoolProbe::release, py::arg("handle"))
      .def("trim", &FencedPoolProbe::trim)
      .def_property(
          "passed", [](const FencedPoolProbe& p) { return p.allocator_->passed; },
          [](FencedPoolProbe& p, bool v) { p.allocator_->passed = v; })
      .def_property_readonly("allocations", [](const FencedPoolProbe& p) { return p.allocator_->allocations; })
      .def_property_readonly("waits", [](const FencedPoolProbe& p) { return p.allocator_->waits; })
      .def_property_readonly("fences", [](const FencedPoolProbe& p) { return p.allocator_->fences; });
}

}  // namespace odvd::bindings

// Runs fn(0..n-1) on up to `workers` threads (the caller's included) and rethrows the first failure
// in index order once all have finished, so a batch fails as a whole and names its first bad item.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace odvd {

inline void parallel_for(size_t n, int workers, const std::function<void(size_t)>& fn) {
  std::vector<std::exception_ptr> errors(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  const size_t extra = n < 2 || workers < 2 ? 0 : std::min<size_t>(n, static_cast<size_t>(workers)) - 1;
  threads.reserve(extra);
  for (size_t t = 0; t < extra; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace odvd

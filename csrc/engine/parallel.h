// How a call spreads over the CPU: its thread budget, how its tasks share it (split_threads), and
// parallel_for, which runs fn(0..n-1) on up to `workers` threads (the caller's and the process's
// pool's, engine/thread_pool.h) and rethrows the first failure in index order once all have finished,
// so a batch fails as a whole and names its first bad item.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <vector>

#include "engine/thread_budget.h"
#include "engine/thread_pool.h"

namespace odvd {

// The CPU threads a call may use: `requested`, or the process's budget (engine/thread_budget.h: the
// affinity mask, the cgroup CPU quota, ODVD_NUM_THREADS) when it is 0 or less.
inline int thread_count(int requested) { return requested > 0 ? requested : default_thread_budget(); }

// How a call's `tasks` (files, bundle entries) share `threads`: tasks decoded at once, and the
// libavcodec threads of each.
struct Split {
  int workers;
  int decoder_threads;
};
inline Split split_threads(int threads, size_t tasks) {
  Split s;
  s.workers = std::min<int>(threads, static_cast<int>(tasks));
  s.decoder_threads = std::max(1, threads / std::max(1, s.workers));
  return s;
}

inline void parallel_for(size_t n, int workers, const std::function<void(size_t)>& fn) {
  std::vector<std::exception_ptr> errors(n);
  std::atomic<size_t> next{0};
  const std::function<void()> work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  const size_t helpers = n < 2 || workers < 2 ? 0 : std::min<size_t>(n, static_cast<size_t>(workers)) - 1;
  ThreadPool::instance().run(work, helpers);
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace odvd

// The process's worker threads, shared by every call (engine/parallel.h's parallel_for): started once,
// as calls first need them, and waiting between calls, instead of being spawned and joined on every
// call. A caller shares its work with up to N pool threads and works itself, so a call always ends,
// even when every pool thread is busy (nested calls, many callers). The pool grows to the help the
// calls ask for at once; its threads end only with the process. After fork() the child (a DataLoader
// worker) starts a pool of its own on first use: the parent's threads do not exist there.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace odvd {

class ThreadPool {
 public:
  // The process's pool (a new one in a forked child).
  static ThreadPool& instance();

  // Runs `work` on the calling thread and on up to `helpers` pool threads at once, and returns when
  // every one of those runs has returned. `work` takes its items itself (each run loops until none is
  // left) and must not throw. Pool threads that were not free before the caller's own run ended do
  // not join in.
  void run(const std::function<void()>& work, size_t helpers);

  static constexpr size_t kMaxThreads = 512;

 private:
  struct Call {
    const std::function<void()>* work;
    size_t slots;       // pool threads that may still join
    size_t active = 0;  // pool threads running `work`
  };

  ThreadPool() = default;
  ~ThreadPool() = delete;  // lives as long as the process: its threads may still wait at exit
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;  // a call with free slots, for idle threads
  std::condition_variable done_;  // a call's last helper returned, for its caller
  std::list<Call*> open_;         // calls with free slots, oldest first
  std::vector<std::thread> threads_;
  size_t idle_ = 0;  // threads waiting for a call
};

}  // namespace odvd

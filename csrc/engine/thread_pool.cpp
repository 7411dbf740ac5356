#include "engine/thread_pool.h"

#include <pthread.h>

#include <atomic>
#include <new>

namespace odvd {
namespace {

std::atomic<ThreadPool*> g_pool{nullptr};
alignas(std::mutex) unsigned char g_create_storage[sizeof(std::mutex)];
std::mutex* g_create = new (g_create_storage) std::mutex();

// In a forked child only the forking thread exists: forget the parent's pool (its memory is left as it
// is, never destroyed: its threads and its mutex state belong to the parent) and start afresh.
void forget_pool_in_child() {
  g_create = new (g_create_storage) std::mutex();
  g_pool.store(nullptr);
}

}  // namespace

ThreadPool& ThreadPool::instance() {
  ThreadPool* pool = g_pool.load(std::memory_order_acquire);
  if (pool != nullptr) return *pool;
  std::lock_guard<std::mutex> lock(*g_create);
  pool = g_pool.load(std::memory_order_acquire);
  if (pool == nullptr) {
    static const int registered = pthread_atfork(nullptr, nullptr, forget_pool_in_child);
    (void)registered;
    pool = new ThreadPool();
    g_pool.store(pool, std::memory_order_release);
  }
  return *pool;
}

void ThreadPool::run(const std::function<void()>& work, size_t helpers) {
  Call call{&work, helpers};
  if (helpers > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    open_.push_back(&call);
    size_t wanted = 0;
    for (const Call* c : open_) wanted += c->slots;
    // Enough threads for every free slot of the open calls: idle ones first, new ones for the rest.
    while (idle_ < wanted && threads_.size() < kMaxThreads) {
      try {
        threads_.emplace_back([this] { loop(); });
      } catch (...) {  // no thread to be had (limits, memory): the caller and the running ones do it all
        break;
      }
      ++idle_;
    }
    if (helpers == 1) {
      wake_.notify_one();
    } else {
      wake_.notify_all();
    }
  }
  work();
  if (helpers > 0) {
    std::unique_lock<std::mutex> lock(mutex_);
    open_.remove(&call);
    call.slots = 0;
    done_.wait(lock, [&] { return call.active == 0; });
  }
}

void ThreadPool::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return !open_.empty(); });
    Call* call = open_.front();
    if (--call->slots == 0) open_.pop_front();
    ++call->active;
    --idle_;
    lock.unlock();
    (*call->work)();
    lock.lock();
    ++idle_;  // before the caller can see its call done, so that its next call finds this thread idle
    if (--call->active == 0) done_.notify_all();
  }
}

}  // namespace odvd

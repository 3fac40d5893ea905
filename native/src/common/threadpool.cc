#include "common/threadpool.h"

#include <algorithm>

namespace tf {

namespace {
// About 30-60 µs of polling before sleeping: longer than the gap between kernels of one step, short enough
// that an idle pool stops using CPU almost at once.
constexpr int kSpinIterations = 2000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}
}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  nthreads_ = std::max(1, threads);
  for (int w = 1; w < nthreads_; ++w) threads_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  start_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

// Chunk w of the current job; the split depends only on (n, grain, nthreads) so it is reproducible.
void ThreadPool::run_chunk(int worker) {
  const int64_t units = (job_n_ + job_grain_ - 1) / job_grain_;
  const int64_t ub = units * worker / nthreads_, ue = units * (worker + 1) / nthreads_;
  const int64_t begin = std::min(job_n_, ub * job_grain_), end = std::min(job_n_, ue * job_grain_);
  if (begin >= end) return;
  try {
    (*job_)(begin, end, worker);
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_) error_ = std::current_exception();
  }
}

void ThreadPool::worker_loop(int worker) {
  uint64_t seen = 0;
  for (;;) {
    for (int i = 0; i < kSpinIterations && generation_.load(std::memory_order_acquire) == seen && !stop_.load(); ++i)
      cpu_relax();
    if (generation_.load(std::memory_order_acquire) == seen && !stop_.load()) {
      std::unique_lock<std::mutex> lock(mu_);
      start_cv_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
    }
    if (stop_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    run_chunk(worker);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Notify under the lock so a caller that just found pending_ > 0 and is about to sleep cannot miss it.
      std::lock_guard<std::mutex> lock(mu_);
      done_cv_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t, int)>& fn) {
  parallel_for_grain(n, 1, fn);
}

void ThreadPool::parallel_for_grain(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  bool serial = nthreads_ == 1 || n <= grain;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (busy_) serial = true;  // nested: the workers are taken, run inline
    if (!serial) busy_ = true;
  }
  if (serial) {
    fn(0, n, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &fn;
    job_n_ = n;
    job_grain_ = grain;
    error_ = nullptr;
    pending_.store(nthreads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);  // publishes the job fields to spinning workers
  }
  start_cv_.notify_all();
  run_chunk(0);
  for (int i = 0; i < kSpinIterations && pending_.load(std::memory_order_acquire) != 0; ++i) cpu_relax();
  std::exception_ptr err;
  {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
    err = error_;
    error_ = nullptr;
    job_ = nullptr;
    busy_ = false;
  }
  if (err) std::rethrow_exception(err);
}

}  // namespace tf

#include "common/threadpool.h"

#include <algorithm>

namespace tf {

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  nthreads_ = std::max(1, threads);
  for (int w = 1; w < nthreads_; ++w) threads_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
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
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    run_chunk(worker);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) done_cv_.notify_one();
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
    pending_ = nthreads_ - 1;
    ++generation_;
  }
  start_cv_.notify_all();
  run_chunk(0);
  std::exception_ptr err;
  {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return pending_ == 0; });
    err = error_;
    error_ = nullptr;
    job_ = nullptr;
    busy_ = false;
  }
  if (err) std::rethrow_exception(err);
}

}  // namespace tf

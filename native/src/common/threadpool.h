#pragma once
// A fixed pool of worker threads. parallel_for splits [0, n) into contiguous chunks that depend only on n
// and the thread count (never on timing), and every kernel gives each output element to exactly one chunk
// with a fixed reduction order — so results are bitwise identical for any thread count and any run.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tf {

class ThreadPool {
 public:
  // threads = 0 → std::thread::hardware_concurrency(). The calling thread is worker 0, so a pool of 1
  // starts no threads at all.
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return nthreads_; }

  // Calls fn(begin, end, worker) on nthreads contiguous chunks of [0, n) (chunk w = [n*w/t, n*(w+1)/t)),
  // skipping empty ones, and waits. The first exception thrown by any chunk is rethrown here after all
  // chunks have finished. Nested calls from inside fn run serially on the calling thread.
  void parallel_for(int64_t n, const std::function<void(int64_t begin, int64_t end, int worker)>& fn);

  // Like parallel_for but chunks are multiples of `grain` (the last one takes the remainder).
  void parallel_for_grain(int64_t n, int64_t grain,
                          const std::function<void(int64_t begin, int64_t end, int worker)>& fn);

 private:
  void worker_loop(int worker);
  void run_chunk(int worker);

  int nthreads_;
  std::vector<std::thread> threads_;
  // Handing out a job and collecting it first spins briefly on these atomics and only then sleeps on the
  // condition variables: a sleep/wake round trip costs ~50 µs, which would dominate the many small kernels
  // of a decoding step.
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  bool busy_ = false;  // a parallel_for is running; nested calls go serial (guarded by mu_)
  const std::function<void(int64_t, int64_t, int)>* job_ = nullptr;
  int64_t job_n_ = 0, job_grain_ = 1;
  std::exception_ptr error_;
};

}  // namespace tf

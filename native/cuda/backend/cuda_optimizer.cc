// CudaLoraOptimizer: torch AdamW and clip_grad_norm_ over the CUDA model's LoRA tensors, with fp32 moments on
// the device. The LoRA tensors are back to back in one buffer (cuda_llama.cc), and every operation here is
// elementwise or a global sum, so one launch over the whole buffer computes exactly what one launch per tensor
// would. The model's buffers are re-read at every call (load_lora may reallocate them).
#include <cmath>

#include "backend/cuda_llama.h"
#include "common.cuh"

namespace tf::cuda {

namespace {

class CudaLoraOptimizer final : public LoraOptimizer {
 public:
  CudaLoraOptimizer(CudaLlama& model, const train::AdamWHyper& hyper)
      : model_(model), hyper_(hyper), names_(model.lora_names()), sizes_(model.lora_sizes()) {
    model_.activate();
    n_ = model_.lora_device().n;
    m_ = DeviceBuffer(n_ * 4, "the AdamW first moments");
    v_ = DeviceBuffer(n_ * 4, "the AdamW second moments");
    sq_ = DeviceBuffer(sizeof(double), "the gradient norm");
    if (n_ > 0) {
      CUDA_CHECK(cudaMemsetAsync(m_.get(), 0, size_t(n_) * 4, model_.stream()));
      CUDA_CHECK(cudaMemsetAsync(v_.get(), 0, size_t(n_) * 4, model_.stream()));
    }
    model_.add_optimizer_bytes(bytes());
  }
  ~CudaLoraOptimizer() override { model_.add_optimizer_bytes(-bytes()); }

  double clip_grad_norm(double max_norm) override {
    const CudaLlama::LoraDevice d = device();
    cudaStream_t s = model_.stream();
    double* sq = sq_.as<double>();
    grad_sq_sum_zero(sq, s);
    grad_sq_sum_accumulate(d.g, d.n, sq, s);
    // The kernel applies clip_coefficient (no scaling unless max_norm > 0, the norm is finite and too large)
    // with the device-side sum, so no host round trip sits between the norm and the clip.
    if (max_norm > 0) grad_clip(d.g, d.n, sq, max_norm, s);
    double sum = 0;
    CUDA_CHECK(cudaMemcpyAsync(&sum, sq, sizeof(double), cudaMemcpyDeviceToHost, s));
    CUDA_CHECK(cudaStreamSynchronize(s));
    return std::sqrt(sum);
  }

  void step(double lr) override {
    const CudaLlama::LoraDevice d = device();
    ++t_;
    adamw_update(d.w, d.g, m_.as<float>(), v_.as<float>(), d.n, hyper_.beta1, hyper_.beta2, hyper_.eps,
                 hyper_.weight_decay, t_, lr, model_.stream());
    model_.refresh_lora_compute();  // the next forward multiplies with the updated weights
  }

  int64_t steps_taken() const override { return t_; }
  void set_steps_taken(int64_t t) override { t_ = t; }
  const std::vector<std::string>& names() const override { return names_; }
  std::vector<size_t> sizes() const override { return sizes_; }

  void get_moments(std::vector<std::vector<float>>* m, std::vector<std::vector<float>>* v) const override {
    model_.activate();
    *m = split(download(m_));
    *v = split(download(v_));
  }

  void set_moments(const std::vector<std::vector<float>>& m, const std::vector<std::vector<float>>& v) override {
    TF_CHECK(m.size() == sizes_.size() && v.size() == sizes_.size(), "optimizer moments: tensor count mismatch");
    for (size_t i = 0; i < sizes_.size(); i++)
      TF_CHECK(m[i].size() == sizes_[i] && v[i].size() == sizes_[i],
               "optimizer moments for " + names_[i] + ": size mismatch");
    model_.activate();
    upload(m, m_);
    upload(v, v_);
  }

  int64_t state_bytes() const override { return 2 * n_ * int64_t(sizeof(float)); }

 private:
  int64_t bytes() const { return m_.bytes() + v_.bytes() + sq_.bytes(); }

  CudaLlama::LoraDevice device() {
    model_.activate();
    const CudaLlama::LoraDevice d = model_.lora_device();
    TF_CHECK(d.n == n_ && d.w, "the LoRA adapter changed since make_optimizer (" + std::to_string(n_) + " -> " +
                                   std::to_string(d.n) + " parameters): make a new optimizer after load_lora");
    return d;
  }

  std::vector<float> download(const DeviceBuffer& b) const {
    std::vector<float> h(static_cast<size_t>(n_));
    if (n_ > 0) {
      CUDA_CHECK(cudaMemcpyAsync(h.data(), b.get(), h.size() * 4, cudaMemcpyDeviceToHost, model_.stream()));
      CUDA_CHECK(cudaStreamSynchronize(model_.stream()));
    }
    return h;
  }

  std::vector<std::vector<float>> split(const std::vector<float>& flat) const {
    std::vector<std::vector<float>> out;
    size_t at = 0;
    for (size_t n : sizes_) out.emplace_back(flat.begin() + at, flat.begin() + at + n), at += n;
    return out;
  }

  void upload(const std::vector<std::vector<float>>& parts, DeviceBuffer& dst) {
    std::vector<float> flat;
    flat.reserve(size_t(n_));
    for (const auto& p : parts) flat.insert(flat.end(), p.begin(), p.end());
    if (flat.empty()) return;
    CUDA_CHECK(cudaMemcpyAsync(dst.get(), flat.data(), flat.size() * 4, cudaMemcpyHostToDevice, model_.stream()));
    CUDA_CHECK(cudaStreamSynchronize(model_.stream()));  // flat is freed on return
  }

  CudaLlama& model_;
  train::AdamWHyper hyper_;
  std::vector<std::string> names_;
  std::vector<size_t> sizes_;
  int64_t n_ = 0, t_ = 0;
  DeviceBuffer m_, v_, sq_;
};

}  // namespace

std::unique_ptr<LoraOptimizer> CudaLlama::make_optimizer(const train::AdamWHyper& hyper) {
  TF_CHECK(lora_on_, "make_optimizer needs a LoRA adapter (call init_lora or load_lora first)");
  train::AdamW validate({}, hyper);  // the CPU optimizer's checks of beta1, beta2, eps and weight_decay
  return std::make_unique<CudaLoraOptimizer>(*this, hyper);
}

}  // namespace tf::cuda

// The CUDA model's own kernels (model_kernels.h) against the CPU: the bf16 embedding gather against
// kernels::embedding_forward on the same bf16 table (a copy: exact), and the projection bias add against the
// fp32 add the CPU's linear_forward does, rounded once to bf16 (exact: the same fp32 sum, the same rounding).
#include "../model_kernels.h"
#include "check_util.h"
#include "kernels/embedding.h"

namespace tf::cuda::check {

namespace {


// C = 136: rows of 16-byte groups; C = 133: element by element. scale ≠ 1: Gemma 3's scaled embedding, each
// element the fp32 product rounded once to bf16 (exact: the same product, the same rounding).
void embedding_check(std::vector<Row>& rows, int64_t C, float scale = 1.f) {
  const int64_t V = 1000, N = 777;
  const auto table = randn_bf16(static_cast<size_t>(V * C), 901);
  Rng rng(902);
  std::vector<int32_t> ids(static_cast<size_t>(N));
  for (auto& i : ids) i = int32_t(rng.next_u64() % V);
  ids[0] = 0, ids[1] = int32_t(V - 1);  // both ends of the table
  std::vector<float> ref(static_cast<size_t>(N * C));
  kernels::embedding_forward(nullptr, ids.data(), table.data(), ref.data(), N, V, C);
  for (float& x : ref) x = float(bf16_round(x * scale));
  DeviceBuf<uint16_t> dT(to_bf16(table)), dOut(ref.size());
  DeviceBuf<int32_t> dIds(ids);
  const double ms = time_ms([&] { embedding_gather_bf16(dIds.p, dT.bf(), dOut.bf(), N, C, nullptr, scale); });
  rows.push_back(make_row(scale == 1.f ? "embedding_gather_bf16" : "embedding_gather_bf16 scaled", shape2(N, C),
                          from_bf16(dOut.download()), to_double(ref), {}, Tolerance{}, ms));
}

void bias_check(std::vector<Row>& rows) {
  const int64_t N = 513, C = 200;
  const auto y = randn_bf16(static_cast<size_t>(N * C), 903);
  Rng rng(904);
  std::vector<float> bias(static_cast<size_t>(C));
  for (auto& b : bias) b = rng.normal() * 0.5f;  // fp32, as the model keeps it
  std::vector<double> ref(y.size());
  for (int64_t i = 0; i < N * C; ++i) ref[size_t(i)] = bf16_round(y[size_t(i)] + bias[size_t(i % C)]);
  DeviceBuf<uint16_t> dY(to_bf16(y));
  DeviceBuf<float> dB(bias);
  const double ms = time_ms([&] { add_bias_bf16(dY.bf(), dB.p, N, C, nullptr); });
  rows.push_back(make_row("add_bias_bf16", shape2(N, C), from_bf16(dY.download()), ref, {}, Tolerance{}, ms));
}

}  // namespace

void run_model_kernel_checks(std::vector<Row>& rows) {
  embedding_check(rows, 136);
  embedding_check(rows, 133);
  embedding_check(rows, 136, 25.25f);  // Gemma 3 270M: sqrt(640) = 25.30 in bf16
  bias_check(rows);
}

}  // namespace tf::cuda::check

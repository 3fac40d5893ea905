#pragma once
// The device arena of the CUDA model (native/cuda/backend/cuda_llama.*): every activation and scratch buffer of
// one B x T step, carved out of ONE cudaMalloc at 256-byte aligned offsets computed here on the host. Plain C++
// (no CUDA headers) so the layout, its totals and the memory report are unit-tested on machines without a GPU
// (tests/test_cuda_arena_host.cc); CudaLlama uses exactly these offsets.
//
// The layout mirrors the CPU's Workspace (model/llama_impl.h): the residual stream x_0..x_L, one LayerActs set
// per layer (or, with gradient checkpointing, one set that every layer reuses except for its attention block's
// tensors — q, k, v, the attention output and log-sum-exp, x2 — kept per layer so the recompute runs only the
// MLP's gate and up projections; it does not rebuild the layer's output either, which is the next layer's kept
// input), the backward scratch, and the loss head over row chunks so
// an N x V logits matrix never exists for large N.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "io/config.h"

namespace tf::cuda {

constexpr int64_t kArenaAlign = 256;
// Rows of the loss head per chunk: logits exist for at most this many rows at a time.
constexpr int64_t kLogitsChunkRows = 2048;
constexpr int kArenaProjections = 9;  // q, k, v, o, gate, up, down, LFM2's conv in / out (model/llama_impl.h Proj order)

int64_t align_up(int64_t n, int64_t alignment = kArenaAlign);

// What the plan needs to know about the model.
struct ModelDims {
  int64_t H = 0, I = 0, V = 0, L = 0, nh = 0, nkv = 0, hd = 0;
  int64_t rank = 0;                                // LoRA rank; 0 = no adapter attached
  std::array<bool, kArenaProjections> adapted{};   // which projections carry a LoRA branch
  int64_t dequant_elems = 0;  // out*in of the largest NF4 projection (0: dense weights need no dequant buffers)
  bool qk_norm = false;       // Qwen3: q and k are RMS-normalized per head before RoPE (ModelConfig::qk_norm)
  bool sandwich = false;      // Gemma 3: o_proj's and down_proj's outputs are normalized (ModelConfig::sandwich_norms)
  bool windowed = false;      // Gemma 3: some layers attend within a sliding window (their own first visible keys)
  bool input_norms = true;    // false on OLMo 2 and 3: no xn1 / xn2 (and statistics); the sublayers read x and x2
  // Phi-3: q's slot holds qkv_proj (out q+2·kv) and gate's gate_up_proj (out 2·I); k, v and up have no weight.
  // GLM-4: gate_up_proj only.
  Fusion fused;
  // LFM2: which layers are gated short convolutions (empty: none) and their kernel length. A conv layer's slots are
  // in_proj's output bcx [N, 3H], the convolution [N, H] and its gated output (att, [N, H]) in place of q, k, v, lse.
  std::vector<char> layer_conv;
  int conv_kernel = 0;
  bool conv(int64_t l) const { return !layer_conv.empty() && layer_conv[size_t(l)]; }
  bool has_conv() const;
  bool has_attention() const;
  int64_t qd() const { return nh * hd; }
  int64_t kvd() const { return nkv * hd; }
  // The wider of a fused model's fused outputs (q+k+v, gate+up); 0 when not fused.
  int64_t fused_width() const { return std::max(fused.qkv ? qd() + 2 * kvd() : 0, fused.gate_up ? 2 * I : 0); }
  // The attention output's width, or on a model with conv layers the wider of it and their gated output's (H).
  int64_t att_width() const { return has_conv() ? std::max(qd(), H) : qd(); }
  // in / out features of projection p (q, k, v, o, gate, up, down, conv in, conv out).
  int64_t proj_in(int p) const;
  int64_t proj_out(int p) const;
};
// From a model config; nf4 says the projections are NF4 (two dequant buffers of the largest the model has).
ModelDims model_dims(const ModelConfig& c, bool nf4, int lora_rank,
                     const std::array<bool, kArenaProjections>& adapted);

enum class StepMode { Train, Loss, Logits };
struct StepShape {
  int64_t B = 0, T = 0;
  StepMode mode = StepMode::Train;
  bool checkpointing = false;  // Train only
  // Checkpointing only: keep each layer's attention output and lse, so the recompute skips the attention. Off
  // when the arena would not fit on the device with them (CudaLlama::begin_step): the recompute then redoes it.
  bool keep_attention = true;
  // With keep_attention: keep the attention's inputs too, q, k, v (after RoPE; with qk_norm also q and k before the
  // norm and its statistics), and the residual x2 after it (with sandwich norms also o_proj's output and its norm's
  // statistics), so the
  // recompute runs no q/k/v/o projection (nor their NF4 expansions) and only rebuilds the MLP's gate and up. Dropped
  // first when memory is short.
  bool keep_attention_inputs = true;
  int64_t logits_chunk_rows = kLogitsChunkRows;
  int64_t rows() const { return B * T; }
  int64_t chunk_rows() const;      // min(rows, logits_chunk_rows)
  int64_t logits_chunks() const;   // ceil(rows / chunk_rows)
};

// Kernel scratch whose size the kernel files decide (api.h: attention_backward_scratch_floats,
// cross_entropy_scratch_floats for chunk_rows() rows, lora_scratch_elems of the largest adapted projection).
struct KernelScratch {
  int64_t attention_bwd_floats = 0;
  int64_t ce_floats = 0;
  int64_t lora_elems = 0;  // bf16 elements
};

enum class Category { Activations, Scratch, Logits };
const char* category_name(Category c);

struct ArenaBuffer {
  std::string name;
  Category category = Category::Scratch;
  int64_t bytes = 0;   // requested
  int64_t offset = 0;  // aligned; the buffer occupies [offset, offset + bytes)
};

// One LayerActs set (what a layer's backward needs from its forward); byte offsets into the arena.
struct LayerSlots {
  int64_t xn1 = -1, rstd1 = -1, q = -1, k = -1, v = -1, lse = -1, att = -1, x2 = -1, xn2 = -1, rstd2 = -1;
  int64_t g = -1, u = -1, h = -1;
  // qk_norm only: q and k as the projections give them (the norm's backward reads them), and each head's rstd (fp32).
  int64_t q_raw = -1, k_raw = -1, rstd_q = -1, rstd_k = -1;
  // sandwich only: o_proj's and down_proj's outputs before their norms [N, H], and the norms' rstd [N] (fp32).
  int64_t ao = -1, rstd_ao = -1, mo = -1, rstd_mo = -1;
  // LFM2's conv layers only: in_proj's output [N, 3H] and the convolution before its gate [N, H] (att holds the gated
  // output, out_proj's input).
  int64_t bcx = -1, conv = -1;
  std::array<int64_t, kArenaProjections> lora_u = unset_lora_u();  // [N, r] bf16, adapted only
  static std::array<int64_t, kArenaProjections> unset_lora_u() {
    std::array<int64_t, kArenaProjections> u;
    u.fill(-1);
    return u;
  }
};

// Byte offsets of every buffer (-1 = not in this mode). Element types: bf16 unless noted.
struct ArenaPlan {
  std::vector<ArenaBuffer> buffers;  // each distinct allocation once, in layout order
  std::vector<int64_t> xs;           // x_0..x_L [N, H]; Loss/Logits alternate two buffers (nothing is kept)
  std::vector<LayerSlots> layers;    // Train: one per layer (with checkpointing they differ only in att and lse,
                                     // and q, k, v, x2 with keep_attention_inputs), but one reused set with
                                     // checkpointing without keep_attention, and for Loss / Logits
  bool kept_attention = false;       // checkpointing: each layer's att and lse are its own (keep_attention)
  bool kept_attention_inputs = false;  // and its q, k, v and x2 (keep_attention_inputs)
  // Layer l's slots: its own set, or the one every layer reuses.
  const LayerSlots& layer(int64_t l) const { return layers[layers.size() > 1 ? size_t(l) : 0]; }
  int64_t xf = -1, rstdf = -1;       // final norm output [N, H], rstd [N] fp32
  int64_t dxf = -1, dx_a = -1, dx_b = -1;                    // residual stream gradients [N, H]
  int64_t dh = -1, dg = -1, du = -1, dxn = -1, dx2 = -1;     // layer backward
  int64_t datt = -1, dq = -1, dk = -1, dv = -1;
  int64_t dbcx = -1;                 // LFM2: in_proj's output gradient [N, 3H]
  int64_t attn_scratch = -1, lora_scratch = -1, ce_scratch = -1;  // fp32, bf16, fp32
  // Fused models only: [N, fused_width()] bf16, a fused projection's output before its columns are split into q, k, v
  // (or gate, up), and in backward their gradients joined for the fused projection's backward.
  int64_t fused = -1;
  // Two reused bf16 buffers for NF4 projections: the one being multiplied, and the next one, expanded meanwhile on a
  // second stream (backend/dequant_pipeline.h).
  std::array<int64_t, 2> dequant{-1, -1};
  int64_t logits = -1;               // [chunk_rows, V] bf16 (Train, Loss)
  int64_t logits_f32 = -1;           // [chunk_rows, V] fp32 (Logits)
  int64_t ce_results = -1;           // logits_chunks() CeSumDevice (24 bytes each)
  int64_t tokens = -1, targets = -1, positions = -1, seg_start = -1;  // int32 [N]
  int64_t window_start = -1;  // int32 [N]: the sliding layers' first visible keys (windowed models only)
  // fp32 [N]: each position's gradient scale (Train, from a RowScaler) and its loss (Train, Loss).
  int64_t token_scales = -1, token_losses = -1;
  int64_t total = 0;                 // bytes the arena must have
  int64_t bytes(Category c) const;   // requested bytes of one category (alignment padding excluded)
  const ArenaBuffer* find(const std::string& name) const;
};

constexpr int64_t kCeSumDeviceBytes = 24;  // struct CeSumDevice { double; long long; long long; }

ArenaPlan plan_step(const ModelDims& d, const StepShape& s, const KernelScratch& k);

// What CudaLlama::activation_bytes reports: the bytes forward_backward keeps for a B x T batch, i.e. the
// plan's Activations plus its Logits chunk (kernel scratch excluded: it does not grow with what is kept).
int64_t activation_bytes_estimate(const ModelDims& d, int64_t B, int64_t T, bool checkpointing);

// ---- memory report ----
struct MemoryTotals {
  int64_t frozen_weights = 0;      // persistent: base weights (bf16 / NF4), norms, rope table
  int64_t lora_and_optimizer = 0;  // persistent: fp32 masters + grads, bf16 copies, AdamW moments
  int64_t activations = 0, scratch = 0, logits_chunk = 0;  // the last step's plan
  int64_t arena_capacity = 0;      // the arena's allocation (>= the plan's total; grown only when needed)
  int64_t gemm_workspace = 0;      // cuBLASLt's workspace for the model's stream (api.h matmul_workspace_bytes)
  bool checkpointing_turned_on = false;  // a step asked to run without checkpointing had no room for that
  bool attention_recomputed = false;  // checkpointing without room to keep each layer's attention output
  bool attention_inputs_recomputed = false;  // ... or its q, k, v and x2 (the q/k/v/o projections ran again)
  bool attention_inputs_off = false;         // the last step kept no q, k, v or x2 by TF_CUDA_KEEP_ATTENTION_INPUTS=0
  // NF4: weights the last finished pass expanded, and how many of them a second stream expanded ahead of the matmuls.
  int64_t nf4_weights_last_pass = 0, nf4_expanded_ahead = 0;
  bool nf4_first_pass_of_kind = false;  // that pass had no recorded order to expand ahead from
  bool nf4_expand_ahead = true;         // false: TF_CUDA_DEQUANT_AHEAD=0
  int64_t device_free = -1, device_total = -1;  // cudaMemGetInfo; -1 = unknown
  // Where the GEMMs ran (api.h matmul_backend_description): cuBLASLt, or the slower WMMA kernels and why. In the
  // report because a job's log shows it, and it is the first thing to know about a slow run. Empty: not said.
  std::string gemms;
};
std::string format_bytes(int64_t bytes);  // "812 B", "1.50 KiB", "3.25 GiB"
std::string format_memory_report(const MemoryTotals& t);
// The message of an out-of-memory tf::Error: what was being allocated, how many bytes, the device's free and
// total memory, and what the user can change.
// `advice` ends the message with what to change; the default is the trainer's (its options decide its memory).
inline constexpr const char* kTrainingMemoryAdvice = "Use a smaller batch_size or max_seq_len, or turn on gradient_checkpointing.";
// A training step's arena that does not fit even checkpointed (asked for, or turned on for want of room). The job's
// message (lib/jobs/local/run/errors.ts) drops its checkpointing advice on "already checkpointed".
inline constexpr const char* kCheckpointedMemoryAdvice =
    "Use a smaller batch_size or max_seq_len (the step was already checkpointed, recomputing all it could).";
std::string out_of_memory_message(const std::string& what, int64_t requested, int64_t device_free,
                                  int64_t device_total, const std::string& advice = kTrainingMemoryAdvice);

}  // namespace tf::cuda

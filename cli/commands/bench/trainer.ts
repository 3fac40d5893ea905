import os from "node:os";
import path from "node:path";
import type { StepReport, TrainExample } from "../../../native/index";
import { createRng } from "../../../lib/testing/tiny-model/rng";
import { parseCommandOptions, UsageError } from "../../args";
import type { CliContext } from "../../command";
import { adaptedModuleNames, flopsPerToken, loraParameters } from "../../native/flops";
import { formatStepProfile } from "../../../lib/models/step-profile";
import { MODEL_LOAD_OPTIONS, numberOption } from "../../native/options";
import { figure, withBenchModel } from "./model";

// tuneforge bench trainer – training throughput of the native trainer in model FLOPs, against the fp32 GEMM
// peak of the same kernels measured in the same run (so the percentage is honest on any machine).

export const BENCH_TRAINER_USAGE = [
  "Usage: tuneforge bench trainer [--model DIR | --preset small|tiny] [options]",
  "",
  "Trains a LoRA adapter on random tokens for a few steps and reports tokens/s, achieved GFLOP/s",
  "(4·N_frozen + 6·N_lora + 6·L·heads·head_dim·T per token), the fp32 GEMM peak measured now, the",
  "percentage of it, and the frozen-weight memory per parameter. The first step is a warm-up and is",
  "not counted. Without --model a seeded ~20M-parameter model (--preset small) is generated.",
  "",
  "Options:",
  "  --seq-len 256  --batch-size 4  --grad-accum 1  --steps 6  --rank 16  --targets q_proj,k_proj,v_proj,o_proj",
  "  --quant nf4|none (default nf4)  --double-quant  --backend auto|cpu|cuda  --threads N  --peak-seconds 2",
  "  --peak-size 8192   cuda backend only: the order of the square bf16 GEMMs of the peak (a multiple of",
  "                     128, ≥ 256); smaller for a small device or the CUDA emulator",
  "  --gradient-checkpointing   keep each layer's input and its attention block (cuda: q, k, v, output;",
  "                 cpu: the output), recompute the rest in backward",
  "  --profile      also time each step by phase (frozen matmuls, NF4 dequant, LoRA, attention, elementwise,",
  "                 loss head, optimizer) and print the last step's; the marks cost a little throughput",
  "  --method dpo   train preference pairs with DPO (--batch-size counts pairs: 2 sequences each, the second",
  "                 half of each an answer); tokens/s counts both answers' tokens. A DPO pass costs the model",
  "                 FLOPs of a supervised one (its loss weighs the gradient; on the GPU the LM head runs twice)",
  "  --json         print the figures as one JSON object",
  "",
];

export async function benchTrainer(args: string[], ctx: CliContext): Promise<number> {
  const { values: v } = parseCommandOptions(
    "bench",
    args,
    {
      model: { type: "string" },
      preset: { type: "string" },
      "seq-len": { type: "string" },
      "batch-size": { type: "string" },
      "grad-accum": { type: "string" },
      steps: { type: "string" },
      rank: { type: "string" },
      targets: { type: "string" },
      "peak-seconds": { type: "string" },
      "peak-size": { type: "string" },
      "gradient-checkpointing": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      method: { type: "string" },
      json: { type: "boolean", default: false },
      ...MODEL_LOAD_OPTIONS,
    },
  );
  const seqLen = numberOption("bench", "seq-len", v["seq-len"], 256, { min: 8, integer: true });
  const batchSize = numberOption("bench", "batch-size", v["batch-size"], 4, { min: 1, integer: true });
  const gradAccum = numberOption("bench", "grad-accum", v["grad-accum"], 1, { min: 1, integer: true });
  const steps = numberOption("bench", "steps", v.steps, 6, { min: 2, integer: true });
  const rank = numberOption("bench", "rank", v.rank, 16, { min: 1, integer: true });
  const peakSeconds = numberOption("bench", "peak-seconds", v["peak-seconds"], 2, { min: 0.1, max: 60 });
  // The addon's default and limits for the cuda GEMM peak (gemmPeakGflops).
  const peakSize = numberOption("bench", "peak-size", v["peak-size"], 8192, { min: 256, max: 32768, integer: true, multipleOf: 128 });
  const targets = (v.targets ?? "q_proj,k_proj,v_proj,o_proj").split(",").map((t) => t.trim()).filter(Boolean);
  const method = v.method ?? "sft";
  if (method !== "sft" && method !== "dpo") throw new UsageError(`bench: --method must be sft or dpo, got "${method}"`);
  const dpo = method === "dpo";
  // Sequences per micro-batch: DPO's batch size counts pairs.
  const sequences = dpo ? 2 * batchSize : batchSize;
  const log = (text: string) => v.json || ctx.err(`bench: ${text}\n`);

  return withBenchModel(ctx, v, log, async ({ addon, model, label, tmp, loadSeconds }) => {
    const info = model.info();
    if (seqLen > info.maxPositionEmbeddings) throw new Error(`bench: --seq-len ${seqLen} exceeds the model's max_position_embeddings ${info.maxPositionEmbeddings}`);
    const threads = numberOption("bench", "threads", v.threads, 0, { min: 0, integer: true });
    // The 100 % of the efficiency figure is the GEMM peak of the backend the model trains on: fp32 CPU
    // kernels, or bf16 tensor cores (fp32 accumulation) on the GPU.
    const onGpu = info.backend === "cuda";
    // Checked once the backend is known: --backend auto lands on the CPU when there is no device. The CPU peak
    // has its own fixed blocking, so a size there would be silently ignored.
    if (v["peak-size"] !== undefined && !onGpu) throw new UsageError(`bench: --peak-size sets the cuda backend's GEMM size; this model runs on the ${info.backend} backend`);
    const peakLabel = onGpu ? "bf16 GEMM peak (GPU)" : "fp32 GEMM peak";
    const measurePeak = () => addon.gemmPeakGflops(onGpu ? { backend: "cuda", seconds: peakSeconds, size: peakSize } : { threads, seconds: peakSeconds });
    log(`measuring the ${peakLabel} (${peakSeconds}s)…`);
    const peakBefore = await measurePeak();

    // Random tokens, every position a target: the cost per token does not depend on the content. DPO: pairs of
    // sequences sharing their first half (the prompt, untrained), each with its own second half (the answer).
    const rng = createRng(1);
    const randomTokens = () => Int32Array.from({ length: seqLen }, () => Math.floor(rng.uniform() * info.vocabSize));
    const examples: TrainExample[] = [];
    for (let i = 0; i < sequences * gradAccum * steps; i++) {
      const tokens = randomTokens();
      const lossMask = new Uint8Array(seqLen).fill(1);
      lossMask[0] = 0;
      if (dpo) {
        lossMask.fill(0, 0, seqLen >> 1);
        if (i % 2 === 1) tokens.set(examples[i - 1]!.tokens.slice(0, seqLen >> 1) as Int32Array);
      }
      examples.push({ tokens, lossMask });
    }
    const reports: StepReport[] = [];
    log(`training ${steps} steps of ${dpo ? `${batchSize} pairs (${sequences} sequences)` : batchSize}×${gradAccum}×${seqLen} tokens…`);
    await model.train(examples, null, { lora: { rank, alpha: 2 * rank, dropout: 0.05, targets }, epochs: 1, batchSize, gradAccum, lr: 1e-4, warmupRatio: 0, maxSeqLen: seqLen, gradientCheckpointing: v["gradient-checkpointing"], profile: v.profile, seed: 0, outDir: path.join(tmp, "adapter"), ...(dpo ? { method: "dpo" as const } : {}) }, (r) => {
      reports.push(r);
      log(`step ${r.step}/${r.totalSteps}: ${Math.round(r.tokensPerSec)} tok/s`);
    });
    // Measured again after training and the best kept: a busy machine must not flatter the percentage.
    const peak = Math.max(peakBefore, await measurePeak());
    if (reports.length < 2) throw new Error(`bench: the trainer reported ${reports.length} steps; need at least 2`);
    const tokensPerStep = sequences * gradAccum * seqLen;
    // Each timed step's own time (its tokens over its rate), summed, as hf_throughput.py times HF's steps: the
    // difference of elapsedMs would also count the checkpoint written after the last step (the epoch's end).
    const stepSeconds = reports.slice(1).reduce((sum, r) => sum + tokensPerStep / r.tokensPerSec, 0);
    const tokensPerSec = ((reports.length - 1) * tokensPerStep) / stepSeconds;
    const flops = flopsPerToken(info, rank, targets, seqLen);
    const gflops = (tokensPerSec * flops) / 1e9;
    const figures = {
      model: label,
      parameters: info.numParameters,
      matmul_parameters: info.matmulParameters,
      lora_parameters: loraParameters(info, rank, targets),
      quant: `${v.quant ?? "nf4"}${v["double-quant"] ? " + double quant" : ""}`,
      seq_len: seqLen,
      method,
      gradient_checkpointing: v["gradient-checkpointing"] ?? false,
      backend: info.backend,
      // Opening the model: safetensors read, frozen weights quantized (on the GPU also uploaded). A job waits this
      // long before its first step.
      load_seconds: figure(loadSeconds),
      threads: threads || os.cpus().length,
      isa: addon.cpuIsa(),
      tokens_per_sec: figure(tokensPerSec),
      // DPO: preference pairs trained per second (2 sequences of seq_len each).
      pairs_per_sec: dpo ? figure(tokensPerSec / (2 * seqLen)) : null,
      flops_per_token: flops,
      achieved_gflops: figure(gflops),
      gemm_peak_gflops: figure(peak),
      gemm_peak_size: onGpu ? peakSize : null,
      percent_of_peak: figure((100 * gflops) / peak),
      weight_bytes: info.weightBytes,
      weight_bytes_per_param: Math.round((info.weightBytes / info.numParameters) * 1000) / 1000,
      // The CPU trainer keeps the embedding and norms in fp32 (4 bytes each), the CUDA one in bf16 (2); the rest
      // is the matmul weights in the chosen quantization. Tied embeddings double as lm_head: not split out.
      matmul_bytes_per_param: info.tieWordEmbeddings ? null : Math.round(((info.weightBytes - (onGpu ? 2 : 4) * (info.numParameters - info.matmulParameters)) / info.matmulParameters) * 1000) / 1000,
      // On the GPU, what the device held at its peak (measured: arena + weights); on the CPU the trainer's estimate.
      peak_memory_bytes: Math.max(...reports.map((r) => r.memoryBytes)),
      // The first step's breakdown (weights, LoRA + optimizer, activations, …; on the GPU the device's free/total):
      // where a peak-memory figure that misses its target went.
      memory_report: reports[0]!.memoryReport ?? null,
      // --profile: the last step's milliseconds by phase and its wall time ("step").
      profile_ms: reports.at(-1)!.profileMs ?? null,
    };
    if (v.json) ctx.out(JSON.stringify(figures) + "\n");
    else {
      ctx.out(
        [
          `model            ${figures.model}: ${(info.numParameters / 1e6).toFixed(2)}M parameters (${(info.matmulParameters / 1e6).toFixed(2)}M in matmuls), LoRA r=${rank} on ${adaptedModuleNames(info, targets).join(",")} (${(figures.lora_parameters / 1e6).toFixed(3)}M)`,
          `setup            ${figures.quant}, seq len ${seqLen}, ` + (onGpu ? "cuda backend" : `${figures.threads} threads, ${figures.isa} kernels`),
          `model load       ${figures.load_seconds} s (read, ${figures.quant}${onGpu ? ", upload" : ""})`,
          `throughput       ${figures.tokens_per_sec} tokens/s${dpo ? ` = ${figures.pairs_per_sec} DPO pairs/s` : ""}`,
          `model FLOPs      ${(flops / 1e6).toFixed(1)} MFLOP/token → ${figures.achieved_gflops} GFLOP/s`,
          `${peakLabel.padEnd(16)} ${figures.gemm_peak_gflops} GFLOP/s (measured now${onGpu ? `, ${peakSize}³ GEMMs` : ""})`,
          `efficiency       ${figures.percent_of_peak} % of peak`,
          `frozen weights   ${(info.weightBytes / 1e6).toFixed(2)} MB = ${figures.weight_bytes_per_param} bytes/parameter` +
            (figures.matmul_bytes_per_param === null ? "" : ` (matmul weights incl. lm_head ${figures.matmul_bytes_per_param} bytes/parameter; embedding and norms ${onGpu ? "bf16" : "fp32"})`),
          `peak memory      ${(figures.peak_memory_bytes / 1e6).toFixed(1)} MB (${onGpu ? "measured on the device" : "the trainer's estimate"})`,
          ...(figures.memory_report ? [figures.memory_report.trimEnd()] : []),
          ...(figures.profile_ms ? formatStepProfile(figures.profile_ms) : []),
          "",
        ].join("\n"),
      );
    }
    return 0;
  });
}

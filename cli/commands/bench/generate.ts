import { createRng } from "../../../lib/testing/tiny-model/rng";
import { parseCommandOptions } from "../../args";
import type { CliContext } from "../../command";
import { MODEL_LOAD_OPTIONS, numberOption } from "../../native/options";
import { figure, withBenchModel } from "./model";

// tuneforge bench generate – generation speed of the native model: prefill (the prompt, one forward) and decode
// (one token per forward through the KV cache), on the backend the model runs on. Decoding reads every weight once
// per token, so the weight bytes read per second are reported too: against the memory bandwidth of the machine,
// that is how close decoding is to its limit. --batch N generates N prompts in one call, as an evaluation does:
// the sequences advance together, one forward per step for all of them, so each weight read serves N tokens.

export const BENCH_GENERATE_USAGE = [
  "Usage: tuneforge bench generate [--model DIR | --preset small|tiny] [options]",
  "",
  "Generates --max-tokens tokens (greedy, no stop token) after a random prompt of --prompt-len tokens, --runs",
  "times after one warm-up, and reports prefill tokens/s (prompt tokens / time to the first token), decode",
  "tokens/s (the tokens after the first / the time they took) and the frozen-weight bytes read per second.",
  "With --batch N, N random prompts generate together in one call (as evaluations batch them): decode tokens/s",
  "counts every sequence's tokens, and the weights are read once per step for all N.",
  "",
  "Options:",
  "  --prompt-len 128  --max-tokens 128  --batch 1  --runs 3  --adapter DIR",
  "  --quant nf4|none (default nf4)  --double-quant  --backend auto|cpu|cuda  --threads N",
  "  --json         print the figures as one JSON object",
  "",
];

type Timing = { prefillMs: number; decodeMs: number; tokens: number };

export async function benchGenerate(args: string[], ctx: CliContext): Promise<number> {
  const { values: v } = parseCommandOptions("bench", args, {
    model: { type: "string" },
    preset: { type: "string" },
    adapter: { type: "string" },
    "prompt-len": { type: "string" },
    "max-tokens": { type: "string" },
    batch: { type: "string" },
    runs: { type: "string" },
    json: { type: "boolean", default: false },
    ...MODEL_LOAD_OPTIONS,
  });
  const promptLen = numberOption("bench", "prompt-len", v["prompt-len"], 128, { min: 1, integer: true });
  const maxTokens = numberOption("bench", "max-tokens", v["max-tokens"], 128, { min: 2, integer: true });
  const runs = numberOption("bench", "runs", v.runs, 3, { min: 1, integer: true });
  const batch = numberOption("bench", "batch", v.batch, 1, { min: 1, max: 256, integer: true });
  const log = (text: string) => v.json || ctx.err(`bench: ${text}\n`);

  return withBenchModel(ctx, v, log, async ({ model, label }) => {
    const info = model.info();
    if (promptLen + maxTokens > info.maxPositionEmbeddings)
      throw new Error(`bench: --prompt-len + --max-tokens (${promptLen + maxTokens}) exceed the model's max_position_embeddings ${info.maxPositionEmbeddings}`);
    const rng = createRng(2);
    const prompts = Array.from({ length: batch }, () => Int32Array.from({ length: promptLen }, () => Math.floor(rng.uniform() * info.vocabSize)));
    // No stop token: every run generates exactly maxTokens tokens, whatever the random model prefers.
    const once = async (tokens: number): Promise<Timing> => {
      const start = performance.now();
      let first = 0;
      let last = 0;
      let count = 0;
      // Every prompt is prefilled before the first token of any is sampled, so the first token marks the end of
      // all prefills; after it come the decode steps.
      await model.generate(prompts, { maxTokens: tokens, temperature: 0, stopTokenIds: [], adapterDir: v.adapter }, () => {
        last = performance.now();
        if (count++ === 0) first = last;
      });
      if (count !== tokens * batch) throw new Error(`bench: expected ${tokens * batch} tokens, the model streamed ${count}`);
      return { prefillMs: first - start, decodeMs: last - first, tokens: count };
    };
    log("warm-up…");
    await once(2);
    const timings: Timing[] = [];
    for (let r = 0; r < runs; r++) {
      timings.push(await once(maxTokens));
      log(`run ${r + 1}/${runs}: ${Math.round(((maxTokens - 1) * batch * 1000) / timings[r]!.decodeMs)} decode tokens/s`);
    }
    // The best run of each phase: a busy machine must not decide the figure.
    const prefillMs = Math.min(...timings.map((t) => t.prefillMs));
    const decodeMs = Math.min(...timings.map((t) => t.decodeMs));
    // Decode steps per second: each step is one token for every sequence and one read of the weights.
    const stepsPerSec = ((maxTokens - 1) * 1000) / decodeMs;
    const figures = {
      model: label,
      parameters: info.numParameters,
      quant: `${v.quant ?? "nf4"}${v["double-quant"] ? " + double quant" : ""}`,
      backend: info.backend,
      adapter: v.adapter ?? null,
      prompt_len: promptLen,
      max_tokens: maxTokens,
      batch,
      prefill_tokens_per_sec: figure((promptLen * batch * 1000) / prefillMs),
      decode_tokens_per_sec: figure(stepsPerSec * batch),
      // The time of one decode step (one token of every sequence).
      ms_per_token: Math.round((decodeMs / (maxTokens - 1)) * 100) / 100,
      weight_bytes: info.weightBytes,
      weight_gb_read_per_sec: figure((info.weightBytes * stepsPerSec) / 1e9),
    };
    if (v.json) ctx.out(JSON.stringify(figures) + "\n");
    else
      ctx.out(
        [
          `model            ${figures.model}: ${(info.numParameters / 1e6).toFixed(2)}M parameters, ${figures.quant}, ${figures.backend} backend${figures.adapter ? `, adapter ${figures.adapter}` : ""}`,
          `prefill          ${figures.prefill_tokens_per_sec} tokens/s (${batch > 1 ? `${batch} prompts of ${promptLen}` : `${promptLen}-token prompt`})`,
          `decode           ${figures.decode_tokens_per_sec} tokens/s = ${figures.ms_per_token} ms/${batch > 1 ? `step of ${batch} tokens` : "token"} (${maxTokens} tokens${batch > 1 ? " each" : ""}, best of ${runs})`,
          `weights read     ${(info.weightBytes / 1e6).toFixed(1)} MB per ${batch > 1 ? "step" : "token"} → ${figures.weight_gb_read_per_sec} GB/s`,
          "",
        ].join("\n"),
      );
    return 0;
  });
}

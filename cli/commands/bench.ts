import { UsageError } from "../args";
import type { Command } from "../command";
import { BENCH_GENERATE_USAGE, benchGenerate } from "./bench/generate";
import { BENCH_TRAINER_USAGE, benchTrainer } from "./bench/trainer";

// tuneforge bench trainer|generate – the native trainer's speed: training throughput (bench/trainer.ts) and
// generation speed (bench/generate.ts). The benchmark's name comes first; its options follow.

export const benchCommand: Command = {
  name: "bench",
  summary: "measure the native trainer: training throughput (% of measured GEMM peak), generation tokens/s",
  usage: [...BENCH_TRAINER_USAGE, ...BENCH_GENERATE_USAGE].join("\n"),
  async run(args, ctx) {
    const [which, ...rest] = args;
    if (which === "trainer") return benchTrainer(rest, ctx);
    if (which === "generate") return benchGenerate(rest, ctx);
    throw new UsageError(
      `bench: name the benchmark first: \`tuneforge bench trainer [options]\` or \`tuneforge bench generate [options]\`` +
        (which ? ` (got "${which}")` : ""),
    );
  },
};

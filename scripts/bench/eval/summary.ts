import { summarize, type SummarySample } from "../../../lib/eval/summary";
import type { SampleMetrics, Verdict } from "../../../lib/eval/types";
import { mulberry32 } from "../../../lib/random/mulberry32";

// The summary part of `npm run bench:eval`: CPU time of summarize() (win rate with its interval, paired bootstrap
// intervals of every metric, the per-tag breakdown) on `samples` random samples with five overlapping tags, a third
// of them with tool-call metrics; the first (cold) call and the best of three warm ones. CPU time, not wall time, so
// a busy machine does not inflate it.
export function benchEvalSummary(o: { samples: number }): void {
  const rng = mulberry32(11);
  const tags = ["format", "refunds", "billing", "smalltalk"];
  const verdicts: Verdict[] = ["candidate", "baseline", "tie", "inconsistent"];
  // A third of the samples offered tools: their call metrics form a bootstrap group of their own.
  const m = (i: number): SampleMetrics => ({
    ...(i % 3 === 0 ? { toolCallMatch: rng() < 0.5 ? 1 : 0, toolNameMatch: rng() < 0.7 ? 1 : 0 } : {}),
    exactMatch: rng() < 0.5 ? 1 : 0,
    normalizedMatch: rng() < 0.6 ? 1 : 0,
    jsonValid: rng() < 0.7 ? 1 : 0,
    schemaValid: rng() < 0.6 ? 1 : 0,
    rougeL: rng(),
    tokenF1: rng(),
    lengthRatio: 1,
    latencyMs: 50 + rng() * 100,
    promptTokens: 10,
    completionTokens: 5,
    costUsd: 0.001,
  });
  const samples: SummarySample[] = Array.from({ length: o.samples }, (_, i) => ({
    tags: [tags[i % 4]!, ...(i % 3 ? [] : ["hard"])],
    baselineMetrics: m(i),
    candidateMetrics: m(i),
    verdict: verdicts[(rng() * 4) | 0]!,
    humanVerdict: null,
    judgePointwise: null,
  }));
  const cpuMs = () => {
    const started = process.cpuUsage();
    summarize(samples, { seed: 5 });
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000;
  };
  const cold = cpuMs();
  const warm = Math.min(cpuMs(), cpuMs(), cpuMs());
  console.log(`bench:eval summary: summarize(${o.samples.toLocaleString("en-US")} samples, 5 overlapping tags, call metrics on a third): ${cold.toFixed(0)} ms CPU cold, ${warm.toFixed(0)} ms CPU warm (best of 3)`);
}

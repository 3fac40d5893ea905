import type { EvalSummary, GenerationSettings, TagBreakdown } from "@/lib/eval/types";

// The summary in words, for the places a chart cannot be read at a glance (and for screen readers).

export { METRIC_LABELS, percent, signedPoints, winRateText } from "@/lib/eval/words";

/** "better on format, worse on refunds" from the per-tag flags; null when no tag stands out. */
export function tagVerdictSentence(tags: readonly Pick<TagBreakdown, "tag" | "regression" | "improvement">[]): string | null {
  const better = tags.filter((t) => t.improvement && !t.regression).map((t) => t.tag);
  const worse = tags.filter((t) => t.regression).map((t) => t.tag);
  const parts = [better.length ? `better on ${better.join(", ")}` : null, worse.length ? `worse on ${worse.join(", ")}` : null].filter(Boolean);
  return parts.length ? `The candidate is ${parts.join(", ")}.` : null;
}


/** One line on the win rate: which way the interval points, so nobody reads 52 % ± 9 as a win. */
export function winRateVerdict(w: NonNullable<EvalSummary["winRate"]>): string {
  if (w.ci[0] > 0.5) return "The candidate wins: the whole interval is above 50 %.";
  if (w.ci[1] < 0.5) return "The baseline wins: the whole interval is below 50 %.";
  return "No clear winner: the interval includes 50 %.";
}

/** How the answers were generated, as the run page's header says it: "greedy · top-p 1 · up to 512 tokens · seed 0". */
export function generationLine(g: GenerationSettings): string {
  const parts = [
    g.temperature === 0 ? "greedy" : `temperature ${g.temperature}`,
    `top-p ${g.topP}`,
    `up to ${g.maxTokens} tokens`,
    `seed ${g.seed}`,
  ];
  if (g.thinking === "off") parts.push("thinking off");
  if (g.thinking === "on") parts.push("thinking on");
  return parts.join(" · ");
}

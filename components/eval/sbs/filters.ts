import type { EvalSampleView, QualityMetric, SampleMetrics, Verdict } from "@/lib/eval/types";

// What the side-by-side list shows: filters and sort over the loaded samples, pure so they are tested apart
// from the page. A human verdict replaces the judge's (the summary counts it the same way).

export type VerdictFilter = "all" | "wins" | "losses" | "ties" | "inconsistent" | "unjudged";
export type Side = "baseline" | "candidate";
export type Threshold = { metric: QualityMetric; side: Side; op: "<=" | ">="; value: number };
export type SortKey = "index" | "delta-asc" | "delta-desc";

export type SampleFilters = {
  verdict: VerdictFilter;
  tag: string | null;
  threshold: Threshold | null;
  errorsOnly: boolean;
  sort: SortKey;
  /** The metric "sort by delta" orders on. */
  sortMetric: QualityMetric;
};

export const DEFAULT_FILTERS: SampleFilters = { verdict: "all", tag: null, threshold: null, errorsOnly: false, sort: "index", sortMetric: "exactMatch" };

export const effectiveVerdict = (s: Pick<EvalSampleView, "verdict" | "humanVerdict">): Verdict | null => s.humanVerdict ?? s.verdict;

const VERDICT_OF: Record<Exclude<VerdictFilter, "all" | "unjudged">, Verdict> = { wins: "candidate", losses: "baseline", ties: "tie", inconsistent: "inconsistent" };

export const metricOf = (m: SampleMetrics | null, metric: QualityMetric): number | null => (m ? (m[metric] ?? null) : null);

/** candidate − baseline on one metric; null when either side has no figure. */
export function metricDelta(s: EvalSampleView, metric: QualityMetric): number | null {
  const c = metricOf(s.candidateMetrics, metric);
  const b = metricOf(s.baselineMetrics, metric);
  return c === null || b === null ? null : c - b;
}

export const hasError = (s: EvalSampleView) => !!(s.baselineError || s.candidateError || s.judgeError);

function keep(s: EvalSampleView, f: SampleFilters): boolean {
  if (f.verdict === "unjudged" ? effectiveVerdict(s) !== null : f.verdict !== "all" && effectiveVerdict(s) !== VERDICT_OF[f.verdict]) return false;
  if (f.tag !== null && !s.tags.includes(f.tag)) return false;
  if (f.errorsOnly && !hasError(s)) return false;
  if (f.threshold) {
    const v = metricOf(f.threshold.side === "candidate" ? s.candidateMetrics : s.baselineMetrics, f.threshold.metric);
    if (v === null || (f.threshold.op === "<=" ? v > f.threshold.value : v < f.threshold.value)) return false;
  }
  return true;
}

/** Indexes into `samples` of the rows to show, in display order. Rows without a delta sort last either way. */
export function visibleRows(samples: readonly EvalSampleView[], f: SampleFilters): number[] {
  const rows: number[] = [];
  for (let i = 0; i < samples.length; i++) if (keep(samples[i]!, f)) rows.push(i);
  if (f.sort === "index") return rows;
  const sign = f.sort === "delta-asc" ? 1 : -1;
  const delta = new Map(rows.map((i) => [i, metricDelta(samples[i]!, f.sortMetric)]));
  return rows.sort((a, b) => {
    const da = delta.get(a)!;
    const db = delta.get(b)!;
    if (da === null || db === null) return da === null && db === null ? samples[a]!.index - samples[b]!.index : da === null ? 1 : -1;
    return sign * (da - db) || samples[a]!.index - samples[b]!.index;
  });
}

export function allTags(samples: readonly EvalSampleView[]): string[] {
  const tags = new Set<string>();
  for (const s of samples) for (const t of s.tags) tags.add(t);
  return [...tags].sort();
}

/** The last user message: what a reader needs to recognise the row; the full conversation is one click away. */
export function lastUserMessage(s: Pick<EvalSampleView, "prompt">): string {
  for (let i = s.prompt.length - 1; i >= 0; i--) if (s.prompt[i]!.role === "user") return s.prompt[i]!.content;
  return s.prompt.at(-1)?.content ?? "";
}

import { pairedBootstrapMany } from "./stats/bootstrap";
import { percentile } from "./stats/percentile";
import { wilson } from "./stats/wilson";
import {
  QUALITY_METRICS,
  type EvalSummary,
  type Interval,
  type MetricSummary,
  type PointwiseScores,
  type QualityMetric,
  type SampleMetrics,
  type SideTotals,
  type TagBreakdown,
  type Verdict,
} from "./types";

// The run's summary, recomputed from its samples (after the run, and after every human override). Honest
// statistics: a win rate with a Wilson interval, metric deltas with paired bootstrap intervals, and per-tag
// breakdowns flagged only when the interval — not just the point estimate — says better or worse.

export type SummarySample = {
  tags: string[];
  baselineMetrics: SampleMetrics | null;
  candidateMetrics: SampleMetrics | null;
  verdict: Verdict | null;
  humanVerdict: Verdict | null;
  judgePointwise: PointwiseScores | null;
};

export type SummaryOptions = { seed?: number; iterations?: number };

/** A person's override wins over the judge's verdict. */
export function effectiveVerdict(s: Pick<SummarySample, "verdict" | "humanVerdict">): Verdict | null {
  return s.humanVerdict ?? s.verdict;
}

/** Tag metric deltas from fewer samples are not flagged: a bootstrap of 1–4 values gives intervals far too narrow
 * (one sample gives a zero-width one), so "worse on refunds" from two prompts would be noise presented as fact. */
export const MIN_FLAG_SAMPLES = 5;

type WinRate = { candidate: number; ci: Interval };

function verdictCounts(samples: SummarySample[]) {
  const counts = { candidate: 0, baseline: 0, tie: 0, inconsistent: 0, judged: 0 };
  for (const s of samples) {
    const v = effectiveVerdict(s);
    if (v === null) continue;
    counts[v]++;
    counts.judged++;
  }
  return counts;
}

/** Win rate = (wins + ties/2 + inconsistent/2) / judged: an inconsistent verdict is the judge failing to prefer
 * either side once position is controlled, so it counts as a tie (the issue: "otherwise a tie marked
 * inconsistent"). Ties count half so 50 % means "no better, no worse". Wilson interval on that (fractional) count. */
function winRate(c: ReturnType<typeof verdictCounts>): WinRate | null {
  if (c.judged === 0) return null;
  const successes = c.candidate + (c.tie + c.inconsistent) / 2;
  return { candidate: successes / c.judged, ci: wilson(successes, c.judged) };
}

function mean(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i]!;
  return sum / xs.length;
}

/** Metric summaries over the samples where both sides have the metric; one joint bootstrap per group of metrics
 * observed on the same samples (the five core metrics always are; schemaValid only when the run has a schema; the call
 * metrics on the samples that offered tools or expect a call). */
function metricSummaries(samples: SummarySample[], opts: SummaryOptions): Partial<Record<QualityMetric, MetricSummary>> {
  const paired = samples.filter((s) => s.baselineMetrics && s.candidateMetrics);
  const position = new Map(paired.map((s, i) => [s, i]));
  const groups = new Map<string, { metric: QualityMetric; base: Float64Array; cand: Float64Array }[]>();
  for (const metric of QUALITY_METRICS) {
    const rows = paired.filter((s) => typeof s.baselineMetrics![metric] === "number" && typeof s.candidateMetrics![metric] === "number");
    if (rows.length === 0) continue;
    // Metrics observed on the same samples (the core ones on all; the two call metrics on those that offered tools)
    // share one bootstrap: keyed by which samples they were observed on.
    const key = rows.length === paired.length ? "all" : rows.map((s) => position.get(s)).join(",");
    const base = Float64Array.from(rows, (s) => s.baselineMetrics![metric]!);
    const cand = Float64Array.from(rows, (s) => s.candidateMetrics![metric]!);
    groups.set(key, [...(groups.get(key) ?? []), { metric, base, cand }]);
  }
  const out: Partial<Record<QualityMetric, MetricSummary>> = {};
  for (const cols of groups.values()) {
    const deltas = cols.map(({ base, cand }) => base.map((b, i) => cand[i]! - b));
    const cis = pairedBootstrapMany(deltas, opts);
    cols.forEach(({ metric, base, cand }, k) => {
      const baseline = mean(base);
      const candidate = mean(cand);
      out[metric] = { baseline, candidate, delta: mean(deltas[k]!), ci: cis[k]!, n: base.length };
    });
  }
  return out;
}

function tagBreakdowns(samples: SummarySample[], opts: SummaryOptions): TagBreakdown[] {
  const byTag = new Map<string, SummarySample[]>();
  for (const s of samples) {
    for (const tag of new Set(s.tags)) {
      const rows = byTag.get(tag);
      if (rows) rows.push(s);
      else byTag.set(tag, [s]);
    }
  }
  const out: TagBreakdown[] = [];
  for (const [tag, rows] of byTag) {
    const rate = winRate(verdictCounts(rows));
    const metrics = metricSummaries(rows, opts);
    const trusted = Object.values(metrics).filter((m) => m.n >= MIN_FLAG_SAMPLES);
    out.push({
      tag,
      n: rows.length,
      winRate: rate,
      metrics,
      regression: (rate !== null && rate.ci[1] < 0.5) || trusted.some((m) => m.ci[1] < 0),
      improvement: (rate !== null && rate.ci[0] > 0.5) || trusted.some((m) => m.ci[0] > 0),
    });
  }
  // Biggest tags first: they carry the most evidence; ties broken by name so the order is stable.
  return out.sort((a, b) => b.n - a.n || a.tag.localeCompare(b.tag));
}

function sideTotals(samples: SummarySample[], side: "baselineMetrics" | "candidateMetrics"): SideTotals {
  const ms = samples.map((s) => s[side]).filter((m): m is SampleMetrics => m !== null);
  const latencies = Float64Array.from(ms, (m) => m.latencyMs);
  let promptTokens = 0;
  let completionTokens = 0;
  let cost: number | null = 0;
  for (const m of ms) {
    promptTokens += m.promptTokens;
    completionTokens += m.completionTokens;
    // One unknown price makes the total unknown: a partial sum would understate the cost.
    cost = cost === null || m.costUsd === null ? null : cost + m.costUsd;
  }
  return {
    latencyMsP50: percentile(latencies, 50),
    latencyMsP95: percentile(latencies, 95),
    promptTokens,
    completionTokens,
    costUsd: cost,
    errors: samples.length - ms.length,
  };
}

function pointwiseMeans(samples: SummarySample[]): EvalSummary["pointwise"] {
  const scores = { baseline: [] as number[], candidate: [] as number[] };
  for (const s of samples) {
    if (s.judgePointwise?.baseline) scores.baseline.push(s.judgePointwise.baseline.score);
    if (s.judgePointwise?.candidate) scores.candidate.push(s.judgePointwise.candidate.score);
  }
  if (scores.baseline.length === 0 && scores.candidate.length === 0) return null;
  return {
    baseline: scores.baseline.length ? mean(scores.baseline) : null,
    candidate: scores.candidate.length ? mean(scores.candidate) : null,
  };
}

function agreement(samples: SummarySample[]): EvalSummary["agreement"] {
  let n = 0;
  let agree = 0;
  for (const s of samples) {
    if (s.verdict === null || s.humanVerdict === null) continue;
    n++;
    if (s.verdict === s.humanVerdict) agree++;
  }
  return n === 0 ? null : { n, agree };
}

/** The run's EvalSummary from its samples (deterministic for a seed). */
export function summarize(samples: SummarySample[], opts: SummaryOptions = {}): EvalSummary {
  const counts = verdictCounts(samples);
  return {
    n: samples.length,
    scored: samples.filter((s) => s.baselineMetrics && s.candidateMetrics).length,
    verdicts: counts.judged === 0 ? null : counts,
    winRate: winRate(counts),
    agreement: agreement(samples),
    metrics: metricSummaries(samples, opts),
    pointwise: pointwiseMeans(samples),
    tags: tagBreakdowns(samples, opts),
    baseline: sideTotals(samples, "baselineMetrics"),
    candidate: sideTotals(samples, "candidateMetrics"),
  };
}

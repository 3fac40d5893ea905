import type { EvalRunView, Interval, MetricSummary, QualityMetric, SideTotals, TagBreakdown } from "../../../lib/eval/types";
import { QUALITY_METRICS } from "../../../lib/eval/types";

// Output of `tuneforge eval …`: the compact JSON result scripts read (--json), and the human tables.

export type EvalResultJson = {
  id: string;
  name: string;
  status: EvalRunView["status"];
  n: number;
  winRate: { candidate: number; ci: Interval } | null;
  verdicts: NonNullable<EvalRunView["summary"]>["verdicts"];
  metrics: Partial<Record<QualityMetric, MetricSummary>>;
  regressions: string[];
  improvements: string[];
  progress: EvalRunView["progress"];
  candidate: string;
  baseline: string;
  judge: string | null;
  errorMessage: string | null;
  warnings: string[];
  url: string;
};

/** The `--json` object of `eval create` and `eval show`: the issue's fields first, then a few more. */
export function evalResultJson(run: EvalRunView, url: string, warnings: string[] = run.warnings): EvalResultJson {
  const s = run.summary;
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    n: s?.n ?? run.progress.total,
    winRate: s?.winRate ?? null,
    verdicts: s?.verdicts ?? null,
    metrics: s?.metrics ?? {},
    regressions: (s?.tags ?? []).filter((t) => t.regression).map((t) => t.tag),
    improvements: (s?.tags ?? []).filter((t) => t.improvement).map((t) => t.tag),
    progress: run.progress,
    candidate: run.candidateSpec,
    baseline: run.baselineSpec,
    judge: run.judgeSpec,
    errorMessage: run.errorMessage,
    warnings,
    url,
  };
}

const int = (n: number) => n.toLocaleString("en-US");
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}`;
const ci = ([lo, hi]: Interval, f: (x: number) => string) => `[${f(lo)}, ${f(hi)}]`;
const usd = (n: number | null) => (n === null ? "unknown" : `$${n.toFixed(n < 0.01 ? 5 : 2)}`);
const ms = (n: number | null) => (n === null ? "—" : `${Math.round(n)} ms`);

/** One line of progress for --wait. */
export function evalProgressLine(run: EvalRunView): string {
  const p = run.progress;
  const parts = [run.status, `baseline ${int(p.baseline)}/${int(p.total)}`, `candidate ${int(p.candidate)}/${int(p.total)}`];
  if (run.judgeSpec) parts.push(`judged ${int(p.judged)}/${int(p.total)}`);
  if (p.errors) parts.push(`${int(p.errors)} with errors`);
  return parts.join(", ");
}

function table(head: string[], rows: string[][], alignRight: boolean[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (alignRight[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)];
}

function metricRows(metrics: Partial<Record<QualityMetric, MetricSummary>>): string[][] {
  return QUALITY_METRICS.flatMap((m) => {
    const s = metrics[m];
    return s ? [[m, pct(s.baseline), pct(s.candidate), signed(s.delta), ci(s.ci, signed), int(s.n)]] : [];
  });
}

function tagLine(t: TagBreakdown): string {
  const parts: string[] = [];
  if (t.winRate) parts.push(`win rate ${pct(t.winRate.candidate)} ${ci(t.winRate.ci, pct)}`);
  for (const m of QUALITY_METRICS) {
    const s = t.metrics[m];
    if (s && (t.regression ? s.ci[1] < 0 : s.ci[0] > 0)) parts.push(`${m} ${signed(s.delta)} ${ci(s.ci, signed)}`);
  }
  return `    ${t.tag} (${int(t.n)}): ${parts.join("; ")}`;
}

function sideLine(label: string, s: SideTotals): string {
  return `  ${label.padEnd(9)} latency p50 ${ms(s.latencyMsP50)}, p95 ${ms(s.latencyMsP95)} · ${int(s.promptTokens)} prompt + ${int(s.completionTokens)} completion tokens · cost ${usd(s.costUsd)}${s.errors ? ` · ${int(s.errors)} errors` : ""}`;
}

export function formatEvalRun(run: EvalRunView, url: string): string {
  const lines = [
    `eval ${run.id}  ${run.status}${run.name ? `  "${run.name}"` : ""}`,
    `  data       "${run.datasetName}" v${run.versionNumber} (${run.split} split), ${int(run.progress.total)} samples`,
    `  candidate  ${run.candidateSpec}${run.checkpointStep !== null ? ` (checkpoint step ${run.checkpointStep})` : ""}`,
    `  baseline   ${run.baselineSpec}`,
    `  judge      ${run.judgeSpec ?? "none (metrics only)"}`,
    `  progress   ${evalProgressLine(run)}`,
  ];
  if (run.errorMessage) lines.push(`  error      ${run.errorMessage}`);
  for (const w of run.warnings) lines.push(`  warning    ${w}`);
  const s = run.summary;
  if (s) {
    lines.push("");
    if (s.winRate && s.verdicts) {
      const v = s.verdicts;
      lines.push(`Win rate (candidate)  ${pct(s.winRate.candidate)}  95% CI ${ci(s.winRate.ci, pct)}  — ${int(v.candidate)} wins, ${int(v.baseline)} losses, ${int(v.tie)} ties, ${int(v.inconsistent)} inconsistent of ${int(v.judged)} judged`);
    }
    if (s.agreement) lines.push(`Judge–human agreement ${int(s.agreement.agree)}/${int(s.agreement.n)}`);
    if (s.pointwise) lines.push(`Pointwise score (1–10)  baseline ${s.pointwise.baseline?.toFixed(2) ?? "—"}, candidate ${s.pointwise.candidate?.toFixed(2) ?? "—"}`);
    const rows = metricRows(s.metrics);
    if (rows.length) {
      lines.push("", ...table(["METRIC", "BASELINE", "CANDIDATE", "DELTA", "95% CI", "N"], rows, [false, true, true, true, false, true]).map((l) => `  ${l}`));
      lines.push("  (delta in percentage points, candidate − baseline)");
    }
    const regressions = s.tags.filter((t) => t.regression);
    const improvements = s.tags.filter((t) => t.improvement);
    if (regressions.length) lines.push("", "  Regressions by tag (candidate worse):", ...regressions.map(tagLine));
    if (improvements.length) lines.push("", "  Improvements by tag (candidate better):", ...improvements.map(tagLine));
    if (s.tags.length && !regressions.length && !improvements.length) lines.push("", `  No tag shows a clear regression or improvement (${s.tags.length} tags).`);
    lines.push("", sideLine("baseline", s.baseline), sideLine("candidate", s.candidate));
  }
  lines.push(`  ${url}`);
  return lines.join("\n") + "\n";
}

export function formatEvalList(runs: EvalRunView[]): string {
  if (runs.length === 0) return "No evaluations.\n";
  const rows = runs.map((r) => [
    r.id,
    r.status,
    r.candidateSpec,
    r.baselineSpec,
    `${int(r.progress.total)}`,
    r.summary?.winRate ? `${pct(r.summary.winRate.candidate)} ${ci(r.summary.winRate.ci, pct)}` : "—",
    r.createdAt.slice(0, 16).replace("T", " "),
  ]);
  return table(["ID", "STATUS", "CANDIDATE", "BASELINE", "N", "WIN RATE", "CREATED"], rows, [false, false, false, false, true, false, false]).join("\n") + "\n";
}

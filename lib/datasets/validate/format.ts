import type { Issue } from "./types";
import type { DatasetReport } from "./dataset";

// The human report of `tuneforge validate`, in the seed's terms: counts, tokens, cost, then the findings
// grouped by code with counts and their line numbers.

export type CostLine = { model: string; epochs: number; billedTokens: number; usd: number | null };

const MAX_LISTED_PER_CODE = 10;

function group(issues: Issue[]): Map<string, Issue[]> {
  const groups = new Map<string, Issue[]>();
  for (const i of issues) groups.set(i.code, [...(groups.get(i.code) ?? []), i]);
  return groups;
}

function section(title: string, issues: Issue[]): string[] {
  if (issues.length === 0) return [`${title}: none`];
  const out = [`${title}: ${issues.length}`];
  for (const [code, list] of group(issues)) {
    out.push(`  ${code} (${list.length})`);
    for (const i of list.slice(0, MAX_LISTED_PER_CODE)) out.push(`    ${i.split === "validation" ? "[validation] " : ""}${i.message}`);
    if (list.length > MAX_LISTED_PER_CODE) out.push(`    … and ${list.length - MAX_LISTED_PER_CODE} more (--json lists all)`);
  }
  return out;
}

const int = new Intl.NumberFormat("en-US");

export function formatReport(file: string, report: DatasetReport, cost: CostLine): string {
  const s = report.stats;
  const usd = cost.usd === null ? "unknown (no price for this model)" : `$${cost.usd.toFixed(2)}`;
  const lines = [
    `${file}`,
    `  examples:        ${int.format(s.trainExamples)}${s.validationExamples ? ` (+ ${int.format(s.validationExamples)} validation)` : ""}${s.preferenceExamples ? `, ${int.format(s.preferenceExamples)} of them preference (DPO) pairs` : ""}`,
    `  total tokens:    ~${int.format(s.totalTokens)}${s.tokensPerExample ? ` (per example min ${s.tokensPerExample.min}, median ${Math.round(s.tokensPerExample.median)}, max ${s.tokensPerExample.max})` : ""}`,
    `  estimated cost:  ${usd} for ~${int.format(cost.billedTokens)} billed tokens (${cost.model}, ${cost.epochs} epoch${cost.epochs === 1 ? "" : "s"})`,
    ...(s.overTokenLimit ? [`  over the ${int.format(s.tokenLimit ?? 0)}-token limit: ${s.overTokenLimit} (truncated in training)`] : []),
    "",
    ...section("Errors", report.errors),
    ...section("Warnings", report.warnings),
    "",
    report.errors.length === 0 ? "Ready to upload: no errors." : `Fix the ${report.errors.length} error${report.errors.length === 1 ? "" : "s"} before uploading: a single malformed line fails the whole job.`,
    "",
  ];
  return lines.join("\n");
}

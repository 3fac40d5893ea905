import { Card } from "@/components/ui/Card";
import { formatInt } from "@/components/ui/format";
import type { EvalSummary } from "@/lib/eval/types";
import styles from "../eval.module.css";
import { percent, winRateText, winRateVerdict } from "./words";

// The judge's head-to-head result. A win counts only when both orders agree (position bias cancels out); the
// inconsistent ones are shown apart so a reader sees how much of the "tie" mass is the judge contradicting itself.

export const VERDICT_COLORS = { candidate: "var(--ok)", tie: "var(--border-strong)", inconsistent: "var(--warn)", baseline: "var(--danger)" } as const;

export function WinRateCard({ summary, judged }: { summary: EvalSummary; judged: boolean }) {
  const v = summary.verdicts;
  const w = summary.winRate;
  if (!judged || !v || !w) {
    return (
      <Card title="Win rate" level={3}>
        <p className="muted">
          {judged
            ? "No judged rows yet: the judge compares both outputs once both models have answered."
            : "No judge on this run: compare the metrics instead. Add a judge spec to get a head-to-head verdict per row."}
        </p>
      </Card>
    );
  }
  const parts = [
    ["candidate", "candidate wins", v.candidate],
    ["tie", "ties", v.tie],
    ["inconsistent", "inconsistent (orders disagree)", v.inconsistent],
    ["baseline", "baseline wins", v.baseline],
  ] as const;
  const total = Math.max(1, v.judged);
  return (
    <Card title="Win rate" level={3} description="Candidate wins + half the ties, over judged rows; 95 % Wilson interval.">
      <div data-testid="win-rate">
        <span className={styles.bigFigure}>{percent(w.candidate)}</span>
        <span className={styles.ci}>95 % CI {percent(w.ci[0])} – {percent(w.ci[1])}</span>
      </div>
      <p className={styles.lead} aria-label={`Win rate ${winRateText(w)}`}>{winRateVerdict(w)}</p>
      <div className={styles.verdictBar} aria-hidden="true">
        {parts.map(([key, , n]) => (n ? <span key={key} style={{ width: `${(n / total) * 100}%`, background: VERDICT_COLORS[key] }} /> : null))}
      </div>
      <dl className={styles.verdictCounts} data-testid="verdict-counts">
        {parts.map(([key, label, n]) => (
          <div className="stat" key={key}>
            <dt>
              <span aria-hidden="true" style={{ color: VERDICT_COLORS[key] }}>■ </span>
              {label}
            </dt>
            <dd data-testid={`count-${key}`}>{formatInt(n)}</dd>
          </div>
        ))}
      </dl>
      <Agreement summary={summary} />
    </Card>
  );
}

function Agreement({ summary }: { summary: EvalSummary }) {
  const a = summary.agreement;
  const p = summary.pointwise;
  return (
    <div className={styles.legend}>
      <p data-testid="agreement">
        {a && a.n > 0
          ? `Judge–human agreement: ${formatInt(a.agree)} of ${formatInt(a.n)} rows a person reviewed (${percent(a.agree / a.n, 0)}).`
          : "Judge–human agreement: no rows reviewed yet. Set verdicts in the side-by-side view below."}
      </p>
      {p && (p.baseline !== null || p.candidate !== null) ? (
        <p>
          Pointwise score against the expected answer (1–10): baseline {p.baseline?.toFixed(2) ?? "—"}, candidate {p.candidate?.toFixed(2) ?? "—"}.
        </p>
      ) : null}
    </div>
  );
}

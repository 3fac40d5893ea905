"use client";

import { memo, useState } from "react";
import { Badge, type Tone } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { answerOf, splitReasoning, thinkingSummary, type ReasoningSplit } from "@/lib/reasoning";
import type { EvalSampleView, JudgeCall, SampleMetrics, Verdict } from "@/lib/eval/types";
import styles from "../eval.module.css";
import { messageText } from "@/lib/eval/judge/render";
import { DiffText } from "./DiffText";
import { lastUserMessage } from "./filters";

// One row of the side-by-side view: the prompt (its last user message; the whole conversation on demand), the
// expected answer, both outputs with their differences highlighted, each side's metrics, the judge's verdict
// with its rationale in both orders, and the buttons a person uses to overrule the judge.

export type DiffMode = "expected" | "each-other";
export type HumanChoice = Exclude<Verdict, "inconsistent"> | null;

export const VERDICT_LABEL: Record<Verdict, string> = { candidate: "candidate wins", baseline: "baseline wins", tie: "tie", inconsistent: "inconsistent" };
const VERDICT_TONE: Record<Verdict, Tone> = { candidate: "ok", baseline: "danger", tie: "neutral", inconsistent: "warn" };

export const OVERRIDES: { key: string; verdict: HumanChoice; label: string }[] = [
  { key: "1", verdict: "candidate", label: "Candidate" },
  { key: "2", verdict: "tie", label: "Tie" },
  { key: "3", verdict: "baseline", label: "Baseline" },
  { key: "0", verdict: null, label: "Clear" },
];

const fig = (v: number | undefined) => (v === undefined ? "—" : Number.isInteger(v) ? String(v) : v.toFixed(2));

function metricsLine(m: SampleMetrics): string {
  const parts = [`EM ${fig(m.exactMatch)}`, `JSON ${m.jsonValid ? "✓" : "✗"}`];
  if (m.schemaValid !== undefined) parts.push(`schema ${m.schemaValid ? "✓" : "✗"}`);
  if (m.toolCallMatch !== undefined) parts.push(`calls ${m.toolCallMatch ? "✓" : m.toolNameMatch ? "✗ arguments" : "✗"}`);
  parts.push(`ROUGE-L ${fig(m.rougeL)}`, `F1 ${fig(m.tokenF1)}`, `${Math.round(m.latencyMs)} ms`, `${m.completionTokens} tok`);
  return parts.join(" · ");
}

/** A judge call says A or B; which model that was depends on the order it was shown in. */
function judgeWinner(call: JudgeCall, candidateIs: "A" | "B"): string {
  if (call.winner === "tie") return "tie";
  return call.winner === candidateIs ? "candidate better" : "baseline better";
}

/** A reasoning model's thinking, folded away above its answer (an empty think block shows nothing). */
function Reasoning({ side, split }: { side: string; split: ReasoningSplit }) {
  const summary = thinkingSummary(split);
  if (summary === null) return null;
  return (
    <details className={styles.reasoning} data-testid={`${side}-reasoning`} onClick={(e) => e.stopPropagation()}>
      <summary>{summary}</summary>
      <pre className={`${styles.text} ${styles.textExpanded}`}>{split.reasoning}</pre>
    </details>
  );
}

function Output({ side, sample, reference, expanded }: { side: "baseline" | "candidate"; sample: EvalSampleView; reference: string | null; expanded: boolean }) {
  const text = side === "baseline" ? sample.baselineOutput : sample.candidateOutput;
  const error = side === "baseline" ? sample.baselineError : sample.candidateError;
  const metrics = side === "baseline" ? sample.baselineMetrics : sample.candidateMetrics;
  // The metrics and the judge read the answer; the differences are the answers' too.
  const split = text === null ? null : splitReasoning(text);
  return (
    <div className={styles.cell} data-testid={`${side}-output`}>
      {split !== null ? <Reasoning side={side} split={split} /> : null}
      {split !== null ? <DiffText text={split.answer} reference={reference === null ? null : answerOf(reference)} expanded={expanded} label={`${side} output`} /> : null}
      {error ? <div className={styles.error}>Failed: {error}</div> : text === null ? <span className="muted">Not generated yet</span> : null}
      {metrics ? <div className={styles.cellMetrics}>{metricsLine(metrics)}</div> : null}
    </div>
  );
}

type Props = {
  sample: EvalSampleView;
  diffMode: DiffMode;
  judged: boolean;
  onSelect: (index: number) => void;
  onOverride: (sample: EvalSampleView, verdict: HumanChoice) => void;
};

export const SampleRow = memo(function SampleRow({ sample: s, diffMode, judged, onSelect, onOverride }: Props) {
  const [expanded, setExpanded] = useState(false);
  const byExpected = diffMode === "expected" && s.expected !== null;
  const baselineRef = byExpected ? s.expected : s.candidateOutput;
  const candidateRef = byExpected ? s.expected : s.baselineOutput;
  return (
    <div onClick={() => onSelect(s.index)}>
      <div className={styles.rowHead}>
        <span className={styles.rowIndex}>#{s.index}</span>
        {s.tags.map((t) => (
          <span key={t} className={styles.tag}>
            {t}
          </span>
        ))}
        {s.verdict ? (
          <Badge tone={VERDICT_TONE[s.verdict]} title="The judge's verdict (both orders combined)">
            judge: {VERDICT_LABEL[s.verdict]}
          </Badge>
        ) : judged ? (
          <span className="muted">{s.judgeError ? `judge failed: ${s.judgeError}` : "not judged yet"}</span>
        ) : null}
        {s.humanVerdict ? (
          <Badge tone="info" title="A person's verdict; the summary counts it in place of the judge's">
            you: {VERDICT_LABEL[s.humanVerdict]}
          </Badge>
        ) : null}
        <div className={styles.overrides} role="group" aria-label={`Your verdict on row ${s.index}`}>
          {OVERRIDES.map((o) =>
            o.verdict === null && !s.humanVerdict ? null : (
              <Button
                key={o.key}
                size="sm"
                variant={o.verdict === null ? "ghost" : "secondary"}
                aria-pressed={o.verdict === null ? undefined : s.humanVerdict === o.verdict}
                title={`${o.verdict === null ? "Clear your verdict" : `${o.label} is better`} (key ${o.key})`}
                onClick={(e) => {
                  e.stopPropagation();
                  onSelect(s.index);
                  onOverride(s, o.verdict);
                }}
              >
                {o.label}
              </Button>
            ),
          )}
        </div>
      </div>
      <div className={styles.rowBody}>
        <div className={styles.cell}>
          {expanded ? (
            <ol className={styles.conversation}>
              {s.prompt.map((m, i) => (
                <li key={i}>
                  <div className={styles.role}>{m.role}</div>
                  <pre className={`${styles.text} ${styles.textExpanded}`}>{messageText(m)}</pre>
                </li>
              ))}
            </ol>
          ) : (
            <pre className={styles.text}>{lastUserMessage(s)}</pre>
          )}
          <button type="button" className={styles.linkButton} aria-expanded={expanded} onClick={(e) => { e.stopPropagation(); setExpanded((x) => !x); }}>
            {expanded ? "Show less" : s.prompt.length > 1 ? `Full conversation (${s.prompt.length} messages) and full outputs` : "Full outputs"}
          </button>
        </div>
        <div className={styles.cell} data-testid="expected">
          {s.expected === null ? <span className="muted">No expected answer</span> : <pre className={`${styles.text} ${expanded ? styles.textExpanded : ""}`}>{s.expected}</pre>}
        </div>
        <Output side="baseline" sample={s} reference={baselineRef} expanded={expanded} />
        <Output side="candidate" sample={s} reference={candidateRef} expanded={expanded} />
      </div>
      {s.judgeForward || s.judgeSwapped ? (
        <div className={styles.rationale}>
          {([["Candidate shown first", s.judgeForward, "A"], ["Candidate shown second", s.judgeSwapped, "B"]] as const).map(([label, call, candidateIs]) => (
            <div key={label}>
              <strong>{label}: {call ? judgeWinner(call, candidateIs) : "—"}</strong>
              {call?.rationale ? <p>{call.rationale}</p> : null}
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
});

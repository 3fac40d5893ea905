"use client";

import { BreakableId } from "@/components/ui/BreakableId";
import { ButtonLink } from "@/components/ui/Button";
import { DateTime } from "@/components/ui/DateTime";
import { Notice } from "@/components/ui/Notice";
import { PageHeader } from "@/components/ui/PageHeader";
import { StatusBadge } from "@/components/ui/StatusBadge";
import type { EvalRunView } from "@/lib/eval/types";
import { isLive, useEvalRun } from "../api";
import styles from "../eval.module.css";
import { SideBySide } from "../sbs/SideBySide";
import { CancelEvalButton } from "./CancelEvalButton";
import { CostCard } from "./CostCard";
import { MetricsCard } from "./MetricsCard";
import { ProgressCard } from "./ProgressCard";
import { SweepCard } from "./SweepCard";
import { TagsCard } from "./TagsCard";
import { WinRateCard } from "./WinRateCard";
import { generationLine } from "./words";

// /evaluations/[id]: the run rendered by the server once, then kept current by its progress stream while it runs. The summary
// comes from the server (recomputed there after each human verdict), never recomputed in the browser.

export function runTitle(run: Pick<EvalRunView, "name" | "candidateSpec" | "baselineSpec">): string {
  return run.name || `${run.candidateSpec} vs ${run.baselineSpec}`;
}

export function EvalRunPage({ initial }: { initial: EvalRunView }) {
  const { data, streaming } = useEvalRun(initial);
  const run = data ?? initial;
  const live = isLive(run.status);
  return (
    <div className="stack">
      <PageHeader
        back={{ href: "/evaluations", label: "Evaluations" }}
        title={runTitle(run)}
        description={
          <>
            <StatusBadge status={run.status} /> <BreakableId id={run.candidateSpec} className="mono" /> (candidate) vs <BreakableId id={run.baselineSpec} className="mono" /> (baseline) ·{" "}
            {run.datasetName} v{run.versionNumber}, {run.split} split · {run.judgeSpec ? <>judge <BreakableId id={run.judgeSpec} className="mono" /></> : "no judge"}
            {run.checkpointStep !== null ? ` · checkpoint step ${run.checkpointStep}` : ""} · created <DateTime iso={run.createdAt} />
            <br />
            <span className="muted" data-testid="eval-generation">
              Answers: {generationLine(run.generation)}
            </span>
          </>
        }
        actions={
          <>
            {live ? (
              <span className="muted" data-testid="eval-stream" data-state={streaming ? "open" : "connecting"}>
                {streaming ? "Live" : "Connecting…"}
              </span>
            ) : null}
            {run.jobId ? <ButtonLink href={`/jobs/${encodeURIComponent(run.jobId)}`}>Open job</ButtonLink> : null}
            {live ? <CancelEvalButton id={run.id} /> : null}
          </>
        }
      />
      {run.warnings.map((w) => (
        <Notice key={w} tone="warn" live={false}>
          {w}
        </Notice>
      ))}
      {run.status === "failed" ? <Notice tone="danger" title="The evaluation failed">{run.errorMessage ?? "No reason was recorded."}</Notice> : null}
      {run.status === "cancelled" ? <Notice tone="info">Cancelled: the summary covers the rows finished before it stopped.</Notice> : null}
      {live ? <ProgressCard run={run} /> : null}
      {run.summary ? (
        <div className={styles.summaryGrid} data-testid="eval-summary">
          <WinRateCard summary={run.summary} judged={!!run.judgeSpec} />
          <CostCard summary={run.summary} />
          <div className={styles.wide}>
            <MetricsCard summary={run.summary} />
          </div>
          <div className={styles.wide}>
            <TagsCard summary={run.summary} />
          </div>
          {run.sweepId ? <SweepCard run={run} /> : null}
        </div>
      ) : !live ? (
        <Notice tone="info">No summary: no row was finished.</Notice>
      ) : null}
      <SideBySide run={run} />
    </div>
  );
}

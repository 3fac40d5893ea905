"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { apiFetch } from "@/components/api-client";
import { ButtonLink } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { DateTime } from "@/components/ui/DateTime";
import { PageHeader } from "@/components/ui/PageHeader";
import { StatusBadge } from "@/components/ui/StatusBadge";
import { epochBoundaries, resolvedEpochs } from "@/lib/jobs/monitor/epochs";
import { hasAccuracy } from "@/lib/jobs/monitor/dynamics";
import { detectOverfitting } from "@/lib/jobs/monitor/overfitting";
import { unpackPoints, type PackedPoints } from "@/lib/jobs/monitor/pack";
import { isTerminalJobStatus, jobDisplayName, shownJobStatus, type JobView } from "@/lib/jobs/types";
import { ArtifactsPanel } from "../artifacts/ArtifactsPanel";
import { DeleteJobsButton } from "../DeleteJobsButton";
import { CancelJobButton } from "./CancelJobButton";
import { JobNote } from "./JobNote";
import { ChartControls, type ChartSettings } from "./ChartControls";
import { CheckpointsTable } from "./CheckpointsTable";
import { CostPanel } from "./CostPanel";
import { DetailsPanel } from "./DetailsPanel";
import { DynamicsCharts } from "./DynamicsCharts";
import { EventLog } from "./EventLog";
import { MetricChart } from "./MetricChart";
import { OverfittingNotice } from "./OverfittingNotice";
import { ProblemNotices } from "./ProblemNotices";
import { ProgressPanel } from "./ProgressPanel";
import styles from "./monitor.module.css";
import { jobQueryKey, useJobStream, type StreamState } from "./useJobStream";

// The job page's client side: the server rendered the job once (loadJobView); from here on the
// react-query cache holds it and the SSE stream merges every update into it.

const STREAM_LABEL: Record<StreamState, string> = { open: "Live", connecting: "Connecting…", closed: "Not live" };

export function JobMonitor({ initial: summary, packedMetrics }: { initial: JobView; packedMetrics: PackedPoints }) {
  const [initial] = useState<JobView>(() => ({ ...summary, metrics: unpackPoints(packedMetrics) }));
  const { data } = useQuery({
    queryKey: jobQueryKey(initial.id),
    queryFn: () => apiFetch<JobView>(`/api/jobs/${encodeURIComponent(initial.id)}`),
    initialData: initial,
    // The stream keeps the cache current; refetching 10,000 points on focus would only repeat it.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const job = data ?? initial;
  const terminal = isTerminalJobStatus(job.status);
  const stream = useJobStream(job.id, !isTerminalJobStatus(initial.status));
  const [chart, setChart] = useState<ChartSettings>({ smoothing: 0.6, logScale: false });

  const epochs = useMemo(() => epochBoundaries(job.metrics, resolvedEpochs(job.hyperparameters)), [job.metrics, job.hyperparameters]);
  const overfitting = useMemo(() => detectOverfitting(job.metrics), [job.metrics]);
  // A local job that kept its best step: the loss chart marks where the adapter's weights come from.
  const keptStep = job.adapterStep !== null && job.progress && job.adapterStep !== job.progress.step ? job.adapterStep : null;
  const showAccuracy = useMemo(() => hasAccuracy(job.metrics), [job.metrics]);
  // A local DPO job's loss is the DPO loss, and its accuracy columns hold the reward accuracy (lib/jobs/local/run/sink.ts).
  const localDpo = job.provider === "local" && job.method === "dpo";
  const lossTitle = localDpo ? "DPO loss" : "Loss";
  const accuracyTitle = localDpo ? "Reward accuracy" : "Token accuracy";
  const title = jobDisplayName(job);

  return (
    <div className="stack">
      <PageHeader
        title={<span className="mono">{title}</span>}
        back={{ href: "/jobs", label: "Jobs" }}
        description={
          <>
            <StatusBadge status={shownJobStatus(job)} /> {job.provider === "openai" ? "OpenAI" : "Local"} · {job.baseModel}
            {job.dataset ? ` · ${job.dataset.datasetName} v${job.dataset.versionNumber}` : ""} · created <DateTime iso={job.createdAt} />
          </>
        }
        actions={
          <>
            <span className="muted" data-testid="stream-state" data-state={stream}>
              <span className={styles.liveDot} data-state={stream} aria-hidden="true" />
              {terminal ? "Finished" : STREAM_LABEL[stream]}
            </span>
            {/* The launch form filled in with this job's settings: change one thing and try again. */}
            <ButtonLink href={`/jobs/new?from=${encodeURIComponent(job.id)}`} title="Open the launch form with this job's settings filled in">
              Launch again
            </ButtonLink>
            {/* OpenAI takes no new fine-tuning jobs after 2027-01-06: the same data and settings on the local trainer. */}
            {job.provider === "openai" ? (
              <ButtonLink href={`/jobs/new?from=${encodeURIComponent(job.id)}&provider=local`} title="Open the launch form for a local job with this job's data and settings">
                Train locally
              </ButtonLink>
            ) : null}
            {job.status === "succeeded" ? (
              <ButtonLink href={`/evaluations/new?job=${encodeURIComponent(job.id)}`} variant="primary">
                Evaluate this job
              </ButtonLink>
            ) : null}
            {!terminal ? <CancelJobButton jobId={job.id} disabled={job.status === "cancelling"} local={job.provider === "local"} /> : null}
            {terminal ? <DeleteJobsButton jobs={[{ id: job.id, name: title, fineTunedModel: job.fineTunedModel }]} after="list" /> : null}
          </>
        }
      />
      <JobNote jobId={job.id} note={job.note} />
      <ProblemNotices job={job} />
      {overfitting ? <OverfittingNotice alert={overfitting} checkpoints={job.checkpoints} /> : null}
      <div className={styles.grid}>
        <div className={styles.column}>
          <Card title={lossTitle} actions={<ChartControls value={chart} onChange={setChart} />}>
            <MetricChart metric="loss" title={lossTitle} points={job.metrics} smoothing={chart.smoothing} logScale={chart.logScale} epochSteps={epochs} adapterStep={keptStep} />
          </Card>
          {/* OpenAI reports token accuracy; the native trainer reports its step dynamics instead, and under DPO the
              share of pairs whose preferred answer wins. */}
          {job.provider === "openai" || showAccuracy || localDpo ? (
            <Card title={accuracyTitle} description={localDpo ? "Share of preference pairs whose preferred answer earns the higher reward (0 at the first step, where the model is still the reference)." : undefined}>
              <MetricChart metric="accuracy" title={accuracyTitle} points={job.metrics} smoothing={chart.smoothing} logScale={false} epochSteps={epochs} height="small" />
            </Card>
          ) : null}
          {localDpo ? (
            <Card title="Reward margin" description="Mean of (preferred − non-preferred) reward over the pairs: how far the adapter has moved the preferred answers ahead of the reference, in units of beta × log-probability.">
              <MetricChart metric="margin" title="Reward margin" points={job.metrics} smoothing={chart.smoothing} logScale={false} epochSteps={epochs} height="small" />
            </Card>
          ) : null}
          {job.provider === "local" ? (
            <Card title="Training dynamics">
              {job.metrics.length ? <DynamicsCharts points={job.metrics} /> : <p className="muted">Learning rate, gradient norm, tokens/s and memory appear here from the first step.</p>}
            </Card>
          ) : null}
          <ArtifactsPanel jobId={job.id} status={job.status} provider={job.provider} />
          <Card title="Checkpoints">
            <CheckpointsTable checkpoints={job.checkpoints} provider={job.provider} checkpointEvery={Number(job.hyperparameters.checkpointEvery) || 0} />
          </Card>
          <Card title="Events">
            <EventLog events={job.events} />
          </Card>
        </div>
        <div className={styles.column}>
          <Card title="Progress">
            <ProgressPanel job={job} />
          </Card>
          <Card title="Cost">
            <CostPanel job={job} />
          </Card>
          <Card title="Model and settings">
            <DetailsPanel job={job} />
          </Card>
        </div>
      </div>
    </div>
  );
}

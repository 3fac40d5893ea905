import Link from "next/link";
import { formatInt, formatUsd } from "@/components/ui/format";
import { isTerminalJobStatus, type JobSummary } from "@/lib/jobs/types";

// Estimated (shown before launch: tokens per epoch × epochs × price) against actual (trained tokens × the
// same price, once the provider reports them).

export function CostPanel({ job }: { job: JobSummary }) {
  if (job.provider === "local") return <LocalCost job={job} />;
  const estTokens = job.estimatedTokensPerEpoch !== null && job.estimatedEpochs !== null ? job.estimatedTokensPerEpoch * job.estimatedEpochs : null;
  return (
    <div className="stack">
      <dl className="kv">
        <dt>Estimated</dt>
        <dd data-testid="cost-estimated">
          {job.estimatedUsd !== null ? formatUsd(job.estimatedUsd) : "—"}
          {estTokens !== null ? (
            <span className="muted">
              {" "}
              ({formatInt(job.estimatedTokensPerEpoch!)} tokens × {job.estimatedEpochs} epochs)
            </span>
          ) : null}
        </dd>
        <dt>Actual</dt>
        <dd data-testid="cost-actual">
          {job.actualUsd !== null ? formatUsd(job.actualUsd) : <span className="muted">{isTerminalJobStatus(job.status) ? "not reported by the provider" : "when the job ends"}</span>}
          {job.trainedTokens !== null ? <span className="muted"> ({formatInt(job.trainedTokens)} trained tokens)</span> : null}
        </dd>
        <dt>Price</dt>
        <dd>{job.trainingPricePerMTok !== null ? `${formatUsd(job.trainingPricePerMTok)} / 1M training tokens` : "—"}</dd>
      </dl>
      <p>
        <Link href={`/costs?job=${encodeURIComponent(job.id)}`}>ROI for this job →</Link>
      </p>
    </div>
  );
}

/** A local run has no bill: what it cost is tokens and time on your own hardware. */
function LocalCost({ job }: { job: JobSummary }) {
  const estTokens = job.estimatedTokensPerEpoch !== null && job.estimatedEpochs !== null ? job.estimatedTokensPerEpoch * job.estimatedEpochs : null;
  return (
    <dl className="kv">
      <dt>Provider bill</dt>
      <dd data-testid="cost-actual">none: trained on your own hardware</dd>
      <dt>Planned tokens</dt>
      <dd data-testid="cost-estimated">
        {estTokens !== null ? `${formatInt(estTokens)} (${formatInt(job.estimatedTokensPerEpoch!)} × ${job.estimatedEpochs} epochs)` : "—"}
      </dd>
      <dt>Trained tokens</dt>
      <dd>{job.trainedTokens !== null ? formatInt(job.trainedTokens) : <span className="muted">{isTerminalJobStatus(job.status) ? "—" : "when the job ends"}</span>}</dd>
    </dl>
  );
}

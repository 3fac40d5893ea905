"use client";

import Link from "next/link";
import { Card } from "../../ui/Card";
import { Notice } from "../../ui/Notice";
import { formatInt, formatUsd } from "../../ui/format";
import type { LaunchEstimate, LaunchIssue } from "./api";
import styles from "./launch.module.css";

/** Where the user goes to fix an issue that is not a field of this form. */
function IssueFix({ issue, estimate }: { issue: LaunchIssue; estimate: LaunchEstimate | undefined }) {
  if (issue.field === "credentials") return <Link href="/settings">Open Settings</Link>;
  if (issue.field === "dataset" && estimate?.version) return <Link href={`/datasets/${estimate.version.datasetId}`}>Open the dataset</Link>;
  return null;
}

export function IssueList({ issues, estimate }: { issues: LaunchIssue[]; estimate: LaunchEstimate | undefined }) {
  if (issues.length === 0) return null;
  return (
    <Notice tone="danger" title={issues.length === 1 ? "1 issue blocks this launch" : `${issues.length} issues block this launch`}>
      <ul className={styles.issues} data-testid="launch-issues">
        {issues.map((i) => (
          <li key={`${i.field}-${i.code}-${i.message}`}>
            {i.message} <IssueFix issue={i} estimate={estimate} />
          </li>
        ))}
      </ul>
    </Notice>
  );
}

type Props = { estimate: LaunchEstimate | undefined; error: string | null; pending: boolean; stale: boolean };

/** tokens/epoch × epochs × $/1M = estimated USD, laid out as the sum it is. */
export function EstimatePanel({ estimate: e, error, pending, stale }: Props) {
  return (
    <Card title="Estimated cost" description="Training tokens of the version × epochs × the price table's training price. Validation is free." level={2}>
      <div aria-live="polite" aria-busy={pending || stale} className={stale ? styles.stale : undefined} data-testid="launch-estimate">
        {error ? <Notice tone="danger">{error}</Notice> : null}
        {!e && pending ? <p className="muted">Counting tokens…</p> : null}
        {e ? (
          <>
            <dl className={styles.sum}>
              <dt>Training examples</dt>
              <dd>{formatInt(e.examples)}</dd>
              <dt>Tokens per epoch</dt>
              <dd data-testid="estimate-tokens">{formatInt(e.tokensPerEpoch)}</dd>
              <dt>× Epochs {e.epochsAuto ? <span className={styles.tag}>auto</span> : null}</dt>
              <dd data-testid="estimate-epochs">{e.epochs}</dd>
              <dt>= Billed tokens</dt>
              <dd>{formatInt(e.billedTokens)}</dd>
              <dt>× Price per 1M tokens</dt>
              <dd>{e.usdPerMTok === null ? <span className="muted">unknown</span> : formatUsd(e.usdPerMTok)}</dd>
              <dt className={styles.total}>= Estimated cost</dt>
              <dd className={styles.total} data-testid="estimate-usd">
                {e.usd === null ? "unknown" : formatUsd(e.usd)}
              </dd>
            </dl>
            {e.priceModel && e.baseModel && e.priceModel !== e.baseModel ? (
              <p className={styles.small}>Priced as {e.priceModel} (same model family in the price table).</p>
            ) : null}
            {e.epochsNote ? <p className={styles.small}>{e.epochsNote}</p> : null}
            {e.validationExamples > 0 ? (
              <p className={styles.small}>
                {formatInt(e.validationExamples)} validation examples are uploaded as the validation file: OpenAI reports validation loss on them and
                does not bill them.
              </p>
            ) : null}
            {e.notes.map((n) => (
              <p key={n} className={styles.small}>
                {n}
              </p>
            ))}
          </>
        ) : null}
      </div>
    </Card>
  );
}

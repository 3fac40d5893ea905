import { CopyButton } from "@/components/settings/CopyButton";
import type { JobSummary } from "@/lib/jobs/types";
import styles from "./monitor.module.css";

// The fine-tuned model (with a copy button: it is what you paste into your code), hyperparameters as
// requested or resolved, and the provider's ids for support requests.

// Stored camelCase (nEpochs); shown in the API's own words (n_epochs), as on the launch form.
const apiName = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const show = (v: unknown) => (v === null || v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));

export function DetailsPanel({ job }: { job: JobSummary }) {
  const hp = Object.entries(job.hyperparameters);
  return (
    <div className="stack">
      <div>
        <strong>Fine-tuned model</strong>
        {job.fineTunedModel ? (
          <div className={styles.modelName}>
            <code id="fine-tuned-model" className="mono">
              {job.fineTunedModel}
            </code>
            <CopyButton text={job.fineTunedModel} targetId="fine-tuned-model" />
          </div>
        ) : (
          <p className="muted">Appears here when the job succeeds.</p>
        )}
      </div>
      <dl className="kv">
        <dt>Method</dt>
        <dd>{job.method === "dpo" ? "DPO (preferences)" : "Supervised"}</dd>
        {hp.length === 0 ? (
          <>
            <dt>Hyperparameters</dt>
            <dd>provider defaults</dd>
          </>
        ) : (
          hp.map(([k, v]) => (
            <FragmentRow key={k} label={apiName(k)} value={show(v)} keyMono />
          ))
        )}
        {job.suffix ? <FragmentRow label="Suffix" value={job.suffix} /> : null}
        {job.seed !== null ? <FragmentRow label="Seed" value={String(job.seed)} /> : null}
        <FragmentRow label="Remote job" value={job.remoteJobId ?? "—"} mono />
        <FragmentRow label="Training file" value={job.remoteTrainingFileId ?? "—"} mono />
        <FragmentRow label="Validation file" value={job.remoteValidationFileId ?? "—"} mono />
        {job.remoteStatus ? <FragmentRow label="Provider status" value={job.remoteStatus} mono /> : null}
        {job.attached ? <FragmentRow label="Attached" value="launched outside tuneforge" /> : null}
      </dl>
    </div>
  );
}

function FragmentRow({ label, value, mono, keyMono }: { label: string; value: string; mono?: boolean; keyMono?: boolean }) {
  return (
    <>
      <dt className={keyMono ? "mono" : undefined}>{label}</dt>
      <dd className={mono ? `mono ${styles.wrapCode}` : undefined}>{value}</dd>
    </>
  );
}

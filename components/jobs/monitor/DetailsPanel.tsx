import { BreakableId } from "@/components/ui/BreakableId";
import { BreakablePath } from "@/components/ui/BreakablePath";
import { CopyButton } from "@/components/settings/CopyButton";
import { ButtonLink } from "@/components/ui/Button";
import { targetPresetOf } from "@/lib/jobs/local/config";
import { missingModelText } from "@/lib/jobs/monitor/fine-tuned-model";
import type { JobSummary } from "@/lib/jobs/types";
import styles from "./monitor.module.css";

// The fine-tuned model (with a copy button: it is what you paste into your code), hyperparameters as
// requested or resolved, and the provider's ids for support requests. Local jobs show their adapter folder,
// the worker and backend that ran them, and the LoRA / quantization / training settings instead.

// Stored camelCase (nEpochs); shown in the API's own words (n_epochs), as on the launch form.
const apiName = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const show = (v: unknown) => (v === null || v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));

export function DetailsPanel({ job }: { job: JobSummary }) {
  if (job.provider === "local") return <LocalDetails job={job} />;
  const hp = Object.entries(job.hyperparameters);
  return (
    <div className="stack">
      <div>
        <strong>Fine-tuned model</strong>
        {job.fineTunedModel ? (
          <div className={styles.modelName}>
            <code id="fine-tuned-model" className="mono">
              <BreakableId id={job.fineTunedModel} />
            </code>
            <CopyButton text={job.fineTunedModel} targetId="fine-tuned-model" />
            {job.status === "succeeded" ? (
              <ButtonLink href={`/playground?job=${encodeURIComponent(job.id)}`} size="sm">
                Open in playground
              </ButtonLink>
            ) : null}
          </div>
        ) : (
          <p className="muted" data-testid="fine-tuned-model-missing">
            {missingModelText(job.status)}
          </p>
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

type StoredLora = { lora?: { rank?: number; alpha?: number; dropout?: number; rslora?: boolean; targets?: string[] }; quantization?: { quant?: string; doubleQuant?: boolean } };

function LocalDetails({ job }: { job: JobSummary }) {
  const { lora, quantization: q } = (job.loraConfig ?? {}) as StoredLora;
  const training = Object.entries(job.hyperparameters);
  const targets = lora?.targets ?? [];
  const adapterLabel = job.status === "cancelled" ? "Last checkpoint (kept)" : "Adapter";
  return (
    <div className="stack">
      <div>
        <strong>{adapterLabel}</strong>
        {job.adapterStep !== null && job.status === "succeeded" ? (
          <span className="muted" data-testid="adapter-step">
            {" "}
            · step {job.adapterStep}
            {job.progress && job.adapterStep !== job.progress.step ? " (lowest validation loss)" : ""}
          </span>
        ) : null}
        {job.adapterPath ? (
          <div className={styles.modelName}>
            <code id="adapter-path" className="mono" data-testid="adapter-path">
              <BreakablePath path={job.adapterPath} />
            </code>
            <CopyButton text={job.adapterPath} targetId="adapter-path" />
          </div>
        ) : (
          <p className="muted">A PEFT adapter folder (with a README card) appears here when the job succeeds.</p>
        )}
      </div>
      <dl className="kv">
        <FragmentRow label="Backend" value={job.backend ?? "— (not started)"} />
        <FragmentRow label="Worker" value={job.workerId ?? "—"} mono />
        <FragmentRow label="LoRA" value={lora ? `r ${lora.rank} · alpha ${lora.alpha} · dropout ${lora.dropout}${lora.rslora ? " · rsLoRA" : ""}` : "—"} />
        <FragmentRow label="Targets" value={targets.length ? `${targetPresetOf(targets)}: ${targets.join(", ")}` : "—"} />
        <FragmentRow label="Quantization" value={q ? (q.quant === "nf4" ? `NF4${q.doubleQuant ? " + double quant" : ""}` : "none (checkpoint dtype)") : "—"} />
        {training.map(([k, v]) => (
          <FragmentRow key={k} label={apiName(k)} value={show(v)} keyMono />
        ))}
        {job.suffix ? <FragmentRow label="Suffix" value={job.suffix} /> : null}
      </dl>
    </div>
  );
}

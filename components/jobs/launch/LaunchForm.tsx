"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState, type FormEvent, type ReactNode } from "react";
import type { LaunchOptions, LaunchVersionOption } from "@/lib/jobs/launch/options";
import { localDraftFromHosted } from "@/lib/jobs/launch/hosted-to-local";
import type { OpenAIRelaunchDraft, RelaunchDraft } from "@/lib/jobs/launch/relaunch";
import { messageOf } from "../../api-client";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Field } from "../../ui/Field";
import { Input } from "../../ui/Input";
import { Notice } from "../../ui/Notice";
import { formatInt, formatUsd } from "../../ui/format";
import { useLaunchEstimate, useLaunchJob, type LaunchIssue } from "./api";
import { EstimatePanel, IssueList } from "./EstimatePanel";
import { LocalLaunchForm } from "./LocalLaunchForm";
import { ProviderSwitch, type Provider } from "./ProviderSwitch";
import { VersionSelect } from "./VersionSelect";
import { formStateFromDraft, initialFormState, toLaunchRequest, type HyperparameterField, type LaunchFormState, type LaunchMethod } from "./form-state";
import styles from "./launch.module.css";

// The launch form: every field maps to one key of POST /api/jobs. The server decides what is valid (the
// estimate route answers with issues per field), so the browser never restates OpenAI's rules.

const HYPERPARAMETERS: { field: HyperparameterField; label: string; hint: string; dpoOnly?: boolean }[] = [
  { field: "nEpochs", label: "n_epochs", hint: "auto, or a whole number 1–50" },
  { field: "batchSize", label: "batch_size", hint: "auto, or a whole number 1–256" },
  { field: "learningRateMultiplier", label: "learning_rate_multiplier", hint: "auto, or a number above 0" },
  { field: "beta", label: "beta", hint: "auto, or above 0 and at most 2 (DPO only)", dpoOnly: true },
];

const methodFor = (v: LaunchVersionOption | undefined): LaunchMethod => (v?.hasPreference ? "dpo" : "supervised");

function ValidationHint({ version }: { version: LaunchVersionOption | undefined }) {
  if (!version) return null;
  if (version.validationCount === 0) return <>No validation split in this version: only training loss will be reported.</>;
  return <>The validation split ({formatInt(version.validationCount)} examples) is uploaded as the validation file; OpenAI reports validation loss on it.</>;
}

/**
 * OpenAI | Local: the same form, two providers. Local renders LocalLaunchForm with the version chosen so far. With a
 * `draft` ("Launch again" from a job) the form opens on that job's provider, filled in with its settings.
 */
export function LaunchForm({ options, initialVersionId, draft, provider: asked }: { options: LaunchOptions; initialVersionId: string; draft?: RelaunchDraft; provider?: Provider }) {
  const [provider, setProvider] = useState<Provider>(asked ?? draft?.provider ?? "openai");
  const [versionId, setVersionId] = useState(initialVersionId);
  // An OpenAI job trained locally instead: what carries over, and what the form says of the rest.
  const local = useMemo(() => (draft?.provider === "openai" ? localDraftFromHosted(draft) : draft ? { draft, notes: [] } : null), [draft]);
  const providerSwitch = <ProviderSwitch value={provider} onChange={setProvider} />;
  if (provider === "local") return <LocalLaunchForm options={options} initialVersionId={versionId} providerSwitch={providerSwitch} draft={local?.draft} draftNotes={local?.notes} />;
  return <OpenAILaunchForm options={options} initialVersionId={versionId} onVersion={setVersionId} providerSwitch={providerSwitch} draft={draft?.provider === "openai" ? draft : undefined} />;
}

function OpenAILaunchForm({ options, initialVersionId, onVersion, providerSwitch, draft }: { options: LaunchOptions; initialVersionId: string; onVersion: (id: string) => void; providerSwitch: ReactNode; draft?: OpenAIRelaunchDraft }) {
  const router = useRouter();
  const initialVersion = options.versions.find((v) => v.id === initialVersionId);
  const [form, setForm] = useState<LaunchFormState>(() => {
    // The job's method holds on the job's own version; another version decides by what it holds.
    if (!draft) return initialFormState(initialVersionId, methodFor(initialVersion));
    return formStateFromDraft(draft, initialVersionId, draft.datasetVersionId === initialVersionId ? draft.method : methodFor(initialVersion));
  });
  const request = useMemo(() => toLaunchRequest(form), [form]);
  const estimate = useLaunchEstimate(request);
  const launch = useLaunchJob();
  const version = options.versions.find((v) => v.id === form.datasetVersionId);

  const issues: LaunchIssue[] = estimate.data?.issues ?? [];
  const fieldError = (field: string) => (estimate.settled ? issues.filter((i) => i.field === field).map((i) => i.message).join(" ") || undefined : undefined);
  const set = <K extends keyof LaunchFormState>(key: K, value: LaunchFormState[K]) => setForm((f) => ({ ...f, [key]: value }));

  const blocked = !estimate.settled || !estimate.data || issues.length > 0 || launch.isPending;
  const blockedReason = launch.isPending
    ? "Launching…"
    : !estimate.settled
      ? "Checking…"
      : issues.length > 0
        ? "Fix the issues above to launch."
        : null;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (blocked) return;
    launch.mutate(request, { onSuccess: (job) => router.push(`/jobs/${job.id}`) });
  }

  return (
    <div className={styles.layout}>
      <Card title="Job settings" level={2}>
        <form id="launch-form" className={styles.form} onSubmit={onSubmit} aria-label="Launch a fine-tuning job" noValidate>
          {providerSwitch}
          <Field id="launch-version" label="Dataset version" hint={<ValidationHint version={version} />} error={fieldError("datasetVersionId")}>
            {(p) => (
              <VersionSelect
                control={p}
                versions={options.versions}
                value={form.datasetVersionId}
                onChange={(id) => {
                  const next = options.versions.find((v) => v.id === id);
                  setForm((f) => ({ ...f, datasetVersionId: id, method: methodFor(next) }));
                  onVersion(id);
                }}
              />
            )}
          </Field>

          <Field
            id="launch-model"
            label="Base model"
            hint="From the price table, or any model your OpenAI organization can fine-tune (an ft: model continues training)."
            error={fieldError("baseModel")}
          >
            {(p) => <Input {...p} list="launch-models" value={form.baseModel} onChange={(e) => set("baseModel", e.target.value)} autoComplete="off" spellCheck={false} />}
          </Field>
          <datalist id="launch-models">
            {options.models.map((m) => (
              <option key={m.model} value={m.model}>
                {formatUsd(m.trainingPerMTok)} / 1M training tokens
              </option>
            ))}
          </datalist>

          <fieldset className={styles.fieldset}>
            <legend>Method</legend>
            <div className={styles.radios}>
              <label>
                <input type="radio" name="method" value="supervised" checked={form.method === "supervised"} onChange={() => set("method", "supervised")} /> Supervised (SFT)
                <span className={styles.radioHint}>learn from chat examples</span>
              </label>
              <label>
                <input type="radio" name="method" value="dpo" checked={form.method === "dpo"} onChange={() => set("method", "dpo")} /> DPO
                <span className={styles.radioHint}>learn from preferred vs. rejected answers</span>
              </label>
            </div>
            {fieldError("method") ? <div className="field-error">{fieldError("method")}</div> : null}
          </fieldset>

          <fieldset className={styles.fieldset}>
            <legend>Hyperparameters</legend>
            <p className={styles.small}>“auto” lets OpenAI choose from the size of the data.</p>
            <div className={styles.grid}>
              {HYPERPARAMETERS.filter((h) => !h.dpoOnly || form.method === "dpo").map((h) => (
                <Field key={h.field} id={`launch-${h.field}`} label={h.label} hint={h.hint} error={fieldError(`hyperparameters.${h.field}`)}>
                  {(p) => <Input {...p} className="mono" value={form[h.field]} onChange={(e) => set(h.field, e.target.value)} inputMode="decimal" autoComplete="off" />}
                </Field>
              ))}
            </div>
          </fieldset>

          <div className={styles.grid}>
            <Field id="launch-suffix" label="Suffix" optional hint="1–64 characters, added to the model's name (ft:base:org:suffix:id)." error={fieldError("suffix")}>
              {(p) => <Input {...p} value={form.suffix} onChange={(e) => set("suffix", e.target.value)} autoComplete="off" spellCheck={false} />}
            </Field>
            <Field id="launch-seed" label="Seed" optional hint="A whole number 0–2147483647, for repeatable runs; OpenAI picks one when empty." error={fieldError("seed")}>
              {(p) => <Input {...p} className="mono" value={form.seed} onChange={(e) => set("seed", e.target.value)} inputMode="numeric" autoComplete="off" />}
            </Field>
          </div>
        </form>
      </Card>

      <div className={styles.side}>
        <EstimatePanel
          estimate={estimate.data}
          error={estimate.error ? messageOf(estimate.error) : null}
          pending={estimate.isPending}
          stale={!estimate.settled && !!estimate.data}
        />
        {estimate.settled ? <IssueList issues={issues} estimate={estimate.data} /> : null}
        {launch.error ? <Notice tone="danger">{messageOf(launch.error)}</Notice> : null}
        <div className="form-actions">
          <Button type="submit" form="launch-form" variant="primary" disabled={blocked} aria-describedby={blockedReason ? "launch-blocked" : undefined}>
            Launch on OpenAI
          </Button>
          {blockedReason ? (
            <span id="launch-blocked" className="muted">
              {blockedReason}
            </span>
          ) : null}
        </div>
      </div>
    </div>
  );
}

"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState, type FormEvent, type ReactNode } from "react";
import { LORA_TARGETS, LORA_TARGET_PRESETS, targetPresetOf, type LoraTarget, type LoraTargetPreset } from "@/lib/jobs/local/config";
import type { LaunchOptions } from "@/lib/jobs/launch/options";
import type { LocalRelaunchDraft } from "@/lib/jobs/launch/relaunch";
import { messageOf } from "../../api-client";
import { formatParams } from "../../models/format";
import { TokenPreviewPanel } from "../../tokens/TokenPreviewPanel";
import { useModels } from "../../tokens/useModels";
import { Button, ButtonLink } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Field } from "../../ui/Field";
import { Input } from "../../ui/Input";
import { Notice } from "../../ui/Notice";
import { useLaunchLocalJob, useLaunchSweep, useLocalEstimate } from "./local-api";
import { initialLocalState, localStateFromConfig, toLocalLaunchRequest, type LocalFormState, type NumberField, type QuantChoice } from "./local-form-state";
import { LocalEstimatePanel } from "./LocalEstimatePanel";
import { INITIAL_SWEEP, SweepFieldset, sweepOf, type SweepState } from "./SweepFieldset";
import { VersionSelect } from "./VersionSelect";
import styles from "./launch.module.css";

// The launch form for provider "local": base model from the models directory, LoRA, quantization, the
// trainer's hyperparameters (DEFAULT_LOCAL_CONFIG, the seed's), sequence length, packing, backend and the
// validation/checkpoint intervals. Launch POSTs localLaunchRequestSchema to /api/jobs. A preference version trains
// with DPO: the form says so, asks for beta, counts the batch in pairs and turns packing off.

type NumberSpec = { field: NumberField; label: string; hint: string };
const LORA_NUMBERS: NumberSpec[] = [
  { field: "rank", label: "Rank (r)", hint: "1–1024; 16 is the seed's" },
  { field: "alpha", label: "Alpha", hint: "scaling = alpha / r" },
  { field: "dropout", label: "Dropout", hint: "0–0.99" },
];
const TRAINING_NUMBERS: NumberSpec[] = [
  { field: "epochs", label: "Epochs", hint: "1–100" },
  { field: "batchSize", label: "Micro-batch", hint: "sequences per forward pass" },
  { field: "gradAccum", label: "Gradient accumulation", hint: "micro-batches per optimizer step" },
  { field: "lr", label: "Learning rate", hint: "e.g. 2e-4" },
  { field: "weightDecay", label: "Weight decay", hint: "AdamW" },
  { field: "warmupRatio", label: "Warmup ratio", hint: "share of steps, 0–1" },
  { field: "maxGradNorm", label: "Max grad norm", hint: "≤ 0 disables clipping" },
  { field: "seed", label: "Seed", hint: "same seed, same run" },
];
const RUN_NUMBERS: NumberSpec[] = [
  { field: "maxSeqLen", label: "Max sequence length", hint: "longer examples are truncated; clamped to the model's context" },
  { field: "evalEvery", label: "Validation interval", hint: "optimizer steps; 0 = each epoch end" },
  { field: "checkpointEvery", label: "Checkpoint interval", hint: "optimizer steps; 0 = each epoch end" },
];
const STOPPING_NUMBERS: NumberSpec[] = [
  { field: "earlyStoppingPatience", label: "Early stopping patience", hint: "validation passes in a row without a new best loss, then stop; 0 = off" },
  { field: "earlyStoppingThreshold", label: "Early stopping threshold", hint: "the least drop in validation loss that counts as better" },
];

export function LocalLaunchForm({
  options,
  initialVersionId,
  providerSwitch,
  draft,
  draftNotes = [],
}: {
  options: LaunchOptions;
  initialVersionId: string;
  providerSwitch: ReactNode;
  draft?: LocalRelaunchDraft;
  /** How an OpenAI job's settings were carried over (Train locally instead). */
  draftNotes?: string[];
}) {
  const router = useRouter();
  const models = useModels();
  const usable = (models.data?.models ?? []).filter((m) => m.hasTokenizer && m.hasChatTemplate && m.parameters && !m.error);
  const [form, setForm] = useState<LocalFormState>(() => (draft ? localStateFromConfig(initialVersionId, draft.baseModel, draft.config, draft.suffix ?? "") : initialLocalState(initialVersionId)));
  // A model named by a job being launched again may have left the models directory (or lost its tokenizer).
  const missingModel = models.data && form.baseModel && !usable.some((m) => m.name === form.baseModel) ? form.baseModel : null;
  const baseModel = (!missingModel && form.baseModel) || usable[0]?.name || "";
  const version = options.versions.find((v) => v.id === form.datasetVersionId);
  const dpo = !!version?.hasPreference;
  // Packing does not apply to DPO; a box ticked for a chat version is not sent for a preference one.
  const request = useMemo(() => toLocalLaunchRequest({ ...form, baseModel, packing: form.packing && !dpo }), [form, baseModel, dpo]);
  const estimate = useLocalEstimate(request);
  const launch = useLaunchLocalJob();
  const launchSweep = useLaunchSweep();
  const [sweepState, setSweepState] = useState<SweepState>(INITIAL_SWEEP);
  const sweep = sweepOf(sweepState);
  const pending = launch.isPending || launchSweep.isPending;
  const launchError = launch.error ?? launchSweep.error;
  const [previewLine, setPreviewLine] = useState("1");
  const [showPreview, setShowPreview] = useState(false);
  const set = <K extends keyof LocalFormState>(key: K, value: LocalFormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const preset = targetPresetOf(form.targets);
  const selectedModel = usable.find((m) => m.name === baseModel);
  const line = Number(previewLine);
  const maxSeqLen = Number(form.maxSeqLen);

  const sweepBlocked = !!sweep && "error" in sweep;
  const blocked = !baseModel || !estimate.settled || !!estimate.error || pending || sweepBlocked;
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (blocked) return;
    // A sweep's jobs open side by side on the compare page; one job opens its own page.
    if (sweep && "values" in sweep) launchSweep.mutate({ launch: request, sweep }, { onSuccess: (jobs) => router.push(`/jobs/compare?ids=${jobs.map((j) => encodeURIComponent(j.id)).join(",")}`) });
    else launch.mutate(request, { onSuccess: (job) => router.push(`/jobs/${job.id}`) });
  }
  const numberField = (given: NumberSpec) => {
    const spec = dpo && given.field === "batchSize" ? { ...given, label: "Micro-batch (pairs)", hint: "preference pairs per micro-batch" } : given;
    return (
    <Field key={spec.field} id={`local-${spec.field}`} label={spec.label} hint={spec.hint}>
      {(p) => <Input {...p} className="mono" value={form[spec.field]} onChange={(e) => set(spec.field, e.target.value)} inputMode="decimal" autoComplete="off" />}
    </Field>
    );
  };

  return (
    <div className={styles.layout}>
      <div className="stack">
        <Card title="Job settings" level={2}>
          <form id="local-launch-form" className={styles.form} onSubmit={onSubmit} aria-label="Launch a local fine-tuning job" noValidate>
            {providerSwitch}
            {draftNotes.length ? (
              <div data-testid="local-from-hosted">
                <Notice tone="info" title="From an OpenAI job" live={false}>
                  <ul>
                    {draftNotes.map((n) => (
                      <li key={n}>{n}</li>
                    ))}
                  </ul>
                </Notice>
              </div>
            ) : null}
            <Field id="local-version" label="Dataset version" hint={version && version.validationCount > 0 ? `Validation loss is computed on the ${version.validationCount} validation examples.` : "No validation split: only training loss."}>
              {(p) => <VersionSelect control={p} versions={options.versions} value={form.datasetVersionId} onChange={(id) => set("datasetVersionId", id)} />}
            </Field>
            {dpo ? (
              <div className={styles.grid} data-testid="local-dpo">
                <Notice tone="info" title="DPO on preference pairs">
                  This version holds preference pairs, so the job trains with Direct Preference Optimization: the preferred answer is pulled up and the non-preferred one down, relative to the base model as a frozen reference. The chart shows the DPO loss (ln 2 at the start) and the reward accuracy.
                </Notice>
                {numberField({ field: "dpoBeta", label: "DPO beta", hint: "how far the model may move from the reference: lower moves further; 0.1 is the usual" })}
              </div>
            ) : null}

            <Field
              id="local-model"
              label="Base model"
              hint={selectedModel ? `${selectedModel.architecture ?? "?"} · ${formatParams(selectedModel.parameters ?? 0)} parameters · ${selectedModel.dtype ?? "?"} · context ${selectedModel.contextLength ?? "?"}` : "A Hugging Face folder in the models directory."}
            >
              {(p) =>
                usable.length > 0 ? (
                  <>
                    {missingModel ? (
                      <Notice tone="warn" title={`${missingModel} cannot train here`}>
                        The job&apos;s base model is not among the models directory&apos;s trainable folders any more; {baseModel} is picked instead.
                      </Notice>
                    ) : null}
                  <select {...p} className="input" value={baseModel} onChange={(e) => set("baseModel", e.target.value)}>
                    {usable.map((m) => (
                      <option key={m.name} value={m.name}>
                        {m.name}
                      </option>
                    ))}
                  </select>
                  </>
                ) : (
                  <Notice tone="warn" title={models.isPending ? "Loading models…" : "No local model can train"}>
                    {models.isPending ? null : (
                      <>
                        Put a Llama-family Hugging Face folder (weights, tokenizer.json, chat template) into the models directory. <ButtonLink href="/models">Open Models</ButtonLink>
                      </>
                    )}
                  </Notice>
                )
              }
            </Field>

            <fieldset className={styles.fieldset}>
              <legend>LoRA</legend>
              <div className={styles.grid}>{LORA_NUMBERS.map(numberField)}</div>
              <div className={styles.radios} role="radiogroup" aria-label="Target modules preset">
                {(Object.keys(LORA_TARGET_PRESETS) as LoraTargetPreset[]).map((name) => (
                  <label key={name}>
                    <input type="radio" name="local-preset" checked={preset === name} onChange={() => set("targets", [...LORA_TARGET_PRESETS[name]])} /> {name === "attention" ? "attention" : "all linear"}
                    <span className={styles.radioHint}>{name === "attention" ? "q, k, v, o (the seed's)" : "+ gate, up, down (QLoRA paper)"}</span>
                  </label>
                ))}
                {preset === "custom" ? <span className={styles.radioHint}>custom</span> : null}
              </div>
              <div className={styles.targets} aria-label="Target modules">
                {LORA_TARGETS.map((t: LoraTarget) => (
                  <label key={t}>
                    <input type="checkbox" checked={form.targets.includes(t)} onChange={(e) => set("targets", e.target.checked ? [...form.targets, t] : form.targets.filter((x) => x !== t))} /> {t}
                  </label>
                ))}
              </div>
              <div className={styles.checks}>
                <label title="Rank-stabilized LoRA (Kalajdzievski, 2023): the update is scaled by alpha/√r instead of alpha/r, so a high rank still learns; PEFT's use_rslora.">
                  <input type="checkbox" checked={form.rslora} onChange={(e) => set("rslora", e.target.checked)} /> rsLoRA (scale by alpha/√r instead of alpha/r)
                </label>
              </div>
            </fieldset>

            <Field id="local-quant" label="Quantization of the frozen weights" hint="NF4 + double quant ≈ 4.127 bits per weight (QLoRA); none keeps bf16 (plain LoRA).">
              {(p) => (
                <select {...p} className="input" value={form.quant} onChange={(e) => set("quant", e.target.value as QuantChoice)}>
                  <option value="nf4-dq">NF4 + double quant (QLoRA)</option>
                  <option value="nf4">NF4</option>
                  <option value="none">none (bf16 LoRA)</option>
                </select>
              )}
            </Field>

            <fieldset className={styles.fieldset}>
              <legend>Hyperparameters</legend>
              <div className={styles.grid}>
                {TRAINING_NUMBERS.map(numberField)}
                <Field id="local-schedule" label="Schedule" hint="learning-rate decay after warmup">
                  {(p) => (
                    <select {...p} className="input" value={form.schedule} onChange={(e) => set("schedule", e.target.value as LocalFormState["schedule"])}>
                      <option value="cosine">cosine</option>
                      <option value="linear">linear</option>
                      <option value="constant">constant</option>
                    </select>
                  )}
                </Field>
              </div>
            </fieldset>

            <fieldset className={styles.fieldset}>
              <legend>Run</legend>
              <div className={styles.grid}>
                {RUN_NUMBERS.map(numberField)}
                <Field id="local-backend" label="Backend" hint="auto picks CUDA when the worker has it">
                  {(p) => (
                    <select {...p} className="input" value={form.backend} onChange={(e) => set("backend", e.target.value as LocalFormState["backend"])}>
                      <option value="auto">auto</option>
                      <option value="cpu">cpu</option>
                      <option value="cuda">cuda</option>
                    </select>
                  )}
                </Field>
              </div>
              <div className={styles.checks}>
                <label>
                  <input type="checkbox" checked={form.packing && !dpo} disabled={dpo} onChange={(e) => set("packing", e.target.checked)} /> Packing (several examples per sequence){dpo ? " — not with DPO" : ""}
                </label>
                <label title="Recompute each layer's activations in backward instead of keeping them: less memory, a slower step. Off, a GPU still turns it on when the run would not fit without it (the job's memory log says so).">
                  <input type="checkbox" checked={form.gradientCheckpointing} onChange={(e) => set("gradientCheckpointing", e.target.checked)} /> Gradient checkpointing
                </label>
              </div>
            </fieldset>

            <fieldset className={styles.fieldset} aria-describedby="local-stopping-hint">
              <legend>Early stopping and the best step</legend>
              <p id="local-stopping-hint" className="muted">
                {version && version.validationCount === 0
                  ? "These act on the validation loss, and this version has no validation split."
                  : "These act on the validation loss, measured at each validation interval."}
              </p>
              <div className={styles.grid}>{STOPPING_NUMBERS.map(numberField)}</div>
              <div className={styles.checks}>
                <label title="The adapter the job keeps is the one from the validation pass with the lowest loss (kept on disk as training goes), not the last step's.">
                  <input type="checkbox" checked={form.keepBest} onChange={(e) => set("keepBest", e.target.checked)} /> Keep the best step&apos;s adapter (lowest validation loss)
                </label>
              </div>
            </fieldset>

            <SweepFieldset value={sweepState} onChange={setSweepState} dpo={dpo} />

            <Field id="local-suffix" label="Suffix" optional hint={sweep ? "Added to each job's name, before the value it sweeps (\"lr=0.0002\")." : "Added to the adapter's name."}>
              {(p) => <Input {...p} value={form.suffix} onChange={(e) => set("suffix", e.target.value)} autoComplete="off" spellCheck={false} />}
            </Field>
          </form>
        </Card>

        <Card title="Token preview" level={2} description="An example of this version as the base model trains on it: its chat template, its tokens, the loss mask and the cut at max sequence length.">
          <div className={styles.form}>
            <div className={styles.grid}>
              <Field id="local-preview-line" label={`Train example (line 1–${version?.trainCount ?? "?"})`}>
                {(p) => <Input {...p} className="mono" value={previewLine} onChange={(e) => setPreviewLine(e.target.value)} inputMode="numeric" />}
              </Field>
            </div>
            {showPreview && baseModel && Number.isInteger(line) && line >= 1 ? (
              <TokenPreviewPanel
                source={{ versionExample: { datasetVersionId: form.datasetVersionId, split: "train", line } }}
                model={baseModel}
                maxSeqLen={Number.isInteger(maxSeqLen) && maxSeqLen >= 2 ? maxSeqLen : undefined}
                idPrefix="local-preview"
              />
            ) : (
              <div>
                <Button onClick={() => setShowPreview(true)} disabled={!baseModel}>
                  Preview tokens
                </Button>
              </div>
            )}
          </div>
        </Card>
      </div>

      <div className={styles.side}>
        <LocalEstimatePanel estimate={estimate.data} error={estimate.error ? messageOf(estimate.error) : null} pending={estimate.isPending} stale={!estimate.settled && !!estimate.data} epochs={form.epochs} batchSize={form.batchSize} counting={version && baseModel ? { units: version.trainCount, pairs: dpo, model: baseModel } : undefined} />
        {launchError ? <Notice tone="danger">{messageOf(launchError)}</Notice> : null}
        <div className="form-actions">
          <Button type="submit" form="local-launch-form" variant="primary" disabled={blocked}>
            {sweep && "values" in sweep ? `Launch ${sweep.values.length} jobs` : "Launch locally"}
          </Button>
          {blocked && !pending ? <span className="muted">{!baseModel ? "Pick a base model." : estimate.error ? "Fix the estimate's error first." : sweepBlocked ? "Fix the sweep's values." : "Checking…"}</span> : null}
          {pending ? <span className="muted">Launching…</span> : null}
        </div>
      </div>
    </div>
  );
}

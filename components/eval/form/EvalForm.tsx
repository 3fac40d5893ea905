"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState, type FormEvent } from "react";
import { messageOf } from "@/components/api-client";
import { VersionSelect } from "@/components/jobs/launch/VersionSelect";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Field } from "@/components/ui/Field";
import { Input } from "@/components/ui/Input";
import { Notice } from "@/components/ui/Notice";
import { formatInt } from "@/components/ui/format";
import type { LaunchVersionOption } from "@/lib/jobs/launch/options";
import type { EvalPrefill } from "@/lib/eval/prefill";
import { SPEC_EXAMPLES } from "@/lib/eval/spec";
import { useCreateEval } from "../api";
import styles from "../eval.module.css";
import { initialEvalForm, toCreateRequest, type EvalFormState } from "./form-state";
import { SpecPicker, type SpecOptions } from "./SpecPicker";
import type { ThinkingMode } from "@/lib/reasoning";

// The new-evaluation form: every field maps to one key of POST /api/evals. Errors show once a field was touched
// or after a submit attempt, in the schema's words; the server's answer (e.g. a job that has no model) shows
// under the button.

type Props = { versions: LaunchVersionOption[]; specOptions: SpecOptions; initialVersionId: string; prefill: EvalPrefill | null };

const SPEC_HINT = `One of ${SPEC_EXAMPLES.join(", ")}.`;

export function EvalForm({ versions, specOptions, initialVersionId, prefill }: Props) {
  const router = useRouter();
  const [form, setForm] = useState<EvalFormState>(() => initialEvalForm({ datasetVersionId: initialVersionId, prefill }));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const create = useCreateEval();
  const { request, errors } = useMemo(() => toCreateRequest(form), [form]);
  const version = versions.find((v) => v.id === form.datasetVersionId);
  const candidateJob = specOptions.jobs.find((j) => `job:${j.id}` === form.candidate.trim());

  const set = <K extends keyof EvalFormState>(key: K, value: EvalFormState[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setTouched((t) => new Set(t).add(key));
  };
  const err = (key: keyof EvalFormState) => (submitted || touched.has(key) ? errors[key] : undefined);
  const invalid = Object.keys(errors).length > 0;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (invalid || create.isPending) return;
    create.mutate(request, { onSuccess: (r) => router.push(`/evaluations/${r.runs[0]!.id}`) });
  }

  const splitCount = version ? (form.split === "validation" ? version.validationCount : version.trainCount) : null;

  return (
    <div className={styles.formLayout}>
      <Card title="What to compare" level={2}>
        <form id="eval-form" className={styles.form} onSubmit={onSubmit} aria-label="New evaluation" noValidate>
          {prefill?.problem ? <Notice tone="warn">{prefill.problem}</Notice> : null}
          <div className={styles.formGrid}>
            <Field id="eval-version" label="Dataset version" error={err("datasetVersionId")}>
              {(p) => <VersionSelect control={p} versions={versions} value={form.datasetVersionId} onChange={(id) => set("datasetVersionId", id)} />}
            </Field>
            <Field
              id="eval-split"
              label="Split"
              hint={splitCount === null ? undefined : splitCount === 0 ? "This split is empty in this version." : `${formatInt(splitCount)} examples.${form.split === "train" ? " Scores on training data flatter a fine-tuned model." : ""}`}
            >
              {(p) => (
                <select {...p} className="input" value={form.split} onChange={(e) => set("split", e.target.value as EvalFormState["split"])}>
                  <option value="validation">validation (held out)</option>
                  <option value="train">train</option>
                </select>
              )}
            </Field>
          </div>
          <Field id="eval-candidate" label="Candidate" hint={`The model under test — usually a fine-tuned job. ${SPEC_HINT}`} error={err("candidate")}>
            {(p) => <SpecPicker control={p} value={form.candidate} onChange={(v) => set("candidate", v)} options={specOptions} pickLabel="Pick a candidate" placeholder="job:<id>" />}
          </Field>
          <Field id="eval-baseline" label="Baseline" hint={`What the candidate must beat — usually the base model it was trained from. ${SPEC_HINT}`} error={err("baseline")}>
            {(p) => <SpecPicker control={p} value={form.baseline} onChange={(v) => set("baseline", v)} options={specOptions} pickLabel="Pick a baseline" placeholder="openai:gpt-4o-mini-2024-07-18" />}
          </Field>
          <label className={styles.toggle}>
            <input
              type="checkbox"
              checked={form.sweepCheckpoints}
              disabled={candidateJob?.provider !== "local" && !form.sweepCheckpoints}
              onChange={(e) => set("sweepCheckpoints", e.target.checked)}
            />
            <span>
              Evaluate every checkpoint of the candidate job{" "}
              <span className="muted">(a local job: one run per kept checkpoint plus the final adapter, charted by step)</span>
            </span>
          </label>
          {err("sweepCheckpoints") ? <div className="field-error">{err("sweepCheckpoints")}</div> : null}

          <fieldset className={styles.fieldset}>
            <legend>Judge</legend>
            <Field id="eval-judge" label="Judge model" optional hint="openai:<model> or endpoint:<url>#<model>. Without a judge the run reports metrics only (no win rate)." error={err("judge")}>
              {(p) => <SpecPicker control={p} value={form.judge} onChange={(v) => set("judge", v)} options={{ jobs: [], openaiModels: specOptions.openaiModels }} pickLabel="Pick a judge" placeholder="openai:gpt-4o" />}
            </Field>
            <Field id="eval-rubric" label="Rubric" hint="What the judge is told to prefer. It sees both answers twice, in both orders." error={err("rubric")}>
              {(p) => <textarea {...p} className={`input ${styles.textarea}`} value={form.rubric} onChange={(e) => set("rubric", e.target.value)} disabled={!form.judge.trim()} />}
            </Field>
          </fieldset>

          <Field id="eval-schema" label="JSON schema" optional hint="Outputs are checked against it (the schema-valid metric)." error={err("jsonSchema")}>
            {(p) => <textarea {...p} className={`input ${styles.textarea}`} value={form.jsonSchema} onChange={(e) => set("jsonSchema", e.target.value)} placeholder='{"type": "object", "required": ["intent"]}' spellCheck={false} />}
          </Field>

          <fieldset className={styles.fieldset}>
            <legend>Generation</legend>
            <div className={styles.formGrid}>
              <Field id="eval-temperature" label="Temperature" hint="0–2; 0 is repeatable." error={err("temperature")}>
                {(p) => <Input {...p} className="mono" inputMode="decimal" value={form.temperature} onChange={(e) => set("temperature", e.target.value)} />}
              </Field>
              <Field id="eval-topP" label="Top p" hint="Above 0, at most 1." error={err("topP")}>
                {(p) => <Input {...p} className="mono" inputMode="decimal" value={form.topP} onChange={(e) => set("topP", e.target.value)} />}
              </Field>
              <Field id="eval-maxTokens" label="Max tokens" hint="1–8192 per answer." error={err("maxTokens")}>
                {(p) => <Input {...p} className="mono" inputMode="numeric" value={form.maxTokens} onChange={(e) => set("maxTokens", e.target.value)} />}
              </Field>
              <Field id="eval-seed" label="Seed" error={err("seed")}>
                {(p) => <Input {...p} className="mono" inputMode="numeric" value={form.seed} onChange={(e) => set("seed", e.target.value)} />}
              </Field>
              <Field id="eval-thinking" label="Thinking" hint="Reasoning models whose template has the switch (Qwen3), local or endpoint:." error={err("thinking")}>
                {(p) => (
                  <select {...p} className="input" value={form.thinking} onChange={(e) => set("thinking", e.target.value as ThinkingMode)}>
                    <option value="default">As each template does</option>
                    <option value="off">Off: answer directly</option>
                    <option value="on">On: think first</option>
                  </select>
                )}
              </Field>
              <Field id="eval-concurrency" label="Concurrency" hint="Requests in flight per model, 1–64." error={err("concurrency")}>
                {(p) => <Input {...p} className="mono" inputMode="numeric" value={form.concurrency} onChange={(e) => set("concurrency", e.target.value)} />}
              </Field>
              <Field id="eval-limit" label="Limit" optional hint="Only the first N examples of the split." error={err("limit")}>
                {(p) => <Input {...p} className="mono" inputMode="numeric" value={form.limit} onChange={(e) => set("limit", e.target.value)} />}
              </Field>
            </div>
          </fieldset>
          <Field id="eval-name" label="Name" optional error={err("name")}>
            {(p) => <Input {...p} value={form.name} onChange={(e) => set("name", e.target.value)} placeholder="e.g. triage v3 vs base" />}
          </Field>
        </form>
      </Card>
      <div className="stack">
        <Card title="Before you start" level={2}>
          <p>Both models answer every prompt of the split with the same settings; the answers are scored against the expected reply and, with a judge, compared head to head in both orders (a win counts only when both orders agree).</p>
          <p className="muted">A local model or a local job's adapter runs on a GPU worker; hosted models use the credentials in Settings.</p>
        </Card>
        {create.error ? <Notice tone="danger">{messageOf(create.error)}</Notice> : null}
        {submitted && invalid ? <Notice tone="danger">Fix the fields marked above to start.</Notice> : null}
        <div className="form-actions">
          <Button type="submit" form="eval-form" variant="primary" disabled={create.isPending} aria-busy={create.isPending || undefined}>
            {create.isPending ? "Starting…" : "Start evaluation"}
          </Button>
        </div>
      </div>
    </div>
  );
}

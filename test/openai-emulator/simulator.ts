import { lossAt, prng } from "./loss-curve";
import { storeFile } from "./routes/files";
import { nextId, type EmulatorState } from "./state";
import type { TrainingFileCheck } from "./training-file";

// Drives each fine-tuning job through validating_files → queued → running → succeeded | failed | cancelled
// on the emulator's clock. sync() is called before every request (and by emulator.advance()), and
// replays everything due since the last call, stamping events with the time they were due.

type Hp = "auto" | number;
export type Hyperparameters = { batch_size: Hp; learning_rate_multiplier: Hp; n_epochs: Hp; beta?: Hp };

export type JobEvent = {
  id: string;
  object: "fine_tuning.job.event";
  created_at: number;
  level: "info" | "warn" | "error";
  message: string;
  data: unknown;
  type: "message" | "metrics";
};

export type Checkpoint = {
  id: string;
  object: "fine_tuning.job.checkpoint";
  created_at: number;
  fine_tuned_model_checkpoint: string;
  fine_tuning_job_id: string;
  metrics: Record<string, number>;
  step_number: number;
};

export type FineTuningJob = {
  id: string;
  object: "fine_tuning.job";
  created_at: number;
  error: { code?: string; message?: string; param?: string | null };
  fine_tuned_model: string | null;
  finished_at: number | null;
  hyperparameters: Hyperparameters;
  model: string;
  organization_id: string;
  result_files: string[];
  seed: number;
  status: "validating_files" | "queued" | "running" | "succeeded" | "failed" | "cancelled";
  trained_tokens: number | null;
  training_file: string;
  validation_file: string | null;
  estimated_finish: number | null;
  integrations: unknown[] | null;
  metadata: Record<string, string> | null;
  method: { type: string; [k: string]: unknown };
  user_provided_suffix: string | null;
};

export type JobRecord = {
  job: FineTuningJob;
  /** What the client asked for; shown as-is until the job runs. */
  requested: Hyperparameters;
  training: TrainingFileCheck;
  createdMs: number;
  startedMs: number | null;
  totalSteps: number;
  stepsPerEpoch: number;
  stepsDone: number;
  events: JobEvent[]; // oldest first
  checkpoints: Checkpoint[]; // oldest first, at most three
  csv: string[];
  rand: () => number;
};

/** "ft:{base}:{org}:{suffix}:{id}"; the org part is the org's name, not its id. */
export function modelName(rec: JobRecord): string {
  const short = rec.job.id.slice(-8);
  return `ft:${rec.job.model}:tuneforge-emulator:${rec.job.user_provided_suffix ?? ""}:${short}`;
}

export function addEvent(state: EmulatorState, rec: JobRecord, atMs: number, message: string, extra: Partial<JobEvent> = {}): void {
  rec.events.push({
    id: nextId(state, "ftevent-"),
    object: "fine_tuning.job.event",
    created_at: Math.floor(atMs / 1000),
    level: "info",
    message,
    data: {},
    type: "message",
    ...extra,
  });
}

// OpenAI's "auto" picks, roughly: small datasets get more epochs so about 100 examples are seen in total.
function resolve(rec: JobRecord): { batch_size: number; learning_rate_multiplier: number; n_epochs: number; beta?: number } {
  const n = rec.training.examples;
  const r = rec.requested;
  const num = (v: Hp | undefined, auto: number) => (typeof v === "number" ? v : auto);
  const out = {
    batch_size: num(r.batch_size, Math.max(1, Math.min(256, Math.floor(n / 500)))),
    learning_rate_multiplier: num(r.learning_rate_multiplier, rec.job.model.includes("nano") ? 1 : 1.8),
    n_epochs: num(r.n_epochs, n >= 34 ? 3 : Math.min(25, Math.ceil(100 / n))),
  };
  return r.beta !== undefined ? { ...out, beta: num(r.beta, 0.1) } : out;
}

function fail(rec: JobRecord, state: EmulatorState, atMs: number, code: string, message: string): void {
  rec.job.status = "failed";
  rec.job.error = { code, message, param: "training_file" };
  addEvent(state, rec, atMs, message, { level: "error" });
}

export function syncJob(state: EmulatorState, rec: JobRecord): void {
  const now = state.clock.now();
  const t = state.timing;
  const job = rec.job;
  const validatedAt = rec.createdMs + t.validatingMs;
  if (job.status === "validating_files" && now >= validatedAt) {
    const tr = rec.training;
    if (tr.problem) return fail(rec, state, validatedAt, "invalid_training_file", `The job failed due to an invalid training file. ${tr.problem}`);
    if (tr.examples < 10) {
      return fail(rec, state, validatedAt, "invalid_n_examples", `Training file has ${tr.examples} example(s), but must have at least 10 examples`);
    }
    if (tr.format === "chat" && job.method.type !== "supervised") {
      return fail(rec, state, validatedAt, "invalid_training_file",
        `The job failed due to an invalid training file. Input file ${job.training_file} is in the fine-tune-chat format, but the specified fine-tuning job is not using 'supervised' as the training method (provided method=${job.method.type}).`);
    }
    job.status = "queued";
    addEvent(state, rec, validatedAt, "Files validated, moving job to queued state");
  }
  const startAt = validatedAt + t.queuedMs;
  if (job.status === "queued" && now >= startAt) {
    const hp = resolve(rec);
    job.hyperparameters = hp;
    const typed = job.method[job.method.type] as { hyperparameters?: unknown } | undefined;
    job.method = { ...job.method, [job.method.type]: { ...typed, hyperparameters: hp } };
    rec.stepsPerEpoch = Math.ceil(rec.training.examples / hp.batch_size);
    rec.totalSteps = rec.stepsPerEpoch * hp.n_epochs;
    rec.startedMs = startAt;
    job.status = "running";
    job.estimated_finish = Math.floor((startAt + rec.totalSteps * t.stepMs) / 1000);
    addEvent(state, rec, startAt, "Fine-tuning job started", { data: null });
  }
  if (job.status !== "running" || rec.startedMs === null) return;
  const due = Math.min(rec.totalSteps, Math.floor((now - rec.startedMs) / t.stepMs));
  while (rec.stepsDone < due) emitStep(state, rec, rec.startedMs + (rec.stepsDone + 1) * t.stepMs);
  if (rec.stepsDone === rec.totalSteps) succeed(state, rec, rec.startedMs + rec.totalSteps * t.stepMs);
}

function emitStep(state: EmulatorState, rec: JobRecord, atMs: number): void {
  const step = ++rec.stepsDone;
  const total = rec.totalSteps;
  const m = lossAt(rec.rand, step, total);
  const hasValid = rec.job.validation_file !== null;
  const validNow = hasValid && (step % 10 === 0 || step === total);
  const epochEnd = step % rec.stepsPerEpoch === 0;
  const data: Record<string, number> = { step, train_loss: m.train_loss, total_steps: total, train_mean_token_accuracy: m.train_mean_token_accuracy };
  let message = `Step ${step}/${total}: training loss=${m.train_loss.toFixed(2)}`;
  if (validNow) {
    Object.assign(data, { valid_loss: m.valid_loss, valid_mean_token_accuracy: m.valid_mean_token_accuracy });
    message += `, validation loss=${m.valid_loss.toFixed(2)}`;
  }
  if (hasValid && epochEnd) {
    const full = { full_valid_loss: m.valid_loss, full_valid_mean_token_accuracy: m.valid_mean_token_accuracy };
    Object.assign(data, full);
    message += `, full validation loss=${full.full_valid_loss.toFixed(2)}`;
  }
  addEvent(state, rec, atMs, message, { type: "metrics", data });
  rec.csv.push([step, m.train_loss, m.train_mean_token_accuracy, validNow ? m.valid_loss : "", validNow ? m.valid_mean_token_accuracy : ""].join(","));
  if (epochEnd) {
    const name = `${modelName(rec)}:ckpt-step-${step}`;
    rec.checkpoints.push({
      id: nextId(state, "ftckpt_"),
      object: "fine_tuning.job.checkpoint",
      created_at: Math.floor(atMs / 1000),
      fine_tuned_model_checkpoint: name,
      fine_tuning_job_id: rec.job.id,
      metrics: data,
      step_number: step,
    });
    if (rec.checkpoints.length > 3) rec.checkpoints.shift(); // OpenAI keeps the last three epochs only
    addEvent(state, rec, atMs, `Checkpoint created at step ${step} with Snapshot ID: ${name}`);
  }
}

function succeed(state: EmulatorState, rec: JobRecord, atMs: number): void {
  const job = rec.job;
  const model = modelName(rec);
  // The quirk: the results CSV is served base64-encoded.
  const csv = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy", ...rec.csv].join("\n") + "\n";
  const results = storeFile(state, "step_metrics.csv", "fine-tune-results", Buffer.from(Buffer.from(csv).toString("base64")), "processed");
  const last = rec.checkpoints[rec.checkpoints.length - 1];
  if (last) last.fine_tuned_model_checkpoint = model; // the newest checkpoint is the final model
  job.status = "succeeded";
  job.fine_tuned_model = model;
  job.finished_at = Math.floor(atMs / 1000);
  job.estimated_finish = null;
  job.trained_tokens = rec.training.tokens * (job.hyperparameters.n_epochs as number);
  job.result_files = [results.file.id];
  addEvent(state, rec, atMs, `New fine-tuned model created: ${model}`);
  addEvent(state, rec, atMs, "The job has successfully completed");
}

export function cancelJob(state: EmulatorState, rec: JobRecord): void {
  rec.job.status = "cancelled";
  rec.job.estimated_finish = null;
  addEvent(state, rec, state.clock.now(), "Fine-tuning job cancelled");
}

export function newRecord(
  state: EmulatorState,
  job: Omit<FineTuningJob, "id" | "object" | "created_at" | "organization_id">,
  requested: Hyperparameters,
  training: TrainingFileCheck,
): JobRecord {
  const now = state.clock.now();
  const rec: JobRecord = {
    job: { id: nextId(state, "ftjob-"), object: "fine_tuning.job", created_at: Math.floor(now / 1000), organization_id: state.organization, ...job },
    requested,
    training,
    createdMs: now,
    startedMs: null,
    totalSteps: 0,
    stepsPerEpoch: 0,
    stepsDone: 0,
    events: [],
    checkpoints: [],
    csv: [],
    rand: prng(job.seed),
  };
  const files = job.validation_file ? `${job.training_file} and validation file: ${job.validation_file}` : job.training_file;
  addEvent(state, rec, now, `Created fine-tuning job: ${rec.job.id}`);
  addEvent(state, rec, now, `Validating training file: ${files}`);
  state.jobs.set(rec.job.id, rec);
  return rec;
}

export function syncAll(state: EmulatorState): void {
  for (const rec of state.jobs.values()) syncJob(state, rec);
}

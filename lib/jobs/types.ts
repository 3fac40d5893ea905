// The shapes a fine-tuning job takes outside the database: what GET /api/jobs/[id] returns, what the job
// page renders, what `tuneforge jobs … --json` prints and what the live stream carries. Every provider
// (OpenAI now, local training later) fills the same shapes, so the monitoring UI is shared.

/** Every status a job can have, in lifecycle order (prisma enum JobStatus); the one list filters and CLI flags use. */
export const JOB_STATUSES = ["queued", "uploading", "validating_files", "running", "cancelling", "succeeded", "failed", "cancelled"] as const;

export type JobStatusName = (typeof JOB_STATUSES)[number];

export const TERMINAL_JOB_STATUSES: readonly JobStatusName[] = ["succeeded", "failed", "cancelled"];
export const isTerminalJobStatus = (s: string) => (TERMINAL_JOB_STATUSES as readonly string[]).includes(s);

/** A job as people name it: the model it produced, else its base model and suffix ("tiny-chat · lr=0.01"). */
export const jobDisplayName = (j: { fineTunedModel: string | null; baseModel: string; suffix: string | null }) =>
  j.fineTunedModel ?? `${j.baseModel}${j.suffix ? ` · ${j.suffix}` : ""}`;

type PreparingFields = { provider: string; status: string; workerId: string | null; queuePosition?: number | null };

/**
 * A local job a GPU worker has taken but not started: it loads the model and tokenizes the data (seconds to
 * minutes) while its row still says "queued"; the run records the worker on the row when it takes the job. One
 * back in line (its worker died while preparing it) is waiting again, where its place in line is known.
 */
export const isPreparingLocalJob = (j: PreparingFields) => j.provider === "local" && j.status === "queued" && j.workerId !== null && (j.queuePosition ?? null) === null;

/** The status a badge shows: "preparing" for such a job, else the row's own. */
export const shownJobStatus = (j: PreparingFields): string => (isPreparingLocalJob(j) ? "preparing" : j.status);

export type MetricPointView = {
  step: number;
  trainLoss: number | null;
  trainAccuracy: number | null;
  validLoss: number | null;
  validAccuracy: number | null;
  /** Whole-validation-set figures, reported at epoch ends. */
  fullValidLoss: number | null;
  fullValidAccuracy: number | null;
  /** DPO: mean chosen − rejected reward of the step's pairs and of the validation pairs (null otherwise). */
  rewardMargin: number | null;
  validRewardMargin: number | null;
  learningRate: number | null;
  tokensPerSecond: number | null;
  gradNorm: number | null;
  memoryBytes: number | null;
  totalSteps: number | null;
  epoch: number | null;
  /** When the point was recorded (ISO). */
  at: string;
};

export type JobEventView = {
  id: string;
  /** The provider's event id; null for events tuneforge wrote itself. */
  remoteId: string | null;
  level: string;
  message: string;
  data: unknown;
  at: string;
};

export type CheckpointView = {
  id: string;
  step: number;
  remoteId: string | null;
  /** OpenAI: the model name to run inference against this checkpoint. */
  modelName: string | null;
  /** Local: adapter directory relative to the data directory. */
  path: string | null;
  metrics: Record<string, number>;
  at: string;
};

export type JobDatasetRef = {
  datasetId: string;
  datasetName: string;
  versionId: string;
  versionNumber: number;
  trainCount: number;
  validationCount: number;
};

/** A job without its series: the row of the jobs list and the header of the job page. */
export type JobSummary = {
  id: string;
  status: JobStatusName;
  provider: "openai" | "local";
  method: "supervised" | "dpo";
  baseModel: string;
  fineTunedModel: string | null;
  trainedTokens: number | null;
  estimatedUsd: number | null;
  actualUsd: number | null;
  estimatedTokensPerEpoch: number | null;
  estimatedEpochs: number | null;
  trainingPricePerMTok: number | null;
  /** As requested at launch ("auto" or numbers; provider-specific keys). */
  hyperparameters: Record<string, unknown>;
  suffix: string | null;
  seed: number | null;
  /** The team's note on the job, edited on its page (PATCH /api/jobs/<id>). */
  note: string | null;
  attached: boolean;
  remoteJobId: string | null;
  remoteStatus: string | null;
  remoteTrainingFileId: string | null;
  remoteValidationFileId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  retryMessage: string | null;
  dataset: JobDatasetRef | null;
  /** Step and total steps of the newest metric point (null before the first). */
  progress: { step: number; totalSteps: number | null } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  estimatedFinishAt: string | null;
  cancelRequestedAt: string | null;
  /** Local jobs: the final adapter folder (or, when cancelled, the last checkpoint kept), absolute; else null. */
  adapterPath: string | null;
  /** Local jobs: the step whose weights the adapter holds (the lowest validation loss's with keepBest), once succeeded. */
  adapterStep: number | null;
  /** Local jobs: early stopping ended the run before its planned steps (progress.totalSteps). */
  stoppedEarly: boolean;
  /** Local jobs: the compute backend the trainer ran on ("cpu", "cuda"), once started. */
  backend: string | null;
  /** Local jobs: the GPU worker (heartbeat id) running it now or last. */
  workerId: string | null;
  /** Local jobs: { lora, quantization } as launched (hyperparameters holds the training settings). */
  loraConfig: Record<string, unknown> | null;
  /** A queued local job's 1-based place among the gpu-jobs runs waiting for a GPU worker; null otherwise. */
  queuePosition: number | null;
};

/** GET /api/jobs/[id] and `tuneforge jobs show ID --json`. */
export type JobView = JobSummary & {
  metrics: MetricPointView[];
  events: JobEventView[];
  checkpoints: CheckpointView[];
};

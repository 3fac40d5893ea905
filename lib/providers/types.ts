// The contract every fine-tuning backend implements (OpenAI hosted; local training in lib/providers/local). Functions return
// plain data; the worker persists it (remote ids before the next step) so a crash can resume mid-flow.

/** Our JobStatus names (prisma enum JobStatus); `cancelling` is ours alone, never reported by a provider. */
export type JobStatus = "queued" | "uploading" | "validating_files" | "running" | "succeeded" | "failed" | "cancelled";


export type Hyperparameter = "auto" | number;

export type FineTuneMethod = "supervised" | "dpo";

export type Hyperparameters = {
  nEpochs?: Hyperparameter;
  batchSize?: Hyperparameter;
  learningRateMultiplier?: Hyperparameter;
  /** DPO only. */
  beta?: Hyperparameter;
};

export type FineTuneConfig = {
  tuneforgeJobId: string;
  model: string;
  method?: FineTuneMethod;
  hyperparameters?: Hyperparameters;
  suffix?: string | null;
  seed?: number | null;
};

export type RemoteJobState = {
  status: JobStatus;
  /** The provider's own status string, kept for display (may be a value we do not know, e.g. paused). */
  remoteStatus: string;
  fineTunedModel: string | null;
  trainedTokens: number | null;
  error: { code: string; message: string } | null;
  /** As resolved by the provider ("auto" until the job runs). */
  hyperparameters: Record<string, Hyperparameter | null>;
  estimatedFinish: Date | null;
  /** When the provider says the job ended (OpenAI sets it on success; null while running and on most failures). */
  finishedAt: Date | null;
  resultFileIds: string[];
};

export type MetricPointInput = {
  step: number;
  trainLoss: number | null;
  trainAccuracy: number | null;
  validLoss: number | null;
  validAccuracy: number | null;
  fullValidLoss: number | null;
  fullValidAccuracy: number | null;
  totalSteps: number | null;
  at: Date;
};

export type ProviderEvent = {
  remoteId: string;
  at: Date;
  level: string;
  message: string;
  type: string;
};

export type CheckpointInput = {
  remoteId: string;
  step: number;
  /** The model name to run inference against this checkpoint. */
  model: string;
  metrics: Record<string, number>;
  at: Date;
};

export type PollResult = {
  state: RemoteJobState;
  /** Events not seen before, oldest first. */
  events: ProviderEvent[];
  metrics: MetricPointInput[];
  checkpoints: CheckpointInput[];
};

export type ValidationIssue = { field: string; message: string };

export type CostEstimate = { billedTokens: number; epochs: number; usd: number };

export type Artifact = { kind: "model" | "checkpoint" | "results" | "adapter"; id: string; name: string };

export type ErrorClassification = { retry: boolean; message: string; code: string | null };

/**
 * What every backend shares: a name, config checks that name the field, and failures sorted into "retry" or
 * "tell the user". Config is the backend's own shape (FineTuneConfig hosted; the local config for local).
 */
export interface FineTuneProviderCore<Config> {
  readonly name: string;
  validateConfig(config: Config): ValidationIssue[];
  classifyError(err: unknown): ErrorClassification;
}

/** A hosted provider: files are uploaded, a remote job is created and polled. Client is the provider's SDK client. */
export interface FineTuneProvider<Client> extends FineTuneProviderCore<FineTuneConfig> {
  estimateCost(input: { billedTokens: number; epochs: number; usdPerMillionTokens: number }): CostEstimate;
  uploadFile(client: Client, input: { path?: string; content?: string | Buffer; filename: string }): Promise<string>;
  waitForFile(client: Client, fileId: string, opts?: { pollMs?: number; timeoutMs?: number; sleep?: (ms: number) => Promise<void> }): Promise<void>;
  createJob(client: Client, input: FineTuneConfig & { trainingFileId: string; validationFileId?: string | null }): Promise<{ remoteJobId: string; state: RemoteJobState }>;
  poll(client: Client, remoteJobId: string, opts?: { afterEventId?: string | null }): Promise<PollResult>;
  cancel(client: Client, remoteJobId: string): Promise<RemoteJobState>;
  listArtifacts(client: Client, remoteJobId: string): Promise<Artifact[]>;
}

import { stat } from "node:fs/promises";
import path from "node:path";
import type { Hyperparameter, Hyperparameters } from "../../providers/types";
import { JobFailure, type JobRow } from "./context";

// What a job row asks OpenAI for: the frozen files of its dataset version and its hyperparameters.
// Problems here are the user's to fix, so they fail the job with a message that says what to do.

export type UploadSpec = { kind: "training" | "validation"; field: "remoteTrainingFileId" | "remoteValidationFileId"; path: string; filename: string };

export async function uploadSpecs(row: JobRow, dataDir: string): Promise<UploadSpec[]> {
  const v = row.datasetVersion;
  if (!v) throw new JobFailure("dataset_version_missing", "This job has no dataset version to train on; launch it again from a frozen version.");
  const specs: UploadSpec[] = [{ kind: "training", field: "remoteTrainingFileId", path: resolveInside(dataDir, v.trainPath), filename: `tuneforge-${row.id}-train.jsonl` }];
  // A version without validation examples has an empty validation file; OpenAI would reject it, so none is sent.
  if (v.validationPath && v.validationCount > 0) {
    specs.push({ kind: "validation", field: "remoteValidationFileId", path: resolveInside(dataDir, v.validationPath), filename: `tuneforge-${row.id}-validation.jsonl` });
  }
  for (const s of specs) {
    const found = await stat(s.path).catch(() => null);
    if (!found?.isFile()) {
      throw new JobFailure(
        "dataset_file_missing",
        `The frozen ${s.kind} file of dataset version ${v.number} is missing from the data directory (${s.path}); restore it from a backup, or freeze a new version and launch again.`,
      );
    }
  }
  return specs;
}

function resolveInside(dataDir: string, rel: string): string {
  const full = path.resolve(dataDir, rel);
  if (full !== dataDir && !full.startsWith(dataDir + path.sep)) {
    throw new JobFailure("dataset_file_outside_data_dir", `The dataset version's file path "${rel}" points outside the data directory; it was not uploaded.`);
  }
  return full;
}

/** The row's hyperparameters JSON (snake_case as OpenAI names them, camelCase accepted) → the provider's. */
export function hyperparametersOf(json: unknown): Hyperparameters {
  const o = (json && typeof json === "object" ? json : {}) as Record<string, unknown>;
  const hp = (snake: string, camel: string): Hyperparameter | undefined => {
    const v = o[snake] ?? o[camel];
    return v === "auto" || (typeof v === "number" && Number.isFinite(v)) ? v : undefined;
  };
  const out: Hyperparameters = {};
  const set = (key: keyof Hyperparameters, v: Hyperparameter | undefined) => {
    if (v !== undefined) out[key] = v;
  };
  set("nEpochs", hp("n_epochs", "nEpochs"));
  set("batchSize", hp("batch_size", "batchSize"));
  set("learningRateMultiplier", hp("learning_rate_multiplier", "learningRateMultiplier"));
  set("beta", hp("beta", "beta"));
  return out;
}

import type { Artifact } from "@prisma/client";

// What the API and the job page's Artifacts panel show about a job's files. Paths stay relative to the
// data directory (the browser never needs to know where that is); sizes are plain numbers.

export type AdapterView = {
  path: string;
  sizeBytes: number;
  /** sha256 of adapter_model.safetensors (the weights), or the adapter artifact's recorded sha256. */
  sha256: string | null;
  files: { name: string; sizeBytes: number }[];
  downloadUrl: string;
};

export type CheckpointFilesView = { step: number; path: string; sizeBytes: number; metrics: Record<string, unknown>; downloadUrl: string };

export type MergedExportView = {
  id: string;
  status: "pending" | "running" | "ready" | "failed";
  path: string;
  sizeBytes: number;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
  /** Set once the export is ready. */
  downloadUrl: string | null;
};

export type JobArtifactsView = {
  jobId: string;
  provider: string;
  status: string;
  baseModel: string;
  adapter: AdapterView | null;
  /** Why there is no adapter to download (hosted job, still training, files gone). */
  adapterNote: string | null;
  checkpoints: CheckpointFilesView[];
  merged: MergedExportView[];
  /** The playground with this job preselected, for a succeeded local job with an adapter. */
  playgroundUrl: string | null;
};

export function mergedExportView(a: Artifact): MergedExportView {
  return {
    id: a.id,
    status: a.status,
    path: a.path,
    sizeBytes: Number(a.sizeBytes),
    errorMessage: a.errorMessage,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
    downloadUrl: a.status === "ready" ? `/api/artifacts/${a.id}/download` : null,
  };
}

import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { requestCancel } from "../../jobs/cancel";
import { checkLocalLaunch, launchLocalJob } from "../../jobs/launch/local";
import { localConfigSchema } from "../../jobs/local/config";
import { describeRunError } from "../../jobs/local/run/errors";
import type { JobView } from "../../jobs/types";
import type { Artifact, ErrorClassification, FineTuneProviderCore, ValidationIssue } from "../types";

// Local training as a provider: nothing is uploaded or polled remotely (the GPU worker runs the native trainer
// and writes the series itself), so it implements the common core plus launch / cancel / artifacts in local
// terms, delegating to lib/jobs (launch/local.ts, cancel.ts, local/run).

export interface LocalFineTuneProvider extends FineTuneProviderCore<unknown> {
  /** Tokens, steps and blocking issues for a launch request (the form's estimate). */
  estimate(request: unknown): ReturnType<typeof checkLocalLaunch>;
  launch(request: unknown): Promise<JobView>;
  cancel(jobId: string): Promise<JobView>;
  listArtifacts(jobId: string, db?: PrismaClient): Promise<Artifact[]>;
}

export const localProvider: LocalFineTuneProvider = {
  name: "local",
  validateConfig(config: unknown): ValidationIssue[] {
    const parsed = localConfigSchema.safeParse(config ?? {});
    return parsed.success ? [] : parsed.error.issues.map((i) => ({ field: i.path.join(".") || "config", message: i.message }));
  },
  classifyError(err: unknown): ErrorClassification {
    // A local failure is the data, the model or the machine: retrying the same run would fail the same way.
    const f = describeRunError(err, "train");
    return { retry: false, message: f.message, code: f.code };
  },
  estimate: (request) => checkLocalLaunch(request),
  launch: (request) => launchLocalJob(request),
  cancel: (jobId) => requestCancel(jobId),
  async listArtifacts(jobId, db = prisma()) {
    const [artifacts, checkpoints] = await Promise.all([
      db.artifact.findMany({ where: { jobId }, orderBy: { createdAt: "asc" } }),
      db.checkpoint.findMany({ where: { jobId, path: { not: null } }, orderBy: { step: "asc" } }),
    ]);
    return [
      ...artifacts.map((a) => ({ kind: a.kind === "adapter" ? ("adapter" as const) : a.kind === "merged_model" ? ("model" as const) : ("results" as const), id: a.id, name: a.path })),
      ...checkpoints.map((c) => ({ kind: "checkpoint" as const, id: c.id, name: c.path! })),
    ];
  },
};

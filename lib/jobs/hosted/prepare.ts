import { NotFoundError } from "openai";
import { uploadFineTuneFile } from "../../providers/openai/finetune";
import { publishJobSummary, recordJobEvent } from "../events";
import { JobFailure, type JobRow, type StepContext, type StepResult } from "./context";
import { createRemoteJob } from "./create";
import { uploadSpecs } from "./input";
import { recordStatusChange } from "./transitions";

// Before a remote job exists: upload each file, wait until OpenAI has processed it, then create the job.
// Each step does at most one side effect and records its result in Postgres before returning, so a worker
// killed at any point resumes here with the recorded file ids (checked, re-uploaded only on a 404) and
// finds a job whose create response was lost by its metadata instead of creating another.

export async function prepareStep(ctx: StepContext, row: JobRow): Promise<StepResult> {
  const { db, client } = ctx;
  if (row.status === "queued") {
    await db.fineTuneJob.update({ where: { id: row.id }, data: { status: "uploading" } });
    await recordStatusChange(ctx, row.id, row.status, "uploading");
    await publishJobSummary(db, ctx.pub, row.id);
  }
  const specs = await uploadSpecs(row, ctx.dataDir);
  // Upload every file first (OpenAI processes them in parallel), then wait for each.
  const missing = specs.find((spec) => !row[spec.field]);
  if (missing) {
    const fileId = await uploadFineTuneFile(client, { path: missing.path, filename: missing.filename });
    await db.fineTuneJob.update({ where: { id: row.id }, data: { [missing.field]: fileId } });
    await publishJobSummary(db, ctx.pub, row.id);
    return 0; // the next step re-reads the row with the id recorded
  }
  const ids: Partial<Record<(typeof specs)[number]["field"], string>> = {};
  for (const spec of specs) {
    const id = row[spec.field]!;
    if (!ctx.mem.processedFiles.has(id)) {
      const waiting = await checkFile(ctx, row, spec, id);
      if (waiting !== null) return waiting;
      ctx.mem.processedFiles.add(id);
    }
    ids[spec.field] = id;
  }

  await createRemoteJob(ctx, row, { trainingFileId: ids.remoteTrainingFileId!, validationFileId: ids.remoteValidationFileId ?? null });
  return 0;
}

/** null when the file is processed; a wait while OpenAI still processes it; 0 after clearing a vanished id. */
async function checkFile(ctx: StepContext, row: JobRow, spec: { kind: string; field: string; filename: string }, id: string): Promise<StepResult | null> {
  let file;
  try {
    file = await ctx.client.files.retrieve(id);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    // The recorded upload is gone (deleted on OpenAI's side): forget it, and the next step uploads again.
    await ctx.db.fineTuneJob.updateMany({ where: { id: row.id, [spec.field]: id }, data: { [spec.field]: null } });
    await recordJobEvent(ctx.db, ctx.pub, row.id, { level: "warn", message: `The uploaded ${spec.kind} file ${id} no longer exists on OpenAI; uploading it again.` });
    return 0;
  }
  const status = String(file.status);
  if (status === "processed") return null;
  if (status === "error" || status === "deleted" || status === "failed") {
    const details = file.status_details ? `: ${file.status_details}` : "";
    throw new JobFailure("file_processing_failed", `OpenAI could not process the ${spec.kind} file ${spec.filename} (${id}), status ${status}${details}`);
  }
  return ctx.timing.slowPollMs;
}

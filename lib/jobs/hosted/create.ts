import { createOrFindJob } from "../../providers/openai/finetune";
import { publishJobSummary } from "../events";
import type { JobRow, StepContext } from "./context";
import { hyperparametersOf } from "./input";
import { recordStatusChange } from "./transitions";

// The create step, once every file is processed. OpenAI's create has no idempotency key, so two guards:
// the job is tagged with our id and looked up by it first (a lost response is found, not repeated), and
// the create runs under a per-job Postgres advisory lock that re-checks the row inside it — two processes
// can hold the same job for a moment (a stalled job taken over while its first worker is merely slow), and
// the second then sees the recorded remote id (or the cancel request) and creates nothing.

export async function createRemoteJob(ctx: StepContext, row: JobRow, files: { trainingFileId: string; validationFileId: string | null }): Promise<void> {
  const { db, client } = ctx;
  const created = await db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`tuneforge:finetune:${row.id}`}, 0))`;
      const now = await tx.fineTuneJob.findUniqueOrThrow({ where: { id: row.id }, select: { remoteJobId: true, cancelRequestedAt: true } });
      if (now.remoteJobId || now.cancelRequestedAt) return null;
      const result = await createOrFindJob(client, {
        tuneforgeJobId: row.id,
        model: row.baseModel,
        method: row.method,
        hyperparameters: hyperparametersOf(row.hyperparameters),
        suffix: row.suffix,
        seed: row.seed,
        ...files,
      });
      // Committed with the lock's release; a crash before that is healed by the metadata lookup above.
      await tx.fineTuneJob.update({
        where: { id: row.id },
        data: { remoteJobId: result.remoteJobId, remoteStatus: result.state.remoteStatus, status: result.state.status },
      });
      return result;
    },
    { maxWait: 30_000, timeout: 5 * 60_000 },
  );
  if (!created) return;
  await recordStatusChange(ctx, row.id, row.status, created.state.status);
  await publishJobSummary(db, ctx.pub, row.id);
  ctx.log?.info(`[openai-jobs] job ${row.id}: remote job ${created.remoteJobId}${created.reused ? " (found by metadata after a lost response)" : ""}`);
}

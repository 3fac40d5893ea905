import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { prisma } from "../db/client";
import { HttpError } from "../http/errors";
import type { JobSummary } from "./types";
import { JOB_SUMMARY_INCLUDE, latestProgress, toJobSummary } from "./view";

// A job's note (PATCH /api/jobs/<id>, the job page, `tuneforge jobs note`): what the team learned from it ("lr 1e-4
// was too slow; try 2e-4"), shown in the jobs list and on the compare page. Any job, finished or not; empty clears.

export const MAX_NOTE_CHARS = 2000;

export const jobPatchSchema = z
  .object({
    note: z.string({ error: "must be text (an empty string clears it)" }).max(MAX_NOTE_CHARS, `must be at most ${MAX_NOTE_CHARS} characters`),
  })
  .strict();

export async function setJobNote(id: string, raw: unknown, opts: { db?: PrismaClient } = {}): Promise<JobSummary> {
  const db = opts.db ?? prisma();
  const parsed = jobPatchSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new HttpError(400, "invalid_field", i.code === "unrecognized_keys" ? `Only the note can be changed; remove ${i.keys.join(", ")}.` : `${i.path.join(".") || "body"}: ${i.message}.`);
  }
  const note = parsed.data.note.trim() || null;
  const { count } = await db.fineTuneJob.updateMany({ where: { id }, data: { note } });
  if (count === 0) throw new HttpError(404, "job_not_found", `No fine-tuning job with id ${id}`);
  const row = await db.fineTuneJob.findUniqueOrThrow({ where: { id }, include: JOB_SUMMARY_INCLUDE });
  return toJobSummary(row, (await latestProgress(db, [id])).get(id) ?? null);
}

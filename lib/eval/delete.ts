import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { HttpError } from "../http/errors";
import { evalRunNotFound } from "./view";

// Deleting a run removes its samples (cascade). A queued or running run is refused: its worker would keep
// writing samples of a run that no longer exists; cancel it first.

export async function deleteEvalRun(id: string, deps: { db?: PrismaClient } = {}): Promise<{ id: string }> {
  const db = deps.db ?? prisma();
  // One conditional delete, so a run that starts between a check and the delete is never removed.
  const { count } = await db.evalRun.deleteMany({ where: { id, status: { notIn: ["queued", "running"] } } });
  if (count === 1) return { id };
  const run = await db.evalRun.findUnique({ where: { id }, select: { status: true } });
  if (!run) throw evalRunNotFound(id);
  throw new HttpError(409, "eval_active", `Evaluation ${id} is ${run.status}; cancel it first (POST /api/evals/${id}/cancel), then delete it.`);
}

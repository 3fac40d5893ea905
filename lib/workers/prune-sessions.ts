import type { PrismaClient } from "@prisma/client";

// Sessions carry their own expiry; the auth check already refuses an expired one, so deleting them is
// housekeeping that keeps the table (and its unique index) small. Runs as the scheduled
// `system.pruneSessions` job.

export async function pruneExpiredSessions(opts: { db: PrismaClient; now?: Date }): Promise<{ deleted: number }> {
  const { count } = await opts.db.session.deleteMany({ where: { expiresAt: { lte: opts.now ?? new Date() } } });
  return { deleted: count };
}

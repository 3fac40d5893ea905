import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { pruneExpiredSessions } from "./prune-sessions";

const db = createPrismaClient();
const tag = randomBytes(4).toString("hex");
afterAll(async () => {
  await db.session.deleteMany({ where: { tokenHash: { startsWith: `prune-${tag}` } } });
  await db.$disconnect();
});

describe("pruneExpiredSessions", () => {
  it("deletes expired sessions and keeps live ones", async () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
    await db.session.createMany({
      data: [
        { tokenHash: `prune-${tag}-old`, expiresAt: at(-86_400_000) },
        { tokenHash: `prune-${tag}-just`, expiresAt: at(0) },
        { tokenHash: `prune-${tag}-live`, expiresAt: at(1000) },
      ],
    });
    const { deleted } = await pruneExpiredSessions({ db, now });
    // Other files' sessions expire before 2030 too, so at least ours were deleted.
    expect(deleted).toBeGreaterThanOrEqual(2);
    const left = await db.session.findMany({ where: { tokenHash: { startsWith: `prune-${tag}` } }, select: { tokenHash: true } });
    expect(left.map((s) => s.tokenHash)).toEqual([`prune-${tag}-live`]);
  });
});

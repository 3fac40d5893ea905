import { afterAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { setJobNote } from "./note";

// A job's note against Postgres: trimmed, cleared by blank text, and nothing but the note can be changed this way.

const db = prisma();
const made: string[] = [];

afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { id: { in: made } } });
  await db.$disconnect();
});

describe("setJobNote", () => {
  it("keeps the note trimmed, clears it on blank text, and refuses other fields", async () => {
    const job = await db.fineTuneJob.create({ data: { provider: "local", status: "running", baseModel: "tiny-chat" } });
    made.push(job.id);
    expect(await setJobNote(job.id, { note: "  lr too low\n" })).toMatchObject({ id: job.id, status: "running", note: "lr too low" });
    expect((await db.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).note).toBe("lr too low");
    await expect(setJobNote(job.id, { note: "x", status: "succeeded" })).rejects.toMatchObject({ status: 400, message: "Only the note can be changed; remove status." });
    await expect(setJobNote(job.id, { note: 3 })).rejects.toMatchObject({ status: 400, message: "note: must be text (an empty string clears it)." });
    expect(await setJobNote(job.id, { note: "   " })).toMatchObject({ note: null });
    expect((await db.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("running");
  });
});

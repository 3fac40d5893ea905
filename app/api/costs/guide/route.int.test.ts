import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import type { DatasetGuideAnswer } from "@/lib/cost/guide-dataset";
import { newExampleRow } from "@/lib/datasets/rows/build";
import { GET } from "./route";

// The guide route on a real dataset: 12 training + 3 validation examples, tagged, the first with an error
// (a conversation without an assistant reply).

const db = prisma();
let datasetId: string;
const get = (q: string) => new Request(`http://127.0.0.1:3000/api/costs/guide${q}`, { headers: { host: "127.0.0.1:3000" } });
const chat = (i: number) => ({ kind: "chat" as const, example: { messages: [{ role: "user" as const, content: `question ${i}` }, { role: "assistant" as const, content: `answer ${i}` }] } });
const broken = { kind: "chat" as const, example: { messages: [{ role: "user" as const, content: "no reply" }] } };

beforeAll(async () => {
  const ds = await db.dataset.create({ data: { name: `guide-${randomUUID()}` } });
  datasetId = ds.id;
  await db.example.createMany({
    data: [
      newExampleRow(broken, { datasetId, position: 0, tags: ["billing"] }),
      ...Array.from({ length: 14 }, (_, i) => newExampleRow(chat(i + 1), { datasetId, position: i + 1, split: i < 11 ? "train" : "validation", tags: [i % 2 ? "billing" : "outage"] })),
    ],
  });
});
afterAll(async () => {
  await db.dataset.delete({ where: { id: datasetId } });
  await db.$disconnect();
});

describe("GET /api/costs/guide", () => {
  it("checks the dataset's readiness: examples, coverage, validation, errors", async () => {
    const res = await GET(get(`?dataset=${datasetId}`));
    expect(res.status).toBe(200);
    const guide = (await res.json()) as DatasetGuideAnswer;
    expect(guide.facts).toMatchObject({ examples: 15, splits: { train: 12, validation: 3 }, withErrors: 1, distinctTags: 2, untagged: 0 });
    expect(Object.fromEntries(guide.items.map((i) => [i.code, i.status]))).toMatchObject({ examples: "warn", coverage: "ok", validation: "ok", errors: "fail" });
    expect(guide.verdict.level).toBe("not_yet");
  });

  it("a missing dataset is a 404; no dataset is a 400 that says what to send", async () => {
    expect((await GET(get("?dataset=nope"))).status).toBe(404);
    const res = await GET(get(""));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("dataset: choose a dataset (its id)");
  });
});

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { seedDefaultPrices } from "../../pricing/list";
import { analyzeDataset } from "../analysis/run";
import type { ConvertedRecord } from "../formats";
import { newExampleRow } from "../rows/build";
import { getDatasetStats } from "./stats";

// The statistics of a known dataset, after a real analysis, checked figure by figure.

const db = createPrismaClient();
const tag = randomBytes(4).toString("hex");
const created: string[] = [];

beforeAll(async () => {
  await seedDefaultPrices({ db });
});
afterAll(async () => {
  await db.dataset.deleteMany({ where: { id: { in: created } } });
  await db.$disconnect();
});

const chat = (user: string, assistant: string, extraTurns = 0) => {
  const messages: Record<string, string>[] = [{ role: "system", content: "You are TechCorp support." }];
  for (let i = 0; i < extraTurns; i++) messages.push({ role: "user", content: `earlier ${i}` }, { role: "assistant", content: `reply ${i}` });
  messages.push({ role: "user", content: user }, { role: "assistant", content: assistant });
  return { kind: "chat", example: { messages } } as ConvertedRecord;
};

describe("getDatasetStats", () => {
  it("summarises splits, tokens, histograms, tags, duplicates, billing and readiness", async () => {
    const ds = await db.dataset.create({ data: { name: `stats-${tag}` } });
    created.push(ds.id);
    const rows = [
      newExampleRow(chat("How do I reset my password?", "Use the reset link."), { datasetId: ds.id, position: 0, tags: ["account"] }),
      newExampleRow(chat("how do i reset my password?", "Use the reset link."), { datasetId: ds.id, position: 1, tags: ["account"] }),
      newExampleRow(chat("HOW DO I RESET MY PASSWORD?", "use the reset link."), { datasetId: ds.id, position: 2, tags: ["account"] }),
      newExampleRow(chat("Where is my invoice?", "Under Billing → Invoices."), { datasetId: ds.id, position: 3, tags: ["billing", "account"] }),
      newExampleRow(chat("Can I pay by card?", "Yes, all major cards.", 2), { datasetId: ds.id, position: 4 }),
      newExampleRow(chat("Where is my invoice?", "See Billing."), { datasetId: ds.id, position: 5, split: "validation", tags: ["billing"] }),
      newExampleRow(chat("", "An empty question."), { datasetId: ds.id, position: 6 }),
    ];
    await db.example.createMany({ data: rows });
    const before = await getDatasetStats({ db, datasetId: ds.id });
    expect(before).toMatchObject({ examples: 7, counted: 0, analysisPending: true, totalTokens: 0 });
    expect(before!.readiness[0]).toMatchObject({ code: "counting_pending", message: expect.stringContaining("0 of 7 examples counted") });
    expect(before!.tokensPerExample.buckets).toEqual([]);

    await analyzeDataset({ db, datasetId: ds.id, revision: 0, threads: 1 });
    const stats = (await getDatasetStats({ db, datasetId: ds.id }))!;
    const examples = await db.example.findMany({ where: { datasetId: ds.id }, orderBy: { position: "asc" } });
    const tokens = examples.map((e) => e.tokenCount!);
    const trainTokens = examples.filter((e) => e.split === "train").reduce((s, e) => s + e.tokenCount!, 0);

    expect(stats).toMatchObject({
      examples: 7,
      splits: { train: 6, validation: 1, test: 0 },
      kinds: { chat: 7, preference: 0 },
      counted: 7,
      analysisPending: false,
      totalTokens: tokens.reduce((a, b) => a + b, 0),
      overLimit: 0,
      tokenLimit: 65_536,
      withErrors: 1,
      untagged: 2,
      distinctTags: 2,
      tags: [{ tag: "account", count: 4 }, { tag: "billing", count: 2 }],
      duplicates: { exactRows: 2, nearRows: 0, leakedRows: 1, truncated: false },
    });
    // Histograms hold every row once.
    const total = (h: { buckets: { count: number }[] }) => h.buckets.reduce((s, b) => s + b.count, 0);
    expect(total(stats.tokensPerExample)).toBe(7);
    expect(total(stats.assistantTokens)).toBe(7);
    expect(total(stats.messagesPerExample)).toBe(7);
    expect(stats.messagesPerExample.buckets.find((b) => b.from <= 7 && 7 < b.to)!.count).toBe(1);
    expect(stats.issuesByCode).toEqual(expect.arrayContaining([{ code: "exact_duplicate", severity: "warning", count: 2 }, { code: "split_leakage", severity: "warning", count: 1 }]));
    // One cluster: example #1 and its two copies, linked by id.
    expect(stats.duplicates.clusters).toHaveLength(1);
    expect(stats.duplicates.clusters[0]).toMatchObject({ kind: "exact", original: { id: examples[0]!.id, position: 0 }, copies: [{ id: examples[1]!.id, position: 1 }, { id: examples[2]!.id, position: 2 }] });
    // Billing: 6 training examples → 16 epochs (the cookbook's 100 // 6), price of gpt-4o-mini from the table.
    expect(stats.billing).toMatchObject({ trainExamples: 6, epochs: 16, tokensPerEpoch: trainTokens, billedTokens: trainTokens * 16, priceModel: "gpt-4o-mini-2024-07-18" });
    const price = await db.priceEntry.findFirstOrThrow({ where: { model: "gpt-4o-mini-2024-07-18" } });
    expect(stats.billing.usd).toBeCloseTo((trainTokens * 16 * price.trainingPerMTok.toNumber()) / 1e6, 10);
    expect(stats.readiness.map((i) => `${i.level}:${i.code}`)).toEqual([
      "error:too_few_examples",
      "ok:validation_split",
      "error:examples_with_errors",
      "warning:duplicates",
      "warning:split_leakage",
    ]);
  });

  it("is null for a missing dataset and empty for an empty one", async () => {
    expect(await getDatasetStats({ db, datasetId: "nope" })).toBeNull();
    const ds = await db.dataset.create({ data: { name: `stats-empty-${tag}` } });
    created.push(ds.id);
    const stats = (await getDatasetStats({ db, datasetId: ds.id }))!;
    expect(stats).toMatchObject({ examples: 0, tags: [], duplicates: { clusters: [] }, billing: { billedTokens: 0, usd: 0 } });
    expect(stats.readiness).toEqual([{ level: "error", code: "empty", message: expect.stringContaining("no examples yet") }]);
  });
});

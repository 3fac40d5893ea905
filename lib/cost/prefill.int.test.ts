import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { roiPrefillForJob } from "./prefill";

const db = createPrismaClient();
const created: string[] = [];
const tag = randomUUID().slice(0, 8);

async function job(data: { status: "running" | "succeeded" | "queued"; baseModel: string; trainedTokens?: number; estimatedTokensPerEpoch?: number; estimatedEpochs?: number; fineTunedModel?: string }) {
  const j = await db.fineTuneJob.create({ data: { provider: "openai", suffix: tag, ...data } });
  created.push(j.id);
  return j.id;
}

afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { id: { in: created } } });
  await db.$disconnect();
});

describe("roiPrefillForJob", () => {
  it("a finished job gives its trained tokens and base model", async () => {
    const id = await job({ status: "succeeded", baseModel: "gpt-4o-mini-2024-07-18", trainedTokens: 123_456, estimatedTokensPerEpoch: 40_000, estimatedEpochs: 3, fineTunedModel: `ft:gpt-4o-mini-2024-07-18:org:${tag}:x1` });
    expect(await roiPrefillForJob({ db, jobId: id })).toEqual({
      jobId: id,
      status: "succeeded",
      baseModel: "gpt-4o-mini-2024-07-18",
      fineTunedModel: `ft:gpt-4o-mini-2024-07-18:org:${tag}:x1`,
      trainingTokens: 123_456,
      tokensFrom: "trained",
    });
  });

  it("a running job gives the launch estimate (tokens per epoch × epochs)", async () => {
    const id = await job({ status: "running", baseModel: "gpt-4.1-mini-2025-04-14", estimatedTokensPerEpoch: 40_000, estimatedEpochs: 3 });
    expect(await roiPrefillForJob({ db, jobId: id })).toMatchObject({ trainingTokens: 120_000, tokensFrom: "estimated", fineTunedModel: null });
  });

  it("a job fine-tuning a fine-tuned model is priced by its base; no tokens known yet → null", async () => {
    const id = await job({ status: "queued", baseModel: "ft:gpt-4o-mini-2024-07-18:org::abc" });
    expect(await roiPrefillForJob({ db, jobId: id })).toMatchObject({ baseModel: "gpt-4o-mini-2024-07-18", trainingTokens: null, tokensFrom: null });
  });

  it("an unknown id is null", async () => {
    expect(await roiPrefillForJob({ db, jobId: `missing-${tag}` })).toBeNull();
  });
});

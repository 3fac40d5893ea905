import { APIConnectionError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { noFaults } from "../../../../test/openai-emulator/faults";
import { startOpenAIEmulator, type OpenAIEmulator } from "../../../../test/openai-emulator/server";
import { chatJsonl } from "../../../../test/openai-emulator/test-helpers";
import { createOrFindJob } from "./create";
import { classifyOpenAIError, WIND_DOWN_EXPLANATION } from "./errors";
import { pollJob } from "./poll";
import { emulatorClient } from "./test-support";
import { uploadFineTuneFile } from "./upload";

// Failures the worker must survive: a lost create response, the wind-down 403, 429s and 500s.

let emu: OpenAIEmulator;
let trainingFileId: string;
beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true });
  trainingFileId = await uploadFineTuneFile(emulatorClient(emu.url), { content: chatJsonl(10), filename: "t.jsonl" });
  emu.advance(1000);
});
afterAll(() => emu.close());
beforeEach(() => {
  Object.assign(emu.faults, noFaults());
  emu.requests.length = 0;
});

const jobPosts = () => emu.requests.filter((r) => r.method === "POST" && r.path === "/v1/fine_tuning/jobs");

describe("OpenAI fine-tuning errors", () => {
  it("after a dropped create response, a retry finds the job by metadata instead of creating a second", async () => {
    emu.faults.dropJobCreateResponses = 1;
    const client = emulatorClient(emu.url, 0);
    const input = { tuneforgeJobId: "tf-dropped", model: "gpt-4o-mini-2024-07-18", trainingFileId };
    const err = await createOrFindJob(client, input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(classifyOpenAIError(err).retry).toBe(true);

    const again = await createOrFindJob(client, input);
    expect(again.reused).toBe(true);
    expect(emu.state.jobs.size).toBe(1);
    expect(jobPosts()).toHaveLength(1);
    expect((await client.fineTuning.jobs.retrieve(again.remoteJobId)).metadata).toEqual({ tuneforge_job_id: "tf-dropped" });
  });

  it("403 training_not_available is not retried and keeps OpenAI's text plus the wind-down explanation", async () => {
    emu.faults.trainingNotAvailable = true;
    const client = emulatorClient(emu.url, 2); // the SDK's own retries must not fire on a 403 either
    const err = await createOrFindJob(client, { tuneforgeJobId: "tf-403", model: "gpt-4o-mini-2024-07-18", trainingFileId }).catch((e: unknown) => e);
    expect(jobPosts()).toHaveLength(1);
    const c = classifyOpenAIError(err);
    expect(c).toMatchObject({ retry: false, code: "training_not_available" });
    expect(c.message.startsWith("OpenAI is winding down the fine-tuning platform and your organization is no longer able to create new fine-tuning training jobs.")).toBe(true);
    expect(c.message).toContain(WIND_DOWN_EXPLANATION);
    expect(c.message).toMatch(/2027-01-06/);
    expect(c.message).toMatch(/local training/);
  });

  it("classifies 429 and 500 as retryable, and 400/404 as permanent with the provider's message verbatim", async () => {
    const client = emulatorClient(emu.url, 0);
    emu.faults.rateLimitNext = 1;
    const rate = classifyOpenAIError(await pollJob(client, "ftjob-any").catch((e: unknown) => e));
    expect(rate).toMatchObject({ retry: true, code: "rate_limit_exceeded" });
    expect(rate.message).toMatch(/429/);

    emu.faults.serverErrorNext = 1;
    expect(classifyOpenAIError(await client.fineTuning.jobs.list().catch((e: unknown) => e)).retry).toBe(true);

    const missing = classifyOpenAIError(await pollJob(client, "ftjob-nope").catch((e: unknown) => e));
    expect(missing.retry).toBe(false);
    const bad = classifyOpenAIError(await client.fineTuning.jobs.create({ model: "gpt-9", training_file: trainingFileId }).catch((e: unknown) => e));
    expect(bad).toMatchObject({ retry: false, code: "model_not_available" });
    expect(bad.message).not.toMatch(/^400/);
  });

  it("treats an unreachable server as retryable", async () => {
    const client = emulatorClient("http://127.0.0.1:1/v1", 0);
    const c = classifyOpenAIError(await client.fineTuning.jobs.list().catch((e: unknown) => e));
    expect(c.retry).toBe(true);
    expect(c.message).toMatch(/Cannot reach/);
  });
});

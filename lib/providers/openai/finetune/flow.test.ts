import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatJsonl } from "../../../../test/openai-emulator/test-helpers";
import { startOpenAIEmulator, type OpenAIEmulator } from "../../../../test/openai-emulator/server";
import type { MetricPointInput, ProviderEvent } from "../../types";
import { cancelJob } from "./cancel";
import { createOrFindJob } from "./create";
import { openAIProvider } from "./index";
import { pollJob } from "./poll";
import { readResultsCsv } from "./results";
import { emulatorClient } from "./test-support";
import { uploadFineTuneFile, waitForFile } from "./upload";

// The whole launch → poll → results flow against the emulator on a manual clock, through the real SDK.

let emu: OpenAIEmulator;
let client: OpenAI;
beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true });
  client = emulatorClient(emu.url);
});
afterAll(() => emu.close());

// Waiting "sleeps" by moving the emulator's clock, so file processing takes no wall time.
const advancingSleep = async (ms: number) => emu.advance(ms);

async function uploaded(text: string, filename = "train.jsonl") {
  const id = await uploadFineTuneFile(client, { content: text, filename });
  await waitForFile(client, id, { pollMs: 200, timeoutMs: 5000, sleep: advancingSleep });
  return id;
}

describe("OpenAI fine-tuning steps", () => {
  it("uploads, creates, polls to success with each event once, metrics, checkpoints and the decoded results CSV", async () => {
    const trainingFileId = await uploaded(chatJsonl(20));
    const validationFileId = await uploaded(chatJsonl(10), "valid.jsonl");
    expect((await client.files.retrieve(trainingFileId)).status).toBe("processed");

    const { remoteJobId, state, reused } = await createOrFindJob(client, {
      tuneforgeJobId: "tf-happy", model: "gpt-4o-mini-2024-07-18", trainingFileId, validationFileId, suffix: "support", seed: 7,
      method: "supervised", hyperparameters: { nEpochs: 3, batchSize: 2, learningRateMultiplier: "auto" },
    });
    expect(reused).toBe(false);
    expect(state).toMatchObject({ status: "validating_files", remoteStatus: "validating_files", error: null, fineTunedModel: null });
    expect((await client.fineTuning.jobs.retrieve(remoteJobId)).metadata).toEqual({ tuneforge_job_id: "tf-happy" });

    // Poll in small clock steps with a tiny page size so new events span several newest-first pages.
    const events: ProviderEvent[] = [];
    const metrics: MetricPointInput[] = [];
    const statuses: string[] = [];
    let last: Awaited<ReturnType<typeof pollJob>> | undefined;
    for (let i = 0; i < 30 && last?.state.status !== "succeeded"; i++) {
      last = await pollJob(client, remoteJobId, { afterEventId: events.at(-1)?.remoteId ?? null, pageSize: 3 });
      events.push(...last.events);
      metrics.push(...last.metrics);
      statuses.push(last.state.status);
      emu.advance(1000);
    }
    expect(last!.state.status).toBe("succeeded");
    expect(statuses).toEqual(expect.arrayContaining(["validating_files", "queued", "running", "succeeded"]));

    expect(new Set(events.map((e) => e.remoteId)).size).toBe(events.length);
    expect(events[0]!.message).toBe(`Created fine-tuning job: ${remoteJobId}`);
    expect(events.at(-1)!.message).toBe("The job has successfully completed");
    const times = events.map((e) => e.at.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // Every event the API holds was delivered exactly once.
    const all = [];
    for await (const e of client.fineTuning.jobs.listEvents(remoteJobId, { limit: 100 })) all.push(e.id);
    expect(events.map((e) => e.remoteId)).toEqual(all.reverse());

    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(metrics[0]).toMatchObject({ totalSteps: 30, validLoss: null, fullValidLoss: null, trainLoss: expect.any(Number), trainAccuracy: expect.any(Number) });
    expect(metrics[9]).toMatchObject({ validLoss: expect.any(Number), validAccuracy: expect.any(Number), fullValidLoss: expect.any(Number), fullValidAccuracy: expect.any(Number) });

    const done = last!.state;
    expect(done.fineTunedModel).toMatch(/^ft:gpt-4o-mini-2024-07-18:[^:]*:support:/);
    expect(done.trainedTokens).toBeGreaterThan(0);
    expect(done.error).toBeNull();
    expect(done.hyperparameters).toMatchObject({ n_epochs: 3, batch_size: 2, learning_rate_multiplier: expect.any(Number) });
    expect(last!.checkpoints.map((c) => c.step)).toEqual([10, 20, 30]);
    expect(last!.checkpoints[2]!.model).toBe(done.fineTunedModel);
    expect(last!.checkpoints[0]!.model).toBe(`${done.fineTunedModel}:ckpt-step-10`);

    const rows = await readResultsCsv(client, done.resultFileIds[0]!);
    expect(rows).toHaveLength(30);
    expect(rows[0]).toMatchObject({ step: 1, train_loss: expect.any(Number), valid_loss: null });
    expect(rows[9]).toMatchObject({ step: 10, valid_loss: expect.any(Number), valid_mean_token_accuracy: expect.any(Number) });

    const artifacts = await openAIProvider.listArtifacts(client, remoteJobId);
    expect(artifacts.map((a) => a.kind)).toEqual(["model", "checkpoint", "checkpoint", "results"]);
    // A later poll with the newest id returns nothing new.
    expect((await pollJob(client, remoteJobId, { afterEventId: events.at(-1)!.remoteId })).events).toEqual([]);
  });

  it("cancels a running job, and cancelling again returns the state instead of throwing", async () => {
    const trainingFileId = await uploaded(chatJsonl(40));
    const { remoteJobId } = await createOrFindJob(client, { tuneforgeJobId: "tf-cancel", model: "gpt-4o-mini-2024-07-18", trainingFileId });
    emu.advance(2000 + 2000 + 5 * 200);
    expect((await pollJob(client, remoteJobId)).state.status).toBe("running");
    expect(await cancelJob(client, remoteJobId)).toMatchObject({ status: "cancelled", fineTunedModel: null });
    expect(await cancelJob(client, remoteJobId)).toMatchObject({ status: "cancelled" });
  });

  it("reports a training file that fails validation as a failed state with OpenAI's code and message", async () => {
    const trainingFileId = await uploaded(chatJsonl(7));
    const { remoteJobId } = await createOrFindJob(client, { tuneforgeJobId: "tf-small", model: "gpt-4o-mini-2024-07-18", trainingFileId });
    emu.advance(2000);
    const { state } = await pollJob(client, remoteJobId);
    expect(state).toMatchObject({
      status: "failed",
      error: { code: "invalid_n_examples", message: "Training file has 7 example(s), but must have at least 10 examples" },
    });
    expect(await cancelJob(client, remoteJobId)).toMatchObject({ status: "failed" });
  });
});

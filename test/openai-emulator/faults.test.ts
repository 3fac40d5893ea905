import { APIConnectionError, InternalServerError, PermissionDeniedError, RateLimitError, toFile } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { noFaults } from "./faults";
import { startOpenAIEmulator, type OpenAIEmulator } from "./server";
import { chatJsonl, sdk } from "./test-helpers";

// The failure switches, seen through the SDK the way the worker will see them.

let emu: OpenAIEmulator;
let trainingFile: string;
beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true });
  trainingFile = (await sdk(emu.url).files.create({ file: await toFile(Buffer.from(chatJsonl(10)), "t.jsonl"), purpose: "fine-tune" })).id;
});
afterAll(() => emu.close());
beforeEach(() => {
  Object.assign(emu.faults, noFaults());
  emu.requests.length = 0;
});

describe("OpenAI emulator: fault switches", () => {
  it("answers job creation with the wind-down 403 training_not_available", async () => {
    emu.faults.trainingNotAvailable = true;
    const err = await sdk(emu.url, 2).fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: trainingFile }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    const e = err as PermissionDeniedError;
    expect(e).toMatchObject({ status: 403, code: "training_not_available", type: "invalid_request_error", param: null });
    expect(e.message).toMatch(/^403 OpenAI is winding down the fine-tuning platform/);
    expect(emu.requests).toHaveLength(1); // a 403 is not retried
    expect(emu.state.jobs.size).toBe(0);
  });

  it("sends 429 with retry-after, and the SDK waits that long and retries", async () => {
    emu.faults.rateLimitNext = 2;
    emu.faults.retryAfterSeconds = 0.3;
    const started = Date.now();
    const page = await sdk(emu.url, 2).fineTuning.jobs.list();
    const elapsed = Date.now() - started;
    expect(page.has_more).toBe(false);
    expect(emu.requests.map((r) => [r.status, r.retryCount])).toEqual([[429, 0], [429, 1], [200, 2]]);
    // 2 × 0.3 s from retry-after; the SDK's own backoff for these two retries would be at least 1.125 s.
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(1100);
  });

  it("exposes the 429's retry-after and code when retries are off", async () => {
    emu.faults.rateLimitNext = 1;
    const err = (await sdk(emu.url).models.list().catch((e: unknown) => e)) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.code).toBe("rate_limit_exceeded");
    expect(err.headers.get("retry-after")).toBe("1");
    expect((await sdk(emu.url).models.list()).data.length).toBeGreaterThan(0); // only the next N requests
  });

  it("returns 500 server_error for the next N requests", async () => {
    emu.faults.serverErrorNext = 1;
    await expect(sdk(emu.url).fineTuning.jobs.list()).rejects.toBeInstanceOf(InternalServerError);
    expect((await sdk(emu.url).fineTuning.jobs.list()).has_more).toBe(false);
    expect(emu.requests.map((r) => r.status)).toEqual([500, 200]);
  });

  it("creates the job but drops the response; jobs.list by metadata finds exactly one", async () => {
    emu.faults.dropJobCreateResponses = 1;
    const client = sdk(emu.url);
    const metadata = { dashboard_run_id: "run-dropped" };
    const err = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: trainingFile, metadata }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIConnectionError);
    const found = await client.fineTuning.jobs.list({ metadata });
    expect(found.data).toHaveLength(1);
    expect(found.data[0]).toMatchObject({ status: "validating_files", metadata });
    expect(emu.faults.dropJobCreateResponses).toBe(0);
    // The switch is spent: the next create answers normally.
    const next = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: trainingFile });
    expect(next.id).not.toBe(found.data[0]!.id);
  });

  it("takes switches as options at start", async () => {
    const other = await startOpenAIEmulator({ faults: { serverErrorNext: 1 } });
    try {
      await expect(sdk(other.url).models.list()).rejects.toBeInstanceOf(InternalServerError);
    } finally {
      await other.close();
    }
  });
});

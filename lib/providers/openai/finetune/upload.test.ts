import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatJsonl } from "../../../../test/openai-emulator/test-helpers";
import { startOpenAIEmulator, type OpenAIEmulator } from "../../../../test/openai-emulator/server";
import { emulatorClient } from "./test-support";
import { uploadFineTuneFile, waitForFile } from "./upload";

// waitForFile against the emulator through the real SDK: a file that is processed, one OpenAI could not process
// (the emulator's failFileProcessingNext switch) and one stuck in "uploaded" (stallFileProcessing).

let emu: OpenAIEmulator;
let client: OpenAI;
beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true, timing: { fileProcessingMs: 500 } });
  client = emulatorClient(emu.url);
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.faults.failFileProcessingNext = 0;
  emu.faults.stallFileProcessing = false;
});

// Waiting "sleeps" by moving the emulator's clock; the retrieve calls are counted from the request log.
const advancingSleep = async (ms: number) => emu.advance(ms);
const retrievesOf = (id: string) => emu.requests.filter((r) => r.method === "GET" && r.path === `/v1/files/${id}`).length;

describe("waitForFile", () => {
  it("returns once the file is processed", async () => {
    const id = await uploadFineTuneFile(client, { content: chatJsonl(12), filename: "train.jsonl" });
    await waitForFile(client, id, { pollMs: 200, sleep: advancingSleep });
    expect((await client.files.retrieve(id)).status).toBe("processed");
    // 0 ms, 200 ms: still uploaded; 400 ms… the third or fourth look sees it processed (500 ms).
    expect(retrievesOf(id)).toBeGreaterThanOrEqual(3);
  });

  it("fails with an error that names the file when OpenAI could not process it", async () => {
    emu.faults.failFileProcessingNext = 1;
    const id = await uploadFineTuneFile(client, { content: chatJsonl(12), filename: "broken.jsonl" });
    await expect(waitForFile(client, id, { pollMs: 200, sleep: advancingSleep })).rejects.toThrow(
      new RegExp(`OpenAI could not process file broken\\.jsonl \\(${id}\\), status error: The file could not be processed`),
    );
  });

  it("gives up after the timeout on a file stuck in uploaded", async () => {
    emu.faults.stallFileProcessing = true;
    const id = await uploadFineTuneFile(client, { content: chatJsonl(12), filename: "stuck.jsonl" });
    await expect(waitForFile(client, id, { pollMs: 1000, timeoutMs: 3000, sleep: advancingSleep })).rejects.toThrow(
      new RegExp(`${id}.*still "uploaded" after 3 s`),
    );
    expect(retrievesOf(id)).toBe(4);
  });
});

import type OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { waitForFile } from "./upload";

// File states the emulator never produces (OpenAI's "error", a file stuck in "uploaded"), via a stub
// that answers files.retrieve from a script.

function stub(statuses: string[], details: string | null = null): { client: OpenAI; calls: () => number } {
  let i = 0;
  const client = {
    files: {
      retrieve: async (id: string) => ({ id, filename: "train.jsonl", status: statuses[Math.min(i++, statuses.length - 1)], status_details: details }),
    },
  } as unknown as OpenAI;
  return { client, calls: () => i };
}

const noSleep = async () => {};

describe("waitForFile", () => {
  it("returns once the file is processed", async () => {
    const s = stub(["uploaded", "uploaded", "processed"]);
    await waitForFile(s.client, "file-1", { pollMs: 10, sleep: noSleep });
    expect(s.calls()).toBe(3);
  });

  it("fails with an error that names the file when OpenAI could not process it", async () => {
    const s = stub(["uploaded", "error"], "Invalid file format.");
    await expect(waitForFile(s.client, "file-2", { pollMs: 10, sleep: noSleep })).rejects.toThrow(
      "OpenAI could not process file train.jsonl (file-2), status error: Invalid file format.",
    );
  });

  it("gives up after the timeout", async () => {
    const s = stub(["uploaded"]);
    await expect(waitForFile(s.client, "file-3", { pollMs: 1000, timeoutMs: 3000, sleep: noSleep })).rejects.toThrow(/file-3.*still "uploaded" after 3 s/);
    expect(s.calls()).toBe(4);
  });
});

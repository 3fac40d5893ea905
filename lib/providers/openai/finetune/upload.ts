import { readFile } from "node:fs/promises";
import type OpenAI from "openai";
import { toFile } from "openai";

// Step 1 of a launch: upload a JSONL file with purpose fine-tune, then wait until OpenAI has processed it
// (jobs.create rejects files that are still "uploaded"). The caller records the file id right after
// uploadFineTuneFile returns, so a crash before job creation reuses the file instead of uploading twice.

export type UploadInput = { path?: string; content?: string | Buffer; filename: string };

export async function uploadFineTuneFile(client: OpenAI, input: UploadInput): Promise<string> {
  const data = input.content !== undefined ? Buffer.from(input.content) : input.path ? await readFile(input.path) : null;
  if (!data) throw new Error(`Nothing to upload for ${input.filename}: give a path or content.`);
  const file = await client.files.create({ file: await toFile(data, input.filename), purpose: "fine-tune" });
  return file.id;
}

export type WaitOptions = { pollMs?: number; timeoutMs?: number; sleep?: (ms: number) => Promise<void> };

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitForFile(client: OpenAI, fileId: string, opts: WaitOptions = {}): Promise<void> {
  const pollMs = opts.pollMs ?? 2000;
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const sleep = opts.sleep ?? realSleep;
  // Count time by the sleeps we asked for, so an injected (fake) sleep also bounds the wait.
  for (let waited = 0; ; waited += pollMs) {
    const file = await client.files.retrieve(fileId);
    const status = file.status as string;
    if (status === "processed") return;
    if (status === "error" || status === "failed" || status === "deleted") {
      const details = file.status_details ? `: ${file.status_details}` : "";
      throw new Error(`OpenAI could not process file ${file.filename} (${fileId}), status ${status}${details}`);
    }
    if (waited >= timeoutMs) throw new Error(`File ${file.filename} (${fileId}) was still "${status}" after ${Math.round(timeoutMs / 1000)} s.`);
    await sleep(pollMs);
  }
}

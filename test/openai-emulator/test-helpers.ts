import OpenAI from "openai";

// Shared bits for the emulator's own tests: an SDK client and small valid/invalid training files.

export const sdk = (url: string, maxRetries = 0) => new OpenAI({ apiKey: "sk-test-emu", baseURL: url, maxRetries, timeout: 5000 });

export function chatJsonl(n: number): string {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "system", content: "You answer in one word." },
        { role: "user", content: `What is ${i} + 1?` },
        { role: "assistant", content: String(i + 1) },
      ],
    }),
  ).join("\n") + "\n";
}

/**
 * Trains an emulator fine-tune on `jsonl` and returns its `ft:` model once the job has succeeded. On a manual
 * clock the clock is advanced; on a real clock the emulator's phases should be short (timing options).
 */
export async function fineTunedModel(emu: { url: string; clock: { manual: boolean }; advance(ms: number): void }, jsonl: string, suffix = "eval"): Promise<string> {
  const client = sdk(emu.url);
  const file = await client.files.create({ file: new File([jsonl], "train.jsonl"), purpose: "fine-tune" });
  const job = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: file.id, suffix });
  for (let i = 0; i < 10_000; i++) {
    if (emu.clock.manual) emu.advance(60_000);
    else await new Promise((r) => setTimeout(r, 20));
    const now = await client.fineTuning.jobs.retrieve(job.id);
    if (now.status === "succeeded") return now.fine_tuned_model!;
    if (now.status === "failed" || now.status === "cancelled") throw new Error(`emulator job ${job.id} ${now.status}: ${JSON.stringify(now.error)}`);
  }
  throw new Error(`emulator job ${job.id} did not finish`);
}

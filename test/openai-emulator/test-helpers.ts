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

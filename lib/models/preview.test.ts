import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../testing/tiny-model";
import { loadChatTokenizer } from "../tokenizer/chat-tokenizer";
import { tokenizeChat } from "../tokenizer/masks";
import { previewExample } from "./preview";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tf-preview-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const chat = loadChatTokenizer(writeTinyModel({ dir: path.join(tmp, "tiny"), preset: "tiny", seed: 1 }).dir);

const messages = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Capital of France?\nOne word." },
  { role: "assistant", content: "Paris." },
  { role: "user", content: "And Italy — café?" },
  { role: "assistant", content: "Rome.", weight: 0 },
  { role: "user", content: "Spain?" },
  { role: "assistant", content: [{ type: "text", text: "Madrid." }] },
];

describe("previewExample", () => {
  const p = previewExample(chat, { messages }, 10_000);

  it("covers the rendered ChatML text exactly, token by token, with the tokenizer's ids", () => {
    expect(p.rendered).toContain("<|im_start|>user\nCapital of France?\nOne word.<|im_end|>\n");
    expect(p.tokens.map((t) => t.text).join("")).toBe(p.rendered);
    expect(p.tokens.map((t) => t.id)).toEqual(chat.encode(p.rendered));
    // Spans are contiguous and in order; a multi-byte character (é, —) may be shared by several byte tokens.
    for (const [i, t] of p.tokens.entries()) {
      expect(p.rendered.slice(t.start, t.end)).toBe(t.text || p.rendered.slice(t.start, t.end));
      if (i > 0) expect(t.start).toBeGreaterThanOrEqual(p.tokens[i - 1]!.start);
    }
    expect(p.tokens.find((t) => t.text === "<|im_start|>")?.special).toBe(true);
  });

  it("marks exactly the trainer's loss mask: both weighted assistant replies, not the weight-0 one", () => {
    const { lossMask } = tokenizeChat(chat, { messages: messages.map((m) => ({ ...m, content: typeof m.content === "string" ? m.content : "Madrid." })) });
    expect(p.tokens.map((t) => (t.trained ? 1 : 0))).toEqual(lossMask);
    const trainedText = p.tokens.filter((t) => t.trained).map((t) => t.text).join("");
    expect(trainedText).toBe("Paris.<|im_end|>\nMadrid.<|im_end|>\n");
    expect(trainedText).not.toContain("Rome");
    expect(p.counts).toMatchObject({ total: p.tokens.length, trained: lossMask.filter((m) => m === 1).length, truncated: 0 });
    expect(p.counts.trainedKept).toBe(p.counts.trained);
  });

  it("marks tokens at or beyond max_seq_len as truncated and counts what training keeps", () => {
    const firstTrained = p.tokens.find((t) => t.trained)!.index;
    const cut = previewExample(chat, { messages }, firstTrained + 2);
    expect(cut.tokens.filter((t) => t.truncated).map((t) => t.index)).toEqual(p.tokens.slice(firstTrained + 2).map((t) => t.index));
    expect(cut.counts.truncated).toBe(p.tokens.length - firstTrained - 2);
    expect(cut.counts.trainedKept).toBe(2);
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../testing/tiny-model";
import { loadChatTokenizer } from "./chat-tokenizer";
import { StreamDecoder } from "./stream";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stream-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const chat = loadChatTokenizer(writeTinyModel({ dir: path.join(tmp, "m") }).dir);

function feed(text: string, stops: string[]): { pieces: string[]; d: StreamDecoder } {
  const d = new StreamDecoder(chat, stops);
  const pieces = chat.encode(text).map((id) => d.push(id));
  pieces.push(d.flush());
  return { pieces, d };
}

describe("StreamDecoder", () => {
  it("emits exactly the text, never a broken UTF-8 character", () => {
    const text = "héllo 日本 🙂 world";
    const { pieces, d } = feed(text, []);
    expect(pieces.join("")).toBe(text);
    expect(pieces.some((p) => p.includes("\uFFFD"))).toBe(false);
    expect(d.stopped).toBe(false);
  });

  it("stops at a stop string, emitting nothing of it even when it spans tokens", () => {
    const { pieces, d } = feed('{"answer": "yes"}\nEND more text', ["\nEND"]);
    expect(d.stopped).toBe(true);
    expect(pieces.join("")).toBe('{"answer": "yes"}');
    expect(d.text).toBe('{"answer": "yes"}');
  });

  it("releases a held-back prefix that did not become a stop string", () => {
    const { pieces, d } = feed("the END? no, the ENDING", ["END!"]);
    expect(d.stopped).toBe(false);
    expect(pieces.join("")).toBe("the END? no, the ENDING");
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../testing/tiny-model";
import { loadChatTokenizer, type ChatTokenizer } from "../tokenizer/chat-tokenizer";
import { localTokenCounter } from "./local";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tokens-local-"));
let chat: ChatTokenizer;
beforeAll(() => {
  chat = loadChatTokenizer(writeTinyModel({ dir: path.join(tmp, "m") }).dir);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("localTokenCounter", () => {
  it("counts the example as the model's template renders it", () => {
    const counter = localTokenCounter("tiny", chat, 512);
    const messages = [
      { role: "user", content: "hello world" },
      { role: "assistant", content: "hi" },
    ];
    const rendered = chat.render(messages, { addGenerationPrompt: false });
    expect(counter.countExample({ messages })).toBe(chat.encode(rendered).length);
    expect(counter.countText("hello world")).toBe(chat.encode("hello world").length);
    expect(counter.tokenLimit).toBe(512);
    expect(counter.model).toBe("tiny");
  });

  it("renders multi-part and null content as text, skipping messages without a role", () => {
    const counter = localTokenCounter("tiny", chat, 512);
    const plain = counter.countExample({ messages: [{ role: "user", content: "hello world" }, { role: "assistant", content: "" }] });
    const parts = counter.countExample({
      messages: [{ role: "user", content: [{ type: "text", text: "hello world" }] }, { role: "assistant", content: null }, 42],
    });
    expect(parts).toBe(plain);
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../testing/tiny-model";
import { useMistralToolTemplate } from "../testing/tiny-model/mistral-tools-template";
import { loadChatTokenizer } from "./chat-tokenizer";
import { nineCharId } from "./call-ids";
import { tokenizeChat } from "./masks";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "call-ids-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// OpenAI-format data trains and renders through Mistral's tool branches (lib/testing/tiny-model/mistral-tools-template.ts).
function mistral() {
  const dir = writeTinyModel({ dir: path.join(tmp, "mistral") }).dir;
  useMistralToolTemplate(dir);
  return loadChatTokenizer(dir);
}

const call = (id: string | undefined) => ({ ...(id === undefined ? {} : { id }), type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } });

describe("Mistral's 9-character tool call ids", () => {
  it("OpenAI's ids become 9 letters and digits, the same in the call and in its result, every time", () => {
    const chat = mistral();
    const id = "call_Fz3mQ9xR2kLpV7nW1bYcD8eA";
    const messages = [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: "", tool_calls: [call(id)] },
      { role: "tool", tool_call_id: id, content: '"sunny"' },
      { role: "assistant", content: "Sunny." },
    ];
    const short = nineCharId(id);
    expect(short).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(nineCharId(id)).toBe(short);
    expect(nineCharId("call_1")).not.toBe(nineCharId("call_2"));
    expect(nineCharId("abc123XYZ")).toBe("abc123XYZ");
    const text = chat.render(messages, { addGenerationPrompt: false });
    expect(text).toContain(`[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "${short}"}]`);
    expect(text).toContain(`[TOOL_RESULTS] {"content": "sunny", "call_id": "${short}"}[/TOOL_RESULTS]`);
    // Trained: the call and the answer after its result.
    const t = tokenizeChat(chat, { messages });
    expect(t.lossMask.some((m) => m === 1)).toBe(true);
    // The caller's data keeps its own ids.
    expect((messages[1]!.tool_calls as { id: string }[])[0]!.id).toBe(id);
  });

  it("a call without an id gets one from its place, so the template's check does not stop the line", () => {
    const chat = mistral();
    const text = chat.render([{ role: "user", content: "Hi" }, { role: "assistant", content: "", tool_calls: [call(undefined)] }], { addGenerationPrompt: false });
    expect(text).toContain(`"id": "${nineCharId("messages[1].tool_calls[0]")}"}]`);
  });

  it("a tool message without tool_call_id answers the call in its place: the k-th result after a reply takes its k-th call's id", () => {
    const chat = mistral();
    const twoCalls = { role: "assistant", content: "", tool_calls: [call("call_a"), call(undefined)] };
    const text = chat.render(
      [{ role: "user", content: "Weather?" }, twoCalls, { role: "tool", content: '"sunny"' }, { role: "tool", content: '"rain"' }],
      { addGenerationPrompt: false },
    );
    expect(text).toContain(`[TOOL_RESULTS] {"content": "sunny", "call_id": "${nineCharId("call_a")}"}`);
    expect(text).toContain(`[TOOL_RESULTS] {"content": "rain", "call_id": "${nineCharId("messages[1].tool_calls[1]")}"}`);
  });

  it("after a reply whose calls are raw text (the playground's), a result takes the id the reply wrote, else one from its place", () => {
    const chat = mistral();
    // What a model trained through this template writes, kept as text in the playground's history.
    const written = '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "a1B2c3D4e"}, {"name": "now", "arguments": {}, "id": "Zz9Yy8Xx7"}]';
    const text = chat.render(
      [{ role: "user", content: "Weather?" }, { role: "assistant", content: written }, { role: "tool", content: '"sunny"' }, { role: "tool", content: '"noon"' }],
      { addGenerationPrompt: false },
    );
    expect(text).toContain('[TOOL_RESULTS] {"content": "sunny", "call_id": "a1B2c3D4e"}');
    expect(text).toContain('[TOOL_RESULTS] {"content": "noon", "call_id": "Zz9Yy8Xx7"}');
    // A reply that wrote no ids (or no call): the template's check still passes.
    const bare = chat.render(
      [{ role: "user", content: "Weather?" }, { role: "assistant", content: '[TOOL_CALLS] [{"name": "get_weather", "arguments": {}}]' }, { role: "tool", content: '"sunny"' }],
      { addGenerationPrompt: false },
    );
    expect(bare).toContain(`"call_id": "${nineCharId("messages[2]")}"}[/TOOL_RESULTS]`);
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../testing/tiny-model";
import { loadChatTokenizer } from "./chat-tokenizer";
import { nineCharId } from "./call-ids";
import { tokenizeChat } from "./masks";

// Mistral 7B Instruct v0.3's tool branches as published (mistralai/Mistral-7B-Instruct-v0.3, tokenizer_config.json
// "chat_template"): calls as [TOOL_CALLS] [{…, "id": "…"}] and results as [TOOL_RESULTS] {"content": …, "call_id": …},
// both raising unless the id has 9 characters. OpenAI-format data trains and renders through it.

const MISTRAL_TOOL_BRANCHES = `{%- for message in messages %}
    {%- if message["role"] == "user" %}
        {{- "[INST] " + message["content"] + "[/INST]" }}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}
                {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
            {%- endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
            {%- if not loop.last %}
                {{- ", " }}
            {%- else %}
                {{- "]" + eos_token }}
            {%- endif %}
        {%- endfor %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}
        {%- set content = message.content %}
        {{- '[TOOL_RESULTS] {"content": ' + content|string + ", " }}
        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}
            {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
        {%- endif %}
        {{- '"call_id": "' + message.tool_call_id + '"}[/TOOL_RESULTS]' }}
    {%- endif %}
{%- endfor %}`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "call-ids-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function mistral() {
  const dir = writeTinyModel({ dir: path.join(tmp, "mistral") }).dir;
  const configFile = path.join(dir, "tokenizer_config.json");
  fs.writeFileSync(configFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(configFile, "utf8")), chat_template: MISTRAL_TOOL_BRANCHES }));
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
});

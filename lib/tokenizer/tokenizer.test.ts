import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../testing/tiny-model";
import { QWEN3_CHAT_TEMPLATE } from "../testing/tiny-model/qwen3-template";
import { thinkingVariables } from "../reasoning";
import { loadChatTokenizer, type ChatTokenizer } from "./chat-tokenizer";
import { describeSkipped, tokenizeDataset } from "./dataset";
import { parseChatJsonl } from "./jsonl";
import { tokenizeChat, type ChatExample } from "./masks";
import { callsIntoContent } from "./pythonic-calls";

const LLAMA3 =
  "{{- bos_token }}{%- for message in messages %}{%- set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' %}{{- content }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";
// Marks whichever message is last: every earlier rendering differs from the later ones (a rewriting template).
const REWRITING = "{%- for message in messages %}{{- message['role'] + ': ' + message['content'] }}{%- if loop.last %} [last]{%- endif %}{{- '\\n' }}{%- endfor %}{%- if add_generation_prompt %}assistant: {%- endif %}";

const QWEN3 = QWEN3_CHAT_TEMPLATE;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tokenizer-"));
let base: string;
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  base = writeTinyModel({ dir: path.join(tmp, "base") }).dir;
});

/**
 * A copy of the tiny model's tokenizer files with another template (as chat_template.jinja or in the config), and
 * optionally more added tokens (Qwen3's <think> and </think> are added tokens, not special ones).
 */
function withTemplate(name: string, template: string | object, where: "jinja" | "config", addedTokens: string[] = [], configOverrides: Record<string, unknown> = {}): ChatTokenizer {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const tokenizer = JSON.parse(fs.readFileSync(path.join(base, "tokenizer.json"), "utf8")) as { added_tokens: { id: number }[] };
  let next = Math.max(...tokenizer.added_tokens.map((t) => t.id)) + 1;
  for (const content of addedTokens) {
    tokenizer.added_tokens.push({ id: next++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false } as { id: number });
  }
  fs.writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify(tokenizer));
  const config = JSON.parse(fs.readFileSync(path.join(base, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
  if (where === "jinja") fs.writeFileSync(path.join(dir, "chat_template.jinja"), template as string);
  else config.chat_template = template;
  fs.writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify({ ...config, ...configOverrides }));
  return loadChatTokenizer(dir);
}

const convo: ChatExample = {
  messages: [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "What is the capital of France?" },
    { role: "assistant", content: "Paris." },
    { role: "user", content: "And of Italy?" },
    { role: "assistant", content: "Rome." },
  ],
};

/** The decoded text of each run of masked tokens. */
function spans(chat: ChatTokenizer, t: { tokens: number[]; lossMask: (0 | 1)[] }): string[] {
  const out: string[] = [];
  let run: number[] = [];
  t.tokens.forEach((id, i) => {
    if (t.lossMask[i]) run.push(id);
    else if (run.length) (out.push(chat.decode(run)), (run = []));
  });
  if (run.length) out.push(chat.decode(run));
  return out;
}

describe("tokenizeChat (prefix-method assistant masks)", () => {
  it("masks exactly the assistant replies and their end-of-turn under ChatML", () => {
    const chat = loadChatTokenizer(base);
    const t = tokenizeChat(chat, convo);
    expect(t.tokens.length).toBe(t.lossMask.length);
    expect(chat.decode(t.tokens)).toContain("<|im_start|>user\nWhat is the capital of France?<|im_end|>");
    expect(spans(chat, t)).toEqual(["Paris.<|im_end|>\n", "Rome.<|im_end|>\n"]);
    // An empty reply (EOS first) decodes to "", not an error from the tokenizer library.
    expect(chat.decode([])).toBe("");
  });

  it("encodes each rendering once: the last reply's rendering is the whole conversation's", () => {
    const chat = loadChatTokenizer(base);
    const rendered: string[] = [];
    const counting = { ...chat, encode: (text: string) => (rendered.push(text), chat.encode(text)) };
    const t = tokenizeChat(counting, convo);
    // The whole conversation, then per reply the prefix with a generation prompt and the prefix through it;
    // the second reply's "through" is the whole conversation, encoded already.
    expect(rendered).toHaveLength(4);
    expect(new Set(rendered).size).toBe(4);
    expect(t).toEqual(tokenizeChat(chat, convo));
  });

  it("works with a Llama-3 template read from chat_template.jinja (bos_token variable, trim, eot)", () => {
    const chat = withTemplate("llama3", LLAMA3, "jinja");
    expect(chat.templateOrigin).toMatch(/chat_template\.jinja$/);
    const t = tokenizeChat(chat, convo);
    expect(t.tokens[0]).toBe(chat.tokenId("<|begin_of_text|>"));
    expect(spans(chat, t)).toEqual(["Paris.<|eot_id|>", "Rome.<|eot_id|>"]);
    expect(chat.stopTokenIds).toContain(chat.tokenId("<|eot_id|>"));
  });

  it("reads the template from a processor's chat_template.json when the tokenizer's config has none (image-text models)", () => {
    const dir = path.join(tmp, "processor");
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(base, "tokenizer.json"), path.join(dir, "tokenizer.json"));
    const config = JSON.parse(fs.readFileSync(path.join(base, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
    const template = config.chat_template as string;
    delete config.chat_template;
    fs.writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify(config));
    expect(() => loadChatTokenizer(dir).render(convo.messages, { addGenerationPrompt: false })).toThrow(/has no chat template/);
    fs.writeFileSync(path.join(dir, "chat_template.json"), JSON.stringify({ chat_template: template }));
    const chat = loadChatTokenizer(dir);
    expect(chat.templateOrigin).toMatch(/chat_template\.json \(chat_template\)$/);
    expect(tokenizeChat(chat, convo)).toEqual(tokenizeChat(loadChatTokenizer(base), convo));
    fs.writeFileSync(path.join(dir, "chat_template.json"), "{");
    expect(() => loadChatTokenizer(dir).render(convo.messages, { addGenerationPrompt: false })).toThrow(/chat_template\.json is not valid JSON/);
  });

  it("excludes assistant messages with weight 0", () => {
    const chat = loadChatTokenizer(base);
    const t = tokenizeChat(chat, { messages: convo.messages.map((m, i) => (i === 2 ? { ...m, weight: 0 } : m)) });
    expect(spans(chat, t)).toEqual(["Rome.<|im_end|>\n"]);
    expect(chat.decode(t.tokens)).not.toContain("weight");
  });

  it("refuses a template that rewrites earlier turns, naming the template", () => {
    const chat = withTemplate("rewriting", REWRITING, "config");
    expect(() => tokenizeChat(chat, convo)).toThrow(/tokenizer_config\.json \(chat_template\): .*not a token prefix.*rewrites earlier turns/);
  });

  describe("a reasoning template that drops a reply's thinking from the history (Qwen3)", () => {
    // The tiny-model generator's Qwen3: Qwen3's template, and <think> / </think> as added tokens as in its tokenizer.
    const qwen3 = () => loadChatTokenizer(writeTinyModel({ dir: path.join(tmp, "qwen3"), qwen3: true }).dir);

    it("trains each reply as the whole conversation renders it: earlier replies without a think block, the last with one", () => {
      const chat = qwen3();
      const t = tokenizeChat(chat, convo);
      expect(chat.decode(t.tokens)).toContain("<|im_start|>assistant\nParis.<|im_end|>\n<|im_start|>user\nAnd of Italy?");
      expect(spans(chat, t)).toEqual(["Paris.<|im_end|>\n", "<think>\n\n</think>\n\nRome.<|im_end|>\n"]);
      // <think> is one token, as in Qwen3's tokenizer.
      expect(t.tokens).toContain(chat.tokenId("<think>"));
    });

    it("keeps the last reply's reasoning and drops an earlier one's, as the template does", () => {
      const chat = qwen3();
      const reasoning: ChatExample = {
        messages: [
          { role: "user", content: "What is the capital of France?" },
          { role: "assistant", content: "<think>\nThe French capital.\n</think>\n\nParis." },
          { role: "user", content: "And of Italy?" },
          { role: "assistant", content: "<think>\nItaly's capital is Rome.\n</think>\n\nRome." },
        ],
      };
      const t = tokenizeChat(chat, reasoning);
      expect(chat.decode(t.tokens)).not.toContain("The French capital");
      expect(spans(chat, t)).toEqual(["Paris.<|im_end|>\n", "<think>\nItaly's capital is Rome.\n</think>\n\nRome.<|im_end|>\n"]);
    });

    it("masks a tool call in the history and the answer after the tool's result", () => {
      const chat = qwen3();
      const tools: ChatExample = {
        messages: [
          { role: "user", content: "Weather in Paris?" },
          { role: "assistant", content: "", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } }] },
          { role: "tool", content: "sunny" },
          { role: "assistant", content: "Sunny." },
        ],
      };
      const t = tokenizeChat(chat, tools);
      expect(spans(chat, t)).toEqual([
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n',
        "<think>\n\n</think>\n\nSunny.<|im_end|>\n",
      ]);
      expect(chat.decode(t.tokens)).toContain("<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>");
    });

    it("passes template variables: enable_thinking false closes the think block in the generation prompt", () => {
      const chat = qwen3();
      const ask = [{ role: "user", content: "Hi" }];
      expect(chat.render(ask, { addGenerationPrompt: true })).toMatch(/<\|im_start\|>assistant\n$/);
      expect(chat.render(ask, { addGenerationPrompt: true, variables: thinkingVariables("off") })).toMatch(/<\|im_start\|>assistant\n<think>\n\n<\/think>\n\n$/);
      expect(chat.render(ask, { addGenerationPrompt: true, variables: thinkingVariables("on") })).toMatch(/assistant\n$/);
      // The template's own variables win over a caller's.
      expect(chat.render(ask, { addGenerationPrompt: false, variables: { add_generation_prompt: true, messages: [] } })).toBe("<|im_start|>user\nHi<|im_end|>\n");
    });

    it("still refuses a template that changes a reply's answer in the history", () => {
      // Qwen3's template with the history's replies upper-cased: their answer is no longer the last reply's tail.
      const chat = withTemplate("qwen3-upper", QWEN3.replaceAll("{{- '<|im_start|>' + message.role + '\\n' + content }}", "{{- '<|im_start|>' + message.role + '\\n' + content | upper }}"), "config", ["<think>", "</think>"]);
      expect(() => tokenizeChat(chat, convo)).toThrow(/rendering messages\[0\.\.2\] is not a token prefix/);
    });
  });

  describe("Phi-3's and Phi-4's templates", () => {
    // Phi-3-mini-4k-instruct's template as published: <|end|> closes each turn, and a conversation rendered without a
    // generation prompt ends with eos_token (<|endoftext|>), which is not there once another turn follows.
    const PHI3 =
      "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}" +
      "{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}" +
      "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}" +
      "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}";
    // phi-4's: ChatML with <|im_sep|> between the role and the content, no newlines.
    const PHI4 =
      "{% for message in messages %}{% if (message['role'] == 'system') %}{{'<|im_start|>system<|im_sep|>' + message['content'] + '<|im_end|>'}}" +
      "{% elif (message['role'] == 'user') %}{{'<|im_start|>user<|im_sep|>' + message['content'] + '<|im_end|>'}}" +
      "{% elif (message['role'] == 'assistant') %}{{'<|im_start|>assistant<|im_sep|>' + message['content'] + '<|im_end|>'}}{% endif %}{% endfor %}" +
      "{% if add_generation_prompt %}{{ '<|im_start|>assistant<|im_sep|>' }}{% endif %}";

    it("Phi-3: masks each reply and its <|end|>; the last reply's closing eos_token is trained, an earlier one has none", () => {
      const chat = withTemplate("phi3", PHI3, "config", ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>", "<|endoftext|>"], { eos_token: "<|endoftext|>" });
      const t = tokenizeChat(chat, convo);
      expect(chat.decode(t.tokens)).toBe(
        "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nWhat is the capital of France?<|end|>\n<|assistant|>\nParis.<|end|>\n" +
          "<|user|>\nAnd of Italy?<|end|>\n<|assistant|>\nRome.<|end|>\n<|endoftext|>",
      );
      expect(spans(chat, t)).toEqual(["Paris.<|end|>\n", "Rome.<|end|>\n<|endoftext|>"]);
      // Generation stops at a reply's <|end|>, as Phi-3's generation_config does.
      expect(chat.stopTokenIds).toContain(chat.tokenId("<|end|>"));
      // A template that marks only the last message otherwise (not after it) is still refused.
      const marked = PHI3.replace("message['content'] + '<|end|>\n'}}{% endif %}", "message['content'] + (' [last]' if loop.last else '') + '<|end|>\n'}}{% endif %}");
      const marking = withTemplate("phi3-marking", marked, "config", ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>", "<|endoftext|>"], { eos_token: "<|endoftext|>" });
      expect(() => tokenizeChat(marking, convo)).toThrow(/rewrites earlier turns/);
      // The same when it also refuses a generation prompt after a reply (the probe for closing tokens asks for one):
      // the mismatch is what is reported, not the probe's render error.
      const strict = withTemplate("phi3-marking-strict", "{%- if add_generation_prompt and messages[-1]['role'] == 'assistant' %}{{ raise_exception('no prompt after a reply') }}{%- endif %}" + marked, "config", ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>", "<|endoftext|>"], { eos_token: "<|endoftext|>" });
      expect(() => tokenizeChat(strict, convo)).toThrow(/not a token prefix.*rewrites earlier turns/);
    });

    it("Phi-4: masks each reply and its <|im_end|>", () => {
      const chat = withTemplate("phi4", PHI4, "config", ["<|im_sep|>"]);
      const t = tokenizeChat(chat, convo);
      expect(chat.decode(t.tokens)).toBe(
        "<|im_start|>system<|im_sep|>You are a helpful assistant.<|im_end|><|im_start|>user<|im_sep|>What is the capital of France?<|im_end|>" +
          "<|im_start|>assistant<|im_sep|>Paris.<|im_end|><|im_start|>user<|im_sep|>And of Italy?<|im_end|><|im_start|>assistant<|im_sep|>Rome.<|im_end|>",
      );
      expect(spans(chat, t)).toEqual(["Paris.<|im_end|>", "Rome.<|im_end|>"]);
    });
  });

  describe("Gemma 3's template (no system turn, the assistant rendered as model)", () => {
    // The tiny-model generator's Gemma 3: its published template, <start_of_turn> / <end_of_turn> as special tokens.
    const gemma3 = () => loadChatTokenizer(writeTinyModel({ dir: path.join(tmp, "gemma3"), gemma3: true }).dir);

    it("masks exactly the model turns and their <end_of_turn>; the system prompt inside the first user turn stays unmasked", () => {
      const chat = gemma3();
      const t = tokenizeChat(chat, convo);
      expect(t.tokens.length).toBe(t.lossMask.length);
      expect(chat.decode(t.tokens)).toBe(
        "<bos><start_of_turn>user\nYou are a helpful assistant.\n\nWhat is the capital of France?<end_of_turn>\n" +
          "<start_of_turn>model\nParis.<end_of_turn>\n<start_of_turn>user\nAnd of Italy?<end_of_turn>\n<start_of_turn>model\nRome.<end_of_turn>\n",
      );
      // The template's newline after <end_of_turn> belongs to the reply's rendering, as ChatML's after <|im_end|>.
      expect(spans(chat, t)).toEqual(["Paris.<end_of_turn>\n", "Rome.<end_of_turn>\n"]);
      // Each reply's <end_of_turn> (the token generation stops on) is trained; no <start_of_turn> is.
      const eot = chat.tokenId("<end_of_turn>")!;
      expect(t.tokens.flatMap((id, i) => (id === eot ? [t.lossMask[i]] : []))).toEqual([0, 1, 0, 1]);
      expect(t.tokens.every((id, i) => id !== chat.tokenId("<start_of_turn>") || t.lossMask[i] === 0)).toBe(true);
      expect(chat.stopTokenIds).toContain(eot);
    });

    it("masks three replies of a longer chat, trimming content as the template does, and honours weight 0", () => {
      const chat = gemma3();
      const longer: ChatExample = {
        messages: [
          { role: "system", content: "Answer in JSON." },
          { role: "user", content: "Color of the sky?" },
          { role: "assistant", content: ' {"color": "blue"}\n' },
          { role: "user", content: "And grass?" },
          { role: "assistant", content: '{"color": "green"}', weight: 0 },
          { role: "user", content: "And blood?" },
          { role: "assistant", content: '{"color": "red"}' },
        ],
      };
      const t = tokenizeChat(chat, longer);
      expect(spans(chat, t)).toEqual(['{"color": "blue"}<end_of_turn>\n', '{"color": "red"}<end_of_turn>\n']);
      expect(spans(chat, tokenizeChat(chat, { messages: longer.messages.map(({ weight: _w, ...m }) => m) }))).toEqual([
        '{"color": "blue"}<end_of_turn>\n',
        '{"color": "green"}<end_of_turn>\n',
        '{"color": "red"}<end_of_turn>\n',
      ]);
    });

    it("refuses a conversation the template refuses (two user turns in a row), naming the template", () => {
      const chat = gemma3();
      const bad: ChatExample = { messages: [{ role: "user", content: "a" }, { role: "user", content: "b" }, { role: "assistant", content: "c" }] };
      expect(() => tokenizeChat(chat, bad)).toThrow(/tokenizer_config\.json \(chat_template\): rendering the chat template failed: .*roles must alternate/);
    });
  });

  describe("tool call arguments as templates take them: an object, not OpenAI's JSON string", () => {
    // Llama 3.1's tool-call branch as published: the arguments go through tojson.
    const LLAMA31_CALLS =
      "{%- for message in messages %}{%- if 'tool_calls' in message %}{%- set tool_call = message.tool_calls[0].function %}" +
      "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}{{- '{\"name\": \"' + tool_call.name + '\", ' }}{{- '\"parameters\": ' }}{{- tool_call.arguments | tojson }}{{- \"}\" }}{{- '<|eot_id|>' }}" +
      "{%- else %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endif %}{%- endfor %}" +
      "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";
    const call = (args: string) => ({ role: "assistant", content: "", tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: args } }] });
    const ask = { role: "user", content: "Weather in Paris?" };

    it("Llama 3.1's template writes the arguments as JSON, not as a quoted string (as vLLM and transformers render them)", () => {
      const chat = withTemplate("llama31-calls", LLAMA31_CALLS, "config");
      expect(chat.render([ask, call('{"city":"Paris","days":[1,2]}')], { addGenerationPrompt: false })).toContain('{"name": "get_weather", "parameters": {"city": "Paris", "days": [1, 2]}}<|eot_id|>');
      expect(chat.render([ask, call("")], { addGenerationPrompt: false })).toContain('"parameters": {}}');
      // Not a JSON object: left as the string it is (validation names it), never guessed at.
      expect(chat.render([ask, call("Paris")], { addGenerationPrompt: false })).toContain('"parameters": "Paris"}');
      const t = tokenizeChat(chat, { messages: [ask, call('{"city":"Paris"}')] });
      expect(spans(chat, t)).toEqual(['{"name": "get_weather", "parameters": {"city": "Paris"}}<|eot_id|>']);
    });

    it("Qwen3's writes them in json.dumps' form whatever the string's spacing; the caller's messages are not changed", () => {
      const chat = withTemplate("qwen3-calls", QWEN3, "config", ["<think>", "</think>"]);
      const messages = [ask, call('{"city":"Paris"}')];
      expect(chat.render(messages, { addGenerationPrompt: false })).toContain('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>');
      expect((messages[1] as unknown as { tool_calls: { function: { arguments: unknown } }[] }).tool_calls[0]!.function.arguments).toBe('{"city":"Paris"}');
    });
  });

  describe("a template that does not write tool_calls", () => {
    let lfm2: ChatTokenizer;
    beforeAll(() => {
      lfm2 = loadChatTokenizer(writeTinyModel({ dir: path.join(tmp, "lfm2"), lfm2: true }).dir);
    });
    const call = { type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } };
    const weather = (weight?: 0): ChatExample => ({
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: "", tool_calls: [call], ...(weight === 0 ? { weight } : {}) },
        { role: "tool", content: "sunny" },
        { role: "assistant", content: "Sunny." },
      ],
      // The tool list names the function in the system turn: the check reads the reply's own span.
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
    });

    it("LFM2's: writes OpenAI's tool_calls into the reply as LFM2 does, Python calls between its tokens, and trains them", () => {
      expect(spans(lfm2, tokenizeChat(lfm2, weather()))).toEqual(['<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|><|im_end|>\n', "Sunny.<|im_end|>\n"]);
      // One token each, as LFM2 was trained to write them; in context too when the reply is not trained.
      const t = tokenizeChat(lfm2, weather(0));
      expect(t.tokens.filter((id) => id === lfm2.tokenId("<|tool_call_start|>"))).toHaveLength(1);
      expect(spans(lfm2, t)).toEqual(["Sunny.<|im_end|>\n"]);
      // Prompts (playground, evaluations) render the history the same way.
      expect(lfm2.render(weather().messages.slice(0, 3), { addGenerationPrompt: true })).toContain(
        '<|im_start|>assistant\n<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|><|im_end|>\n<|im_start|>tool\n<|tool_response_start|>sunny<|tool_response_end|>',
      );
    });

    it("LFM2's: several calls in one list, the reply's text after them, JSON values as Python literals", () => {
      const ex = weather();
      ex.messages[1] = {
        role: "assistant",
        content: "Checking both.",
        tool_calls: [
          { type: "function", function: { name: "get_weather", arguments: '{"city": "Paris \\"centre\\"\\n", "days": 3, "metric": true, "alerts": null, "at": [1.5, false], "where": {"lat": 48.8}}' } },
          { type: "function", function: { name: "now", arguments: "{}" } },
        ],
      };
      expect(spans(lfm2, tokenizeChat(lfm2, ex))[0]).toBe(
        '<|tool_call_start|>[get_weather(city="Paris \\"centre\\"\\n", days=3, metric=True, alerts=None, at=[1.5, False], where={"lat": 48.8}), now()]<|tool_call_end|>Checking both.<|im_end|>\n',
      );
    });

    it("LFM2's: writes the calls as JSON when the system prompt asks for JSON calls, as Liquid AI documents", () => {
      const ex = weather();
      ex.messages.unshift({ role: "system", content: "Be brief. Output function calls as JSON." });
      ex.messages[2] = { role: "assistant", content: "", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","metric":true,"alerts":null}' } }] };
      expect(spans(lfm2, tokenizeChat(lfm2, ex))[0]).toBe(
        '<|tool_call_start|>[{"name": "get_weather", "arguments": {"city": "Paris", "metric": true, "alerts": null}}]<|tool_call_end|><|im_end|>\n',
      );
    });

    it("LFM2's: leaves a reply whose content is not text (unjoined parts) as it is rather than dropping the parts", () => {
      const parts = { role: "assistant", content: [{ type: "text", text: "Checking." }] as unknown as string, tool_calls: [call] };
      const [system, reply] = callsIntoContent([{ role: "system", content: "s" }, parts], "origin");
      expect(reply).toBe(parts);
      expect(system).toEqual({ role: "system", content: "s" });
      const plain = { role: "assistant", content: "Checking.", tool_calls: [call] };
      expect(callsIntoContent([plain], "origin")[0]!.content).toBe('<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|>Checking.');
    });

    it("LFM2's: leaves a call already written into the content as it is", () => {
      const inContent = weather();
      inContent.messages[1] = { role: "assistant", content: '<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|>', tool_calls: [call] };
      expect(spans(lfm2, tokenizeChat(lfm2, inContent))).toEqual(['<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|><|im_end|>\n', "Sunny.<|im_end|>\n"]);
    });

    it("LFM2's: refuses arguments it cannot write as Python keywords, naming the message and the call", () => {
      const bad = (args: string) => {
        const ex = weather();
        ex.messages[1] = { role: "assistant", content: "", tool_calls: [call, { type: "function", function: { name: "get_weather", arguments: args } }] };
        return ex;
      };
      expect(() => tokenizeChat(lfm2, bad('{"city": '))).toThrow(
        /\/lfm2\/tokenizer_config\.json \(chat_template\): the chat template takes tool calls in the reply's text, and messages\[1\]\.tool_calls\[1\]\.function\.arguments is not valid JSON \(.*\): write the arguments as a JSON object$/,
      );
      expect(() => tokenizeChat(lfm2, bad('["Paris"]'))).toThrow("messages[1].tool_calls[1].function.arguments is not a JSON object: the model passes arguments by name");
      expect(() => tokenizeChat(lfm2, bad('{"the city": "Paris"}'))).toThrow('messages[1].tool_calls[1].function.arguments has the key "the city", which is not a Python name');
      const badName = weather();
      badName.messages[1] = { role: "assistant", content: "", tool_calls: [{ type: "function", function: { name: "get-weather", arguments: "{}" } }] };
      expect(() => tokenizeChat(lfm2, badName)).toThrow('messages[1].tool_calls[0].function.name "get-weather" is not a Python name: the model writes a call as name(arg=value)');
      // As JSON (the system prompt asks for it) any name and key can be written.
      badName.messages.unshift({ role: "system", content: "Output function calls as JSON." });
      expect(lfm2.render(badName.messages, { addGenerationPrompt: false })).toContain('[{"name": "get-weather", "arguments": {}}]');
    });

    it("one without LFM2's call tokens (plain ChatML): refuses a call-only reply it would render empty, saying where the call goes", () => {
      const chatml = withTemplate(
        "chatml-no-calls",
        "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
        "jinja",
      );
      for (const ex of [weather(), weather(0)])
        expect(() => tokenizeChat(chatml, ex)).toThrow(
          'chatml-no-calls/chat_template.jinja: messages[1] calls "get_weather", but the chat template renders that reply as "<|im_end|>\\n": ' +
            "it does not write tool_calls, so the call would be lost. Write the call into the message's content in the form the model was trained on",
        );
    });
  });

  it("picks the default template from a list of named templates, tool_use when tools are given", () => {
    const chat = withTemplate("named", [{ name: "tool_use", template: "TOOLS{{ tools | length }}" }, { name: "default", template: LLAMA3 }], "config");
    expect(chat.render(convo.messages, { addGenerationPrompt: false })).toMatch(/^<\|begin_of_text\|>/);
    expect(chat.render(convo.messages, { addGenerationPrompt: false, tools: [{ type: "function" }] })).toBe("TOOLS1");
  });
});

describe("tokenizeDataset", () => {
  const long = (line: number, reply: string): ReturnType<typeof parseChatJsonl>[number] => ({
    line,
    messages: [{ role: "user", content: "Hello world. ".repeat(20) }, { role: "assistant", content: reply }],
  });

  it("truncates at max_seq_len and reports what was cut", () => {
    const chat = loadChatTokenizer(base);
    const full = tokenizeChat(chat, long(1, "yes"));
    const { examples, report } = tokenizeDataset(chat, [long(1, "yes"), long(2, "A long reply. ".repeat(10))], { maxSeqLen: full.tokens.length, file: "d.jsonl" });
    expect(examples.every((e) => e.tokens.length <= full.tokens.length)).toBe(true);
    expect(report.truncatedExamples).toBe(1);
    expect(report.truncatedTokens).toBeGreaterThan(0);
    expect(report.examples).toBe(2);
  });

  it("leaves out examples with no trainable tokens, naming their lines, and counts truncation over those kept", () => {
    const chat = loadChatTokenizer(base);
    const short = { line: 1, messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "yes" }] };
    const noAssistant = { line: 4, messages: [{ role: "user", content: "hi" }] };
    const { examples, report } = tokenizeDataset(chat, [short, long(3, "yes"), noAssistant], { maxSeqLen: 20, file: "d.jsonl" });
    expect(examples).toHaveLength(1);
    expect(report.examples).toBe(1);
    expect(report.skipped).toEqual([
      { line: 3, why: "all of its assistant tokens lie beyond max_seq_len 20" },
      { line: 4, why: "it has no assistant message with weight other than 0" },
    ]);
    expect(report.truncatedExamples).toBe(0);
    expect(report.truncatedTokens).toBe(0);
    expect(describeSkipped(report.skipped)).toBe("line 3 (all of its assistant tokens lie beyond max_seq_len 20); line 4 (it has no assistant message with weight other than 0)");
    expect(describeSkipped(Array.from({ length: 7 }, (_, i) => ({ line: i + 1, why: "w" })))).toBe("line 1 (w); line 2 (w); line 3 (w); line 4 (w); line 5 (w); …");
  });
});

describe("parseChatJsonl", () => {
  it("reads examples with their line numbers and joins text parts", () => {
    const text = ['{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"he"},{"type":"text","text":"llo"}],"weight":1}]}', "", '{"messages":[{"role":"user","content":"x"}]}'].join("\n");
    const ex = parseChatJsonl(text, "a.jsonl");
    expect(ex.map((e) => e.line)).toEqual([1, 3]);
    expect(ex[0]!.messages[1]!.content).toBe("hello");
  });

  it("puts a reply's separate reasoning_content into its content as a think block, as the import does", () => {
    const ex = parseChatJsonl('{"messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"4","reasoning_content":"Two and two."}]}\n', "r.jsonl");
    expect(ex[0]!.messages[1]).toEqual({ role: "assistant", content: "<think>\nTwo and two.\n</think>\n\n4" });
  });

  it("accepts a byte-order mark and CRLF line ends", () => {
    const ex = parseChatJsonl('\uFEFF{"messages":[{"role":"user","content":"a"}]}\r\n{"messages":[{"role":"user","content":"b"}]}\r\n', "w.jsonl");
    expect(ex.map((e) => e.messages[0]!.content)).toEqual(["a", "b"]);
  });

  it("names the file, line and field of malformed input", () => {
    expect(() => parseChatJsonl('{"messages":[]}\n{oops', "a.jsonl")).toThrow(/^a\.jsonl line 1: messages: /);
    expect(() => parseChatJsonl('{"messages":[{"role":"user","content":"x"}]}\n{oops', "a.jsonl")).toThrow(/^a\.jsonl line 2: not valid JSON/);
    expect(() => parseChatJsonl('{"messages":[{"role":"robot","content":"x"}]}', "a.jsonl")).toThrow(/^a\.jsonl line 1: messages\[0\]\.role: /);
    expect(() => parseChatJsonl('{"messages":[{"role":"assistant","content":"x","weight":0.5}]}', "a.jsonl")).toThrow(/messages\[0\]\.weight/);
  });
});

import { loadChatTokenizer, type ChatMessage } from "../../lib/tokenizer";
import { generateText } from "../../lib/tokenizer/generate";
import { parseCommandOptions, UsageError } from "../args";
import type { Command } from "../command";
import { MODEL_LOAD_OPTIONS, MODEL_LOAD_USAGE, numberOption, openModel, requireAdapterDir, requireModelDir, requireOption } from "../native/options";
import { answerOf, thinkingVariables } from "../../lib/reasoning";
import { parseCalls } from "../../lib/eval/tool-calls";
import { parseToolsText } from "../../lib/tokenizer/tool-definitions";
import { thinkingFlag } from "./eval/args";

// tuneforge generate – a completion from the native trainer's model (and adapter), streamed as it decodes.
// Stops at the model's end-of-turn tokens, at --stop strings (found in decoded text) or at --max-tokens.

/** --messages: an array of messages, or a dataset line ({"messages": [...], "tools"?: [...]}) whose tools come along. */
function parseMessages(raw: string): { messages: ChatMessage[]; tools?: unknown[] } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new UsageError(`generate: --messages is not valid JSON (${(err as Error).message})`);
  }
  const line = Array.isArray(value) ? null : (value as { messages?: unknown; tools?: unknown } | null);
  const list = line ? line.messages : value;
  if (!Array.isArray(list) || list.length === 0) throw new UsageError('generate: --messages must be a JSON array of {"role", "content"} messages (or a line {"messages": [...], "tools": [...]})');
  const messages = list.map((m, i) => {
    const msg = m as { role?: unknown; content?: unknown; tool_calls?: unknown } | null;
    // An assistant turn that only calls tools has content null, as in OpenAI's format.
    const callsOnly = msg?.role === "assistant" && Array.isArray(msg.tool_calls) && msg.content == null;
    if (typeof msg?.role !== "string" || (typeof msg.content !== "string" && !callsOnly)) throw new UsageError(`generate: --messages[${i}] needs a string "role" and "content"`);
    return (callsOnly ? { ...msg, content: "" } : msg) as ChatMessage;
  });
  return { messages, ...(Array.isArray(line?.tools) ? { tools: line.tools } : {}) };
}

function parseTools(raw: string): unknown[] {
  const parsed = parseToolsText(raw);
  if (!parsed.ok) throw new UsageError(`generate: --tools: ${parsed.message}`);
  return parsed.tools;
}

export const generateCommand: Command = {
  name: "generate",
  summary: "generate a completion for a prompt or chat messages",
  usage: [
    "Usage: tuneforge generate --model DIR [--adapter DIR] (--prompt TEXT | --messages JSON) [options]",
    "",
    "--prompt is raw text; --messages is rendered with the model's chat template (plus the assistant prompt); it may be",
    "a dataset line, {\"messages\": [...], \"tools\": [...]}, whose tools the template is given too.",
    "",
    "Options:",
    "  --max-tokens 256    most tokens to generate",
    "  --temperature 0     0 = greedy (deterministic)",
    "  --top-p 1           nucleus sampling mass",
    "  --seed 0            sampling seed",
    "  --stop STRING       also stop at this text (repeatable)",
    "  --thinking MODE     default|off|on: a reasoning model's thinking, where the template has the switch (Qwen3)",
    "  --tools JSON        OpenAI tool definitions for the template (a JSON array); overrides a line's tools",
    "  --adapter DIR       a PEFT LoRA adapter folder to apply",
    ...MODEL_LOAD_USAGE.map((l) => l.replace("held in memory", "held in memory (default none)")),
    '  --json              print {"completion", "finish_reason", "tokens", "prompt_tokens", "calls"} instead of streaming text; calls:',
    "                      the tool calls the completion writes, read in the model family's format ([{name, arguments}])",
    "",
  ].join("\n"),
  async run(args, ctx) {
    const { values: v } = parseCommandOptions("generate", args, {
      model: { type: "string" },
      adapter: { type: "string" },
      prompt: { type: "string" },
      messages: { type: "string" },
      "max-tokens": { type: "string" },
      temperature: { type: "string" },
      "top-p": { type: "string" },
      seed: { type: "string" },
      stop: { type: "string", multiple: true },
      thinking: { type: "string" },
      tools: { type: "string" },
      json: { type: "boolean", default: false },
      ...MODEL_LOAD_OPTIONS,
    });
    const modelDir = requireModelDir("generate", requireOption("generate", "model", v.model, "DIR"));
    if ((v.prompt === undefined) === (v.messages === undefined)) throw new UsageError("generate: give exactly one of --prompt TEXT or --messages JSON");
    const maxTokens = numberOption("generate", "max-tokens", v["max-tokens"], 256, { min: 1, integer: true });
    const temperature = numberOption("generate", "temperature", v.temperature, 0, { min: 0, max: 100 });
    const topP = numberOption("generate", "top-p", v["top-p"], 1, { min: 1e-6, max: 1 });
    const seed = numberOption("generate", "seed", v.seed, 0, { min: 0, integer: true });
    const adapterDir = v.adapter ? requireAdapterDir("generate", v.adapter) : undefined;

    const chat = loadChatTokenizer(modelDir);
    const thinking = thinkingFlag("generate", v.thinking);
    if (thinking !== undefined && v.messages === undefined) throw new UsageError("generate: --thinking applies to --messages (the chat template decides it), not to a raw --prompt");
    const variables = thinkingVariables(thinking);
    if (v.tools !== undefined && v.messages === undefined) throw new UsageError("generate: --tools applies to --messages (the chat template shows them), not to a raw --prompt");
    const chatInput = v.messages !== undefined ? parseMessages(v.messages) : null;
    const tools = v.tools !== undefined ? parseTools(v.tools) : chatInput?.tools;
    const text = chatInput ? chat.render(chatInput.messages, { addGenerationPrompt: true, tools, variables }) : v.prompt!;
    const prompt = chat.encode(text);
    if (prompt.length === 0) throw new UsageError("generate: the prompt is empty");

    const { model } = await openModel("generate", ctx.root, modelDir, v, "none");
    try {
      const info = model.info();
      if (prompt.length >= info.maxPositionEmbeddings) {
        throw new Error(`generate: the prompt has ${prompt.length} tokens; the model's max_position_embeddings is ${info.maxPositionEmbeddings}, which leaves no room to generate`);
      }
      // The context window bounds the reply: say so rather than fail on a long prompt.
      const room = info.maxPositionEmbeddings - prompt.length;
      if (maxTokens > room) ctx.err(`generate: --max-tokens ${maxTokens} lowered to ${room} (max_position_embeddings ${info.maxPositionEmbeddings} − ${prompt.length} prompt tokens)\n`);
      const [result] = await generateText(model, chat, [prompt], {
        maxTokens: Math.min(maxTokens, room),
        temperature,
        topP,
        seed,
        adapterDir,
        stopStrings: v.stop ?? [],
        onText: (_i, text) => v.json || ctx.out(text),
      });
      if (v.json) ctx.out(JSON.stringify({ completion: result!.text, finish_reason: result!.finishReason, tokens: result!.tokens, prompt_tokens: prompt.length, calls: parseCalls(answerOf(result!.text)) }) + "\n");
      else ctx.out("\n");
      return 0;
    } finally {
      model.close();
    }
  },
};

import path from "node:path";
import { modelsDir } from "../../env";
import { openAiTokenCounter } from "../../tokens/count";
import type { TokenCounter } from "../../tokens/counter";
import { localTokenCounter } from "../../tokens/local";
import { loadChatTokenizer } from "../../tokenizer/chat-tokenizer";
import { exampleRecord, type StoredExample } from "../export";
import { countModelTokenLimit, parseCountModel } from "./count-model";

// What the analysis stores per row: the example's training tokens (the cookbook chat count of the exported
// form, or the local model's template + tokenizer) and the tokens of the assistant turns that train.
// The counter is picked by the dataset's countModel; this module runs inside the counting threads.

export type CountableRow = Pick<StoredExample, "kind" | "messages" | "tools" | "preference" | "extra">;
export type RowTokens = { tokenCount: number; assistantTokens: number };

export interface ExampleTokenCounter {
  readonly model: string;
  readonly tokenLimit: number;
  count(row: CountableRow): RowTokens;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The conversation a row trains on, from its exported record: a chat line's messages + tools; for DPO the
 * input plus the preferred output (the sequence the model is trained towards).
 */
export function trainedConversation(row: CountableRow): { messages: unknown[]; tools?: unknown } {
  const record = exampleRecord(row);
  if (row.kind === "chat") return { messages: Array.isArray(record.messages) ? record.messages : [], tools: record.tools };
  const input = isRecord(record.input) ? record.input : {};
  const prompt = Array.isArray(input.messages) ? input.messages : [];
  const preferred = Array.isArray(record.preferred_output) ? record.preferred_output : [];
  return { messages: [...prompt, ...preferred], tools: input.tools };
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (isRecord(p) && typeof p.text === "string" ? p.text : "")).join("");
}

/** The text of the assistant turns that train (weight ≠ 0): content and tool calls, as the cookbook counts. */
export function trainedAssistantTexts(messages: unknown[]): string[] {
  const texts: string[] = [];
  for (const m of messages) {
    if (!isRecord(m) || m.role !== "assistant" || m.weight === 0) continue;
    let text = contentText(m.content);
    if (Array.isArray(m.tool_calls)) {
      for (const call of m.tool_calls) {
        const fn = isRecord(call) && isRecord(call.function) ? call.function : {};
        text += `${typeof fn.name === "string" ? fn.name : ""}${typeof fn.arguments === "string" ? fn.arguments : ""}`;
      }
    }
    texts.push(text);
  }
  return texts;
}

/** Wraps a TokenCounter (OpenAI or local) into the per-row counter the analysis uses. */
export function rowCounter(counter: TokenCounter): ExampleTokenCounter {
  return {
    model: counter.model,
    tokenLimit: counter.tokenLimit,
    count(row) {
      const conversation = trainedConversation(row);
      const tokenCount = counter.countExample(conversation);
      const assistantTokens = trainedAssistantTexts(conversation.messages).reduce((sum, text) => sum + counter.countText(text), 0);
      return { tokenCount, assistantTokens };
    },
  };
}

/**
 * The counter for a dataset's countModel: tiktoken + the cookbook formula for OpenAI names, the model's own
 * tokenizer + chat template for `local:<folder>`. Throws a readable error for names it cannot count for.
 */
export function exampleTokenCounter(countModel: string, opts: { modelsDir?: string } = {}): ExampleTokenCounter {
  const parsed = parseCountModel(countModel);
  if (parsed.kind === "openai") return rowCounter(openAiTokenCounter(parsed.model));
  const dir = path.join(opts.modelsDir ?? modelsDir(), parsed.folder);
  let chat;
  try {
    chat = loadChatTokenizer(dir);
  } catch (err) {
    throw new Error(`cannot count tokens for ${countModel}: ${(err as Error).message}`);
  }
  return rowCounter(localTokenCounter(parsed.model, chat, countModelTokenLimit(countModel)));
}

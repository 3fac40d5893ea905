import type { ChatMessage } from "./chat-tokenizer";

// Tool calls for models that take them in the reply's text, as Python calls between special tokens: LFM2 (Liquid
// AI's docs, "Tool use": the model writes <|tool_call_start|>[get_status(candidate_id="12345")]<|tool_call_end|>,
// then any text; with "Output function calls as JSON" in the system prompt, [{"name": ..., "arguments": {...}}] in
// their place). Its chat template writes a message's content only, never OpenAI's tool_calls, so a dataset in
// OpenAI's format would train such a reply as an empty turn. chat-tokenizer.ts rewrites those replies before the
// template renders them, for training, token counts and prompts alike.

const TOOL_CALL_START = "<|tool_call_start|>";
const TOOL_CALL_END = "<|tool_call_end|>";

/** Whether a chat template (its source) writes calls only through the content, for a tokenizer with these tokens. */
export function templateTakesCallsInContent(templateSource: string, hasToken: (token: string) => boolean): boolean {
  return !templateSource.includes("tool_calls") && hasToken(TOOL_CALL_START) && hasToken(TOOL_CALL_END);
}

const PYTHON_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A JSON value as a Python literal (python: true), strings double-quoted with JSON's escapes, which Python reads
 * alike; or as JSON with Python's json.dumps separators (", " and ": "), as the model saw JSON in training.
 */
function pythonLiteral(value: unknown, python = true): string {
  if (value === null) return python ? "None" : "null";
  if (value === true) return python ? "True" : "true";
  if (value === false) return python ? "False" : "false";
  if (typeof value === "number" || typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonLiteral(v, python)).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v, python)}`).join(", ")}}`;
  }
  throw new Error(`${String(value)} is not a JSON value`);
}

/** A system prompt that asks LFM2 for JSON calls (Liquid AI's docs: add "Output function calls as JSON"). */
const ASKS_FOR_JSON = /output function calls as json/i;

/** One OpenAI tool call ({ function: { name, arguments: "<JSON object>" } }) as name(arg=value, ...), or as JSON. */
function writeCall(call: unknown, where: string, json: boolean): string {
  const fn = (call as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
  const name = fn?.name;
  if (typeof name !== "string" || name === "") throw new Error(`${where}.function.name is missing: a call needs the function's name`);
  let args: unknown = {};
  if (typeof fn?.arguments === "string" && fn.arguments.trim() !== "") {
    try {
      args = JSON.parse(fn.arguments);
    } catch (err) {
      throw new Error(`${where}.function.arguments is not valid JSON (${(err as Error).message}): write the arguments as a JSON object`);
    }
  } else if (fn?.arguments !== undefined && typeof fn.arguments !== "string") {
    args = fn.arguments;
  }
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    throw new Error(`${where}.function.arguments is not a JSON object: the model passes arguments by name`);
  }
  if (json) return `{"name": ${JSON.stringify(name)}, "arguments": ${pythonLiteral(args, false)}}`;
  if (!PYTHON_NAME.test(name)) {
    throw new Error(`${where}.function.name ${JSON.stringify(name)} is not a Python name: the model writes a call as name(arg=value)`);
  }
  const parts = Object.entries(args as Record<string, unknown>).map(([key, value]) => {
    if (!PYTHON_NAME.test(key)) {
      throw new Error(`${where}.function.arguments has the key ${JSON.stringify(key)}, which is not a Python name: the model writes arguments as name=value`);
    }
    return `${key}=${pythonLiteral(value)}`;
  });
  return `${name}(${parts.join(", ")})`;
}

/** An assistant message's tool_calls as the model writes them: <|tool_call_start|>[a(x=1), b()]<|tool_call_end|>. */
function pythonicToolCalls(calls: unknown[], where: string, json = false): string {
  return `${TOOL_CALL_START}[${calls.map((c, j) => writeCall(c, `${where}.tool_calls[${j}]`, json)).join(", ")}]${TOOL_CALL_END}`;
}

/**
 * The conversation with each tool-calling reply's calls written at the start of its content (Liquid AI's order: the
 * calls, then any text), unless the content already holds them; as JSON when a system message asks for JSON calls.
 * Other messages are passed through as they are.
 */
export function callsIntoContent(messages: ChatMessage[], origin: string): ChatMessage[] {
  const json = messages.some((m) => m.role === "system" && typeof m.content === "string" && ASKS_FOR_JSON.test(m.content));
  return messages.map((m, i) => {
    const calls = m.tool_calls;
    if (m.role !== "assistant" || !Array.isArray(calls) || calls.length === 0) return m;
    // Content as parts (the JSONL reader joins them into a string first) is left for the template to show as it may.
    if (m.content != null && typeof m.content !== "string") return m;
    const content = m.content ?? "";
    if (content.includes(TOOL_CALL_START)) return m;
    let written: string;
    try {
      written = pythonicToolCalls(calls, `messages[${i}]`, json);
    } catch (err) {
      throw new Error(`${origin}: the chat template takes tool calls in the reply's text, and ${(err as Error).message}`);
    }
    return { ...m, content: written + content };
  });
}

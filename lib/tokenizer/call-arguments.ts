import type { ChatMessage } from "./chat-tokenizer";

// OpenAI's format writes a call's arguments as a JSON string; chat templates take them as a mapping (transformers'
// chat-template docs; vLLM parses them before applying a template for the same reason). Llama 3.x's template writes
// `"parameters": {{ arguments | tojson }}`, Mistral's and Hermes' alike, so a string would be rendered, and trained,
// as a quoted and escaped string ("{\"city\": ...}"); Qwen's writes a string as it is, an object in json.dumps' form.
// So a string holding a JSON object is read into that object before rendering, and an empty one becomes {} (vLLM
// does both). Any other string is left as it is: dataset validation names it.

function argumentsObject(raw: string): Record<string, unknown> | undefined {
  if (raw.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The conversation with each assistant tool call's JSON-string arguments as an object; other messages untouched. */
export function withArgumentObjects(messages: ChatMessage[]): ChatMessage[] {
  let changed = false;
  const out = messages.map((m) => {
    if (m.role !== "assistant" || !Array.isArray(m.tool_calls)) return m;
    let touched = false;
    const calls = (m.tool_calls as unknown[]).map((c) => {
      const fn = (c as { function?: { arguments?: unknown } } | null)?.function;
      if (!fn || typeof fn.arguments !== "string") return c;
      const args = argumentsObject(fn.arguments);
      if (args === undefined) return c;
      touched = true;
      return { ...(c as object), function: { ...fn, arguments: args } };
    });
    if (!touched) return m;
    changed = true;
    return { ...m, tool_calls: calls };
  });
  return changed ? out : messages;
}

import { isRecord, type Rule } from "../types";
import { contentProblems, imageCount } from "./content";

const MAX_IMAGES_PER_EXAMPLE = 10;

// Per-message checks: the cookbook's message_missing_key / message_unrecognized_key / unrecognized_role /
// missing_content, made right for tool calling (reference §4): an assistant message with `tool_calls` (or the
// deprecated `function_call`) may have null or no content, and `tool` is a valid role.

const ALLOWED_KEYS: Record<string, ReadonlySet<string>> = {
  system: new Set(["role", "content", "name"]),
  user: new Set(["role", "content", "name"]),
  assistant: new Set(["role", "content", "name", "weight", "tool_calls", "function_call", "refusal"]),
  tool: new Set(["role", "content", "tool_call_id"]),
  function: new Set(["role", "content", "name"]),
};
const ROLES = Object.keys(ALLOWED_KEYS);

function makesCalls(m: Record<string, unknown>): boolean {
  return (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) || isRecord(m.function_call);
}

export const messagesRule: Rule = {
  name: "messages",
  applies: "chat",
  check({ example, ctx, report }) {
    const messages = example.messages as unknown[];
    const images = messages.reduce<number>((n, m) => n + (isRecord(m) ? imageCount(m.content) : 0), 0);
    if (images > MAX_IMAGES_PER_EXAMPLE) {
      report("invalid_content", `line ${ctx.line}: ${images} images in one example; vision fine-tuning takes at most ${MAX_IMAGES_PER_EXAMPLE}, so split it`, "messages");
    }
    messages.forEach((m, i) => {
      const at = `messages[${i}]`;
      const where = `line ${ctx.line}: ${at}`;
      if (!isRecord(m)) {
        report("data_type", `${where} must be an object like {"role": "user", "content": "…"}`, at);
        return;
      }
      if (!("role" in m)) {
        report("message_missing_key", `${where} has no "role"; add one of ${ROLES.join(", ")}`, `${at}.role`);
      } else if (typeof m.role !== "string" || !(m.role in ALLOWED_KEYS)) {
        const hint = m.role === "developer" ? ' ("developer" is for reinforcement fine-tuning; use "system")' : "";
        report("unrecognized_role", `${where}.role is ${JSON.stringify(m.role)}; use one of ${ROLES.join(", ")}${hint}`, `${at}.role`);
      }
      const role = typeof m.role === "string" && m.role in ALLOWED_KEYS ? m.role : null;
      if (role) {
        for (const key of Object.keys(m)) {
          if (!ALLOWED_KEYS[role]!.has(key)) {
            // A reasoning server's thinking: importing the file keeps it, moved into the content (lib/reasoning.ts).
            const hint = role === "assistant" && (key === "reasoning_content" || key === "reasoning")
              ? "; importing the file (tuneforge import, or the dataset's Import tab) moves this thinking into the content as a <think> block"
              : "";
            report("message_unrecognized_key", `${where} (${role}) has key "${key}", which ${role} messages do not take; allowed: ${[...ALLOWED_KEYS[role]!].join(", ")}${hint}`, `${at}.${key}`);
          }
        }
      }
      const calls = role === "assistant" && makesCalls(m);
      if (!("content" in m)) {
        if (!calls) report("message_missing_key", `${where} has no "content"; add the ${role ?? "message"} text`, `${at}.content`);
      } else if (m.content === null) {
        if (!calls) report("missing_content", `${where}.content is null; only assistant messages with tool_calls may omit content`, `${at}.content`);
      } else {
        for (const p of contentProblems(m.content, role ?? "message", `${at}.content`)) {
          // An assistant tool call may carry an empty string as content: OpenAI accepts it.
          if (calls && p.code !== "invalid_content") continue;
          report(p.code, `line ${ctx.line}: ${p.message}`, p.path);
        }
      }
      if (role === "tool" && !("tool_call_id" in m)) {
        report("message_missing_key", `${where} is a tool result without "tool_call_id"; set it to the id of the assistant tool call it answers`, `${at}.tool_call_id`);
      }
    });
  },
};

import { isRecord, type Rule, type RuleInput } from "../types";
import { contentProblems } from "./content";
import { messagesRule } from "./messages";
import { toolsRule } from "./tools";

// DPO preference lines (reference §4): {"input": {"messages": [...]}, "preferred_output": [assistant],
// "non_preferred_output": [assistant]}. The prompt messages follow the chat message rules; each output is one
// text assistant message ("we only train on one-turn conversations").

export function isPreferenceLine(value: Record<string, unknown>): boolean {
  return "preferred_output" in value || "non_preferred_output" in value || ("input" in value && !("messages" in value));
}

function checkOutput(input: RuleInput, key: "preferred_output" | "non_preferred_output"): void {
  const { example, ctx, report } = input;
  const out = example[key];
  if (!Array.isArray(out) || out.length !== 1 || !isRecord(out[0])) {
    report("invalid_preference", `line ${ctx.line}: "${key}" must be a list with exactly one message: [{"role": "assistant", "content": "…"}]`, key);
    return;
  }
  const m = out[0];
  if (m.role !== "assistant") report("invalid_preference", `line ${ctx.line}: ${key}[0].role must be "assistant"`, `${key}[0].role`);
  if (typeof m.content !== "string") {
    report("invalid_preference", `line ${ctx.line}: ${key}[0].content must be text (DPO trains on text replies only)`, `${key}[0].content`);
    return;
  }
  for (const p of contentProblems(m.content, "assistant", `${key}[0].content`)) report(p.code, `line ${ctx.line}: ${p.message}`, p.path);
}

export const preferenceRule: Rule = {
  name: "preference",
  applies: "preference",
  check(input) {
    const { example, ctx, report } = input;
    const prompt = example.input;
    if (!isRecord(prompt) || !Array.isArray(prompt.messages) || prompt.messages.length === 0) {
      report("invalid_preference", `line ${ctx.line}: a preference line needs "input": {"messages": [...]} with the prompt turns`, "input.messages");
    } else {
      // The prompt is chat data without the reply: same message rules, paths prefixed with "input.".
      const nested: RuleInput = { example: prompt, ctx, report: (code, message, path) => report(code, message.replace(": messages[", ": input.messages["), path ? `input.${path}` : "input") };
      messagesRule.check(nested);
      toolsRule.check(nested);
      const last = prompt.messages[prompt.messages.length - 1];
      if (isRecord(last) && last.role === "assistant") {
        report("invalid_preference", `line ${ctx.line}: input.messages ends with an assistant message; the preferred and non-preferred replies go in the outputs, not the input`, "input.messages");
      }
    }
    checkOutput(input, "preferred_output");
    checkOutput(input, "non_preferred_output");
    const pref = (example.preferred_output as { content?: unknown }[] | undefined)?.[0]?.content;
    const nonPref = (example.non_preferred_output as { content?: unknown }[] | undefined)?.[0]?.content;
    if (typeof pref === "string" && pref === nonPref) {
      report("invalid_preference", `line ${ctx.line}: preferred_output and non_preferred_output are the same text; DPO learns nothing from this pair`);
    }
  },
};

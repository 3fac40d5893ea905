import { isRecord, type Rule } from "../types";

// Conversation order: an assistant reply to learn from, the system prompt first, user and assistant turns
// alternating, and the example ending on the reply (training stops learning at the last assistant turn).

export const turnsRule: Rule = {
  name: "turns",
  applies: "chat",
  check({ example, ctx, report }) {
    const roles = (example.messages as unknown[]).map((m) => (isRecord(m) && typeof m.role === "string" ? m.role : null));
    if (!roles.includes("assistant")) {
      report("example_missing_assistant_message", `line ${ctx.line}: no assistant message; add the reply the model should learn`, "messages");
      return;
    }
    if (!roles.includes("user")) report("missing_user_message", `line ${ctx.line}: no user message; most examples need the user turn the reply answers`, "messages");
    roles.forEach((role, i) => {
      if (role === "system" && i > 0) report("system_not_first", `line ${ctx.line}: messages[${i}] is a system message after the first message; move it to the start`, `messages[${i}]`);
      if (i > 0 && (role === "user" || role === "assistant") && roles[i - 1] === role) {
        report("consecutive_same_role", `line ${ctx.line}: messages[${i - 1}] and messages[${i}] are both ${role} messages; merge them or add the missing turn between`, `messages[${i}]`);
      }
    });
    const last = roles[roles.length - 1];
    if (last !== "assistant") {
      report("last_message_not_assistant", `line ${ctx.line}: the last message is ${last ?? "not a message"}, not an assistant reply; messages after the last reply teach nothing`, `messages[${roles.length - 1}]`);
    }
  },
};

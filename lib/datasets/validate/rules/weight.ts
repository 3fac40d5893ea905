import { isRecord, type Rule } from "../types";

// `weight` (assistant messages only) "controls whether the assistant message is trained against": 0 or 1.

export const weightRule: Rule = {
  name: "weight",
  applies: "chat",
  check({ example, ctx, report }) {
    let assistants = 0;
    let zero = 0;
    (example.messages as unknown[]).forEach((m, i) => {
      if (!isRecord(m) || m.role !== "assistant") return;
      assistants += 1;
      if (!("weight" in m)) return;
      if (m.weight !== 0 && m.weight !== 1) {
        report("invalid_weight", `line ${ctx.line}: messages[${i}].weight is ${JSON.stringify(m.weight)}; use 0 (do not train on this reply) or 1 (train)`, `messages[${i}].weight`);
      } else if (m.weight === 0) zero += 1;
    });
    if (assistants > 0 && zero === assistants) {
      report("no_trained_assistant_message", `line ${ctx.line}: every assistant message has weight 0, so this example trains nothing; set weight 1 on the reply to learn`);
    }
  },
};

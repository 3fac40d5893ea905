import type { Rule } from "../types";

// Examples over the model's per-example limit are truncated from the end in training (reference §4).

export const tokensRule: Rule = {
  name: "tokens",
  applies: "chat",
  check({ example, ctx, report }) {
    if (!ctx.countTokens || ctx.tokenLimit === undefined) return;
    const tokens = ctx.countTokens({ messages: example.messages as unknown[], tools: example.tools });
    if (tokens > ctx.tokenLimit) {
      report("too_many_tokens", `line ${ctx.line}: ~${tokens} tokens, over the ${ctx.tokenLimit}-token limit per example; it will be truncated, so shorten or split it`);
    }
  },
};

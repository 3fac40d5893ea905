import { parseCommandOptions } from "../args";
import type { Command } from "../command";
import { MODEL_LOAD_OPTIONS, MODEL_LOAD_USAGE, openModel, requireAdapterDir, requireModelDir, requireOption } from "../native/options";

// tuneforge logprobs – per-token log-probabilities of a token sequence, for checks and evaluation tools.
export const logprobsCommand: Command = {
  name: "logprobs",
  summary: "print log p(t[i+1] | t[0..i]) of a token sequence under a model (and adapter)",
  usage: [
    "Usage: tuneforge logprobs --model DIR --tokens 1,2,3 [--adapter DIR] [--quant nf4|none] [--double-quant]",
    "",
    'Prints {"logprobs": [...]}: the natural-log probability of each token given the ones before it',
    "(n − 1 values for n tokens).",
    "",
    "Options:",
    "  --adapter DIR       a PEFT LoRA adapter folder to apply",
    ...MODEL_LOAD_USAGE.map((l) => l.replace("held in memory", "held in memory (default none)")),
    "",
  ].join("\n"),
  async run(args, ctx) {
    const { values: v } = parseCommandOptions("logprobs", args, {
      model: { type: "string" },
      tokens: { type: "string" },
      adapter: { type: "string" },
      ...MODEL_LOAD_OPTIONS,
    });
    const modelDir = requireModelDir("logprobs", requireOption("logprobs", "model", v.model, "DIR"));
    const raw = requireOption("logprobs", "tokens", v.tokens, "LIST (comma-separated token ids)");
    const tokens = raw.split(",").map((s, i) => {
      const t = Number(s.trim());
      if (s.trim() === "" || !Number.isInteger(t) || t < 0) throw new Error(`logprobs: --tokens entry ${i + 1} ("${s}") is not a token id (a non-negative integer)`);
      return t;
    });
    if (tokens.length < 2) throw new Error("logprobs: --tokens needs at least 2 ids");
    const adapter = v.adapter ? requireAdapterDir("logprobs", v.adapter) : undefined;
    const { model } = await openModel("logprobs", ctx.root, modelDir, v, "none");
    try {
      const logprobs = await model.logprobs(tokens, adapter);
      ctx.out(JSON.stringify({ logprobs }) + "\n");
      return 0;
    } finally {
      model.close();
    }
  },
};

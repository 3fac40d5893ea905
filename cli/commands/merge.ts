import fs from "node:fs";
import path from "node:path";
import { parseCommandOptions } from "../args";
import type { Command } from "../command";
import { openModel, requireAdapterDir, requireModelDir, requireOption } from "../native/options";
import { TOKENIZER_FILES } from "../../lib/models/files";

// tuneforge merge – folds a LoRA adapter into the base weights (W + scaling·B·A, in the original precision,
// never into re-quantized NF4) and writes a complete HF model folder that any tool can load.


export const mergeCommand: Command = {
  name: "merge",
  summary: "merge a LoRA adapter into its base model and write a complete model folder",
  usage: [
    "Usage: tuneforge merge --model DIR --adapter DIR --out DIR",
    "",
    "Writes OUT as a Hugging Face model folder: bf16 model.safetensors + config.json from the trainer,",
    "plus the base model's tokenizer files (tokenizer.json, tokenizer_config.json, chat_template.jinja, …).",
    "",
  ].join("\n"),
  async run(args, ctx) {
    const { values: v } = parseCommandOptions("merge", args, { model: { type: "string" }, adapter: { type: "string" }, out: { type: "string" } });
    const modelDir = requireModelDir("merge", requireOption("merge", "model", v.model, "DIR"));
    const adapter = requireAdapterDir("merge", requireOption("merge", "adapter", v.adapter, "DIR"));
    const out = path.resolve(requireOption("merge", "out", v.out, "DIR"));
    if (out === modelDir) throw new Error("merge: --out must differ from --model (the base model would be overwritten)");
    // Full precision: merging into dequantized NF4 would bake quantization error into the weights.
    const { model } = await openModel("merge", ctx.root, modelDir, { quant: "none" }, "none");
    try {
      await model.merge(adapter, out);
    } finally {
      model.close();
    }
    const copied: string[] = [];
    for (const name of TOKENIZER_FILES) {
      const from = path.join(modelDir, name);
      const to = path.join(out, name);
      if (fs.existsSync(from) && !fs.existsSync(to)) {
        fs.copyFileSync(from, to);
        copied.push(name);
      }
    }
    ctx.out(`merged ${adapter} into ${out} (copied ${copied.join(", ") || "no tokenizer files"})\n`);
    return 0;
  },
};

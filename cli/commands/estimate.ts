import { estimateFile, type FileEstimate } from "../../lib/cost/estimate-file";
import { JsonlFileError } from "../../lib/datasets/read/jsonl-stream";
import { parseCommandOptions, UsageError } from "../args";
import type { Command } from "../command";

// tuneforge estimate – what training on a file would cost on OpenAI, offline: tokens per the cookbook's
// chat formula, epochs per its default heuristic unless --epochs, price from the built-in table.
const USAGE = [
  "Usage: tuneforge estimate FILE --model M [--epochs N] [--json]",
  "",
  "Estimates the training cost of FILE (JSONL: OpenAI chat, DPO preference, Alpaca, ShareGPT or",
  "prompt/completion; the format is detected). Works offline.",
  "",
  "Options:",
  "  --model M     base model, e.g. gpt-4o-mini-2024-07-18 (or an ft: model); picks tokenizer, limit and price",
  "  --epochs N    epochs to bill (1–50); default: OpenAI's heuristic (3, more for small sets, fewer for large)",
  "  --json        print {\"examples\", \"tokensPerEpoch\", \"epochs\", \"billedTokens\", \"usd\"}",
  "",
  "Examples over the model's per-example limit are billed only up to it (they are truncated in training).",
  "Exit codes: 0 all lines are examples; 1 some lines are not (listed on stderr; the estimate covers the",
  "rest); 2 the file cannot be read, or wrong usage.",
  "",
].join("\n");

/** The API accepts n_epochs 1–50 (reference §2). */
function parseEpochs(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < 1 || n > 50) {
    throw new UsageError(`estimate: --epochs must be a whole number from 1 to 50, got "${raw}".`);
  }
  return n;
}

const integer = new Intl.NumberFormat("en-US");

function humanReport(file: string, model: string, r: FileEstimate, fixedEpochs: boolean): string {
  const e = r.estimate;
  const cost = e.usd === null ? `unknown (no training price for ${model}; pass a known base model)` : `$${e.usd.toFixed(e.usd < 0.01 ? 6 : 2)}`;
  return [
    `${file}: ${integer.format(e.examples)} examples${r.format ? ` (${r.format})` : ""}, model ${model}`,
    `  tokens per epoch  ${integer.format(e.tokensPerEpoch)}`,
    `  epochs            ${e.epochs}${fixedEpochs ? "" : " (OpenAI's default for this many examples)"}`,
    `  billed tokens     ${integer.format(e.billedTokens)}`,
    `  estimated cost    ${cost}`,
    "",
  ].join("\n");
}

export const estimateCommand: Command = {
  name: "estimate",
  summary: "estimate the OpenAI training cost of a JSONL file (offline)",
  usage: USAGE,
  async run(args, ctx) {
    const { values: v, positionals } = parseCommandOptions(
      "estimate",
      args,
      { model: { type: "string" }, epochs: { type: "string" }, json: { type: "boolean", default: false } },
      { positionals: true },
    );
    if (positionals.length !== 1) throw new UsageError("estimate: pass exactly one FILE. Run `tuneforge estimate --help` for usage.");
    const model = v.model?.trim();
    if (!model) throw new UsageError("estimate: --model is required (e.g. --model gpt-4o-mini-2024-07-18).");
    const epochs = parseEpochs(v.epochs);
    const file = positionals[0] as string;

    let result: FileEstimate;
    try {
      result = await estimateFile({ file, model, epochs });
    } catch (err) {
      if (err instanceof JsonlFileError) {
        ctx.err(`tuneforge: ${err.message}\n`);
        return 2;
      }
      throw err;
    }

    ctx.out(v.json ? `${JSON.stringify(result.estimate)}\n` : humanReport(file, model, result, epochs !== undefined));
    if (result.invalid.length === 0 && result.estimate.examples > 0) return 0;
    if (result.estimate.examples === 0 && result.invalid.length === 0) ctx.err(`tuneforge: ${file} has no examples.\n`);
    const shown = result.invalid.slice(0, 50);
    for (const e of shown) ctx.err(`${e.message} [${e.code}]\n`);
    if (result.invalid.length > shown.length) ctx.err(`… and ${result.invalid.length - shown.length} more invalid lines\n`);
    if (result.invalid.length > 0) {
      ctx.err(`tuneforge: ${result.invalid.length} line(s) are not valid examples and were left out of the estimate; run \`tuneforge validate ${file}\` for details.\n`);
    }
    return 1;
  },
};

import { estimateFile, type FileEstimate } from "../../lib/cost/estimate-file";
import { CsvMappingError, CsvSyntaxError, type CsvColumnMapping } from "../../lib/datasets/formats";
import { JsonlFileError } from "../../lib/datasets/read/jsonl-stream";
import { parseCommandOptions, UsageError } from "../args";
import type { Command } from "../command";

// tuneforge estimate – what training on a file would cost on OpenAI, offline: tokens per the cookbook's
// chat formula, epochs per its default heuristic unless --epochs, price from the built-in table.
const USAGE = [
  "Usage: tuneforge estimate FILE --model M [--epochs N] [--json]",
  "       tuneforge estimate FILE.csv --user COL --assistant COL [--system COL] --model M [...]",
  "",
  "Estimates the training cost of FILE (JSONL: OpenAI chat, DPO preference, Alpaca, ShareGPT or",
  "prompt/completion, detected; or CSV with a header row and the columns named). Works offline.",
  "",
  "Options:",
  "  --model M     base model, e.g. gpt-4o-mini-2024-07-18 (or an ft: model); picks tokenizer, limit and price",
  "  --epochs N    epochs to bill (1–50); default: OpenAI's heuristic (3, more for small sets, fewer for large)",
  "  --user COL --assistant COL --system COL   CSV columns holding each part (system optional)",
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

/** CSV when the file is .csv or columns are given; then --user and --assistant are required. */
function csvMapping(file: string, v: { user?: string; assistant?: string; system?: string }): CsvColumnMapping | undefined {
  const isCsv = file.toLowerCase().endsWith(".csv") || v.user !== undefined || v.assistant !== undefined || v.system !== undefined;
  if (!isCsv) return undefined;
  if (!v.user || !v.assistant) {
    throw new UsageError("estimate: a CSV file needs --user COL and --assistant COL (and optionally --system COL), named as in its header row.");
  }
  return { user: v.user, assistant: v.assistant, ...(v.system ? { system: v.system } : {}) };
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
      {
        model: { type: "string" },
        epochs: { type: "string" },
        json: { type: "boolean", default: false },
        user: { type: "string" },
        assistant: { type: "string" },
        system: { type: "string" },
      },
      { positionals: true },
    );
    if (positionals.length !== 1) throw new UsageError("estimate: pass exactly one FILE. Run `tuneforge estimate --help` for usage.");
    const model = v.model?.trim();
    if (!model) throw new UsageError("estimate: --model is required (e.g. --model gpt-4o-mini-2024-07-18).");
    const epochs = parseEpochs(v.epochs);
    const file = positionals[0] as string;
    const csv = csvMapping(file, v);

    let result: FileEstimate;
    try {
      result = await estimateFile({ file, model, epochs, csv });
    } catch (err) {
      // Unreadable file or a mapping naming no column: nothing can be estimated (2). Broken quoting: the
      // file is readable but not valid CSV from that line on (1).
      if (err instanceof JsonlFileError || err instanceof CsvMappingError) {
        ctx.err(`tuneforge: ${err.message}\n`);
        return 2;
      }
      if (err instanceof CsvSyntaxError) {
        ctx.err(`tuneforge: ${file} ${err.message}\n`);
        return 1;
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
      const more = csv ? "" : `; run \`tuneforge validate ${file}\` for details`;
      ctx.err(`tuneforge: ${result.invalid.length} line(s) are not valid examples and were left out of the estimate${more}.\n`);
    }
    return 1;
  },
};

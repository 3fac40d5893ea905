import { parseCommandOptions } from "../args";
import type { FileToValidate } from "../../lib/datasets/validate/file";
import type { CliContext, Command } from "../command";

// tuneforge validate FILE – offline check of a fine-tuning JSONL file before it is uploaded.
// Exit 0 = no errors, 1 = errors, 2 = the file cannot be read (missing, a directory, binary) or wrong usage.

export const DEFAULT_VALIDATE_MODEL = "gpt-4o-mini-2024-07-18";

type ValidateRun = { file: string; validationFile?: string; model: string; tokenLimit?: number; json: boolean };

export const validateCommand: Command = {
  name: "validate",
  summary: "check a fine-tuning JSONL file offline: errors, warnings, tokens and estimated cost",
  usage: [
    "Usage: tuneforge validate FILE [--model M] [--validation-file FILE] [--token-limit N] [--json]",
    "",
    "Checks every line of an OpenAI chat (or DPO preference) JSONL file: the cookbook's format errors and",
    "more (tool calls, weights, duplicate keys, duplicates, near-duplicates, example counts, token limits).",
    "Prints the examples, total tokens and the cost with OpenAI's default epochs. Works offline.",
    "",
    "Options:",
    `  --model M               model to count tokens and price for (default ${DEFAULT_VALIDATE_MODEL})`,
    "  --validation-file FILE  also check a validation split, including prompts leaked from training",
    "  --token-limit N         per-example token limit (default: the model's, e.g. 65536 for gpt-4o-mini)",
    '  --json                  print one object: {"examples", "totalTokens", "billedTokens", "estimatedCost",',
    '                          "errors", "warnings", "stats"}',
    "",
    "Exit codes: 0 no errors, 1 errors found, 2 the file cannot be read.",
    "Validation codes are documented in the README (section \"Validation codes\").",
    "",
  ].join("\n"),
  async run(args, ctx) {
    const { values: v, positionals } = parseCommandOptions(
      "validate",
      args,
      { model: { type: "string" }, "validation-file": { type: "string" }, "token-limit": { type: "string" }, json: { type: "boolean", default: false } },
      { positionals: true },
    );
    if (positionals.length !== 1) {
      ctx.err(`tuneforge: validate: give exactly one FILE (got ${positionals.length}). Run \`tuneforge validate --help\` for usage.\n`);
      return 2;
    }
    const file = positionals[0]!;
    const model = v.model ?? DEFAULT_VALIDATE_MODEL;
    let tokenLimit: number | undefined;
    if (v["token-limit"] !== undefined) {
      tokenLimit = Number(v["token-limit"]);
      if (!Number.isInteger(tokenLimit) || tokenLimit < 1) {
        ctx.err(`tuneforge: validate: --token-limit must be a positive whole number, not "${v["token-limit"]}"\n`);
        return 2;
      }
    }
    return runValidate({ file, validationFile: v["validation-file"], model, tokenLimit, json: v.json ?? false }, ctx);
  },
};

async function runValidate(opts: ValidateRun, ctx: CliContext): Promise<number> {
  const files: FileToValidate[] = [{ path: opts.file, split: "train" }];
  if (opts.validationFile) files.push({ path: opts.validationFile, split: "validation" });
  // Loaded on use: the tiktoken rank tables are large and `tuneforge --help` does not need them.
  const [{ estimateBilling, defaultTrainingPrice }, { JsonlFileError }, { validateFiles }, { formatReport }, { openAiTokenCounter }] = await Promise.all([
    import("../../lib/cost/estimate"),
    import("../../lib/datasets/read/jsonl-stream"),
    import("../../lib/datasets/validate/file"),
    import("../../lib/datasets/validate/format"),
    import("../../lib/tokens/count"),
  ]);
  const counter = openAiTokenCounter(opts.model);
  let report;
  try {
    report = await validateFiles(files, { counter, ...(opts.tokenLimit ? { tokenLimit: opts.tokenLimit } : {}) });
  } catch (err) {
    if (err instanceof JsonlFileError) {
      ctx.err(`tuneforge: validate: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const billing = estimateBilling({
    exampleTokens: report.trainTokens,
    model: opts.model,
    tokenLimit: opts.tokenLimit ?? counter.tokenLimit,
    usdPerMTok: defaultTrainingPrice(opts.model),
  });
  const cost = { model: opts.model, epochs: billing.epochs, billedTokens: billing.billedTokens, usd: billing.usd };
  if (opts.json) {
    const issue = (i: (typeof report.errors)[number]) => ({ line: i.line, code: i.code, message: i.message, ...(i.path ? { path: i.path } : {}), ...(i.split ? { split: i.split } : {}) });
    const out = {
      examples: report.stats.trainExamples,
      totalTokens: report.stats.totalTokens,
      billedTokens: billing.billedTokens,
      estimatedCost: { model: opts.model, epochs: billing.epochs, usd: billing.usd },
      errors: report.errors.map(issue),
      warnings: report.warnings.map(issue),
      stats: report.stats,
    };
    ctx.out(JSON.stringify(out, null, 2) + "\n");
  } else {
    ctx.out(formatReport(opts.file, report, cost));
  }
  return report.errors.length > 0 ? 1 : 0;
}

import type { PrismaClient } from "@prisma/client";
import type { z } from "zod";
import { estimateBilling } from "../../cost/estimate";
import { defaultEpochs } from "../../cost/epochs";
import { trainingPriceFor } from "../../datasets/stats/price";
import { prisma } from "../../db/client";
import type { Env } from "../../env";
import { listPrices } from "../../pricing/list";
import { validateOpenAIConfig } from "../../providers/openai/finetune";
import { resolveOpenAIConfig } from "../../settings/credentials";
import { DEFAULT_COUNT_MODEL } from "../../tokens/count";
import { explainAutoEpochs } from "./auto-epochs";
import type { LaunchIssue } from "./issues";
import { launchRequestSchema, type LaunchHyperparameters, type LaunchRequest } from "./request";
import { readVersionReport, type VersionReport } from "./version-report";

// Everything the launch form shows before any money is spent, and the checks POST /api/jobs repeats: the
// version's training tokens × epochs × the price table's training price, plus every issue that blocks a launch.
// A request with mistakes still gets an estimate from what can be read, so the numbers stay on screen while
// the user fixes a field.

export const OPENAI_MIN_EXAMPLES = 10;

export type LaunchVersionRef = {
  id: string;
  datasetId: string;
  datasetName: string;
  number: number;
  trainCount: number;
  validationCount: number;
  hasPreference: boolean;
};

export type LaunchEstimate = {
  version: LaunchVersionRef | null;
  baseModel: string | null;
  method: "supervised" | "dpo";
  /** Training examples (billed); validation examples are evaluated for free. */
  examples: number;
  validationExamples: number;
  tokensPerEpoch: number;
  epochs: number;
  /** true when n_epochs is "auto" (or unset): `epochs` is OpenAI's heuristic, explained in epochsNote. */
  epochsAuto: boolean;
  epochsNote: string | null;
  billedTokens: number;
  /** Price-table row the price came from (same family when the exact snapshot is not listed). */
  priceModel: string | null;
  usdPerMTok: number | null;
  usd: number | null;
  /** Things worth knowing that do not block a launch (unknown price, warnings in the data…). */
  notes: string[];
  /** Everything that blocks a launch; empty = ready. */
  issues: LaunchIssue[];
  openaiConfigured: boolean;
};

export type LaunchCheck = {
  estimate: LaunchEstimate;
  /** The parsed request with the method resolved; null when its shape is wrong. */
  request: (LaunchRequest & { method: "supervised" | "dpo" }) | null;
};

type Options = { db?: PrismaClient; env?: Env; root?: string };

// API names in messages: the form labels show them too, and OpenAI's docs use them.
const API_NAMES: Record<string, string> = { nEpochs: "n_epochs", batchSize: "batch_size", learningRateMultiplier: "learning_rate_multiplier", beta: "beta" };

function zodIssues(error: z.ZodError): LaunchIssue[] {
  return error.issues.map((i) => {
    const field = i.path.join(".") || "request";
    const last = String(i.path.at(-1) ?? "");
    const name = API_NAMES[last] ?? field;
    const message = i.code === "unrecognized_keys" ? `Unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.join(", ")}; remove ${i.keys.length > 1 ? "them" : "it"}.` : `${name}: ${i.message}.`;
    return { field, code: "invalid_field" as const, message };
  });
}

/** The fields an estimate can use even when the request as a whole does not parse. */
function looseFields(raw: unknown) {
  const r = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);
  const hp = (typeof r.hyperparameters === "object" && r.hyperparameters !== null ? r.hyperparameters : {}) as Record<string, unknown>;
  return {
    datasetVersionId: str(r.datasetVersionId),
    datasetId: str(r.datasetId),
    versionNumber: typeof r.versionNumber === "number" ? r.versionNumber : undefined,
    baseModel: str(r.baseModel),
    method: r.method === "dpo" || r.method === "supervised" ? (r.method as "dpo" | "supervised") : undefined,
    nEpochs: typeof hp.nEpochs === "number" ? hp.nEpochs : undefined,
  };
}

async function findVersion(db: PrismaClient, f: ReturnType<typeof looseFields>) {
  const include = { dataset: { select: { name: true } } } as const;
  if (f.datasetVersionId) return db.datasetVersion.findUnique({ where: { id: f.datasetVersionId }, include });
  if (f.datasetId && f.versionNumber) {
    return db.datasetVersion.findUnique({ where: { datasetId_number: { datasetId: f.datasetId, number: f.versionNumber } }, include });
  }
  return null;
}

function methodIssues(method: "supervised" | "dpo", report: VersionReport, label: string): LaunchIssue[] {
  const { chatExamples: chat, preferenceExamples: pref } = report;
  if (method === "dpo" && pref === 0) {
    return [{ field: "method", code: "method_mismatch", message: `DPO needs preference pairs, and ${label} has none; choose supervised, or import DPO preference data and freeze a new version.` }];
  }
  if (method === "supervised" && pref > 0 && chat === 0) {
    return [{ field: "method", code: "method_mismatch", message: `${label} holds only preference pairs; choose the dpo method to train on them.` }];
  }
  if (chat > 0 && pref > 0) {
    return [{ field: "method", code: "method_mismatch", message: `${label} mixes ${pref} preference pairs with ${chat} chat examples; OpenAI trains one format per job, so keep them in separate datasets.` }];
  }
  return [];
}

function hyperparameterIssues(request: LaunchRequest, method: "supervised" | "dpo"): LaunchIssue[] {
  const found = validateOpenAIConfig({
    tuneforgeJobId: "launch-check",
    model: request.baseModel,
    method,
    hyperparameters: request.hyperparameters,
    suffix: request.suffix,
    seed: request.seed,
  });
  const out: LaunchIssue[] = found.map((i) => {
    const hp = API_NAMES[i.field];
    const field = hp ? `hyperparameters.${i.field}` : i.field;
    return { field, code: "invalid_hyperparameter" as const, message: `${hp ?? i.field}: ${i.message}.` };
  });
  if (/\s/.test(request.baseModel)) out.push({ field: "baseModel", code: "invalid_field", message: `baseModel: "${request.baseModel}" contains spaces; model names look like gpt-4o-mini-2024-07-18.` });
  return out;
}

export async function checkLaunch(raw: unknown, opts: Options = {}): Promise<LaunchCheck> {
  const db = opts.db ?? prisma();
  const parsed = launchRequestSchema.safeParse(raw);
  const issues: LaunchIssue[] = parsed.success ? [] : zodIssues(parsed.error);
  const loose = looseFields(raw);
  const notes: string[] = [];

  if (parsed.success && parsed.data.provider !== "openai") {
    const message = `provider "${parsed.data.provider}" is not one tuneforge can launch; use "openai" (hosted) or "local" (the native trainer on a GPU worker).`;
    issues.push({ field: "provider", code: "provider_unsupported", message });
  }

  const [row, credentials, prices] = await Promise.all([
    findVersion(db, loose),
    resolveOpenAIConfig({ db, env: opts.env }),
    listPrices({ db }),
  ]);
  if (!credentials) {
    issues.push({ field: "credentials", code: "openai_not_configured", message: "No OpenAI key is configured: add your API key in Settings (or set OPENAI_API_KEY), then launch." });
  }
  if (!row && (loose.datasetVersionId || loose.datasetId)) {
    issues.push({ field: "datasetVersionId", code: "version_not_found", message: "That dataset version does not exist (deleted?); pick another, or freeze one on the dataset's Splits & versions tab." });
  }

  const model = loose.baseModel ?? DEFAULT_COUNT_MODEL;
  const report = row ? await readVersionReport(row, model, opts.root) : null;
  const label = row ? `version v${row.number} of "${row.dataset.name}"` : "";
  const onlyPreference = !!report && report.preferenceExamples > 0 && report.chatExamples === 0;
  // Unset: OpenAI's default (supervised), except for a preference-only version, which can only be DPO.
  const method: "supervised" | "dpo" = loose.method ?? (onlyPreference ? "dpo" : "supervised");

  if (row && report) {
    if (report.unreadable) {
      issues.push({ field: "dataset", code: "version_unreadable", message: `The frozen files of ${label} cannot be read (${report.unreadable}); check the data directory, or freeze a new version.` });
    } else {
      if (report.errorCount > 0) {
        const first = report.errors[0];
        const message = `${label} has ${report.errorCount} error${report.errorCount === 1 ? "" : "s"}${first ? ` (first: ${first.message})` : ""}; fix the examples in the dataset and freeze a new version.`;
        issues.push({ field: "dataset", code: "version_has_errors", message });
      }
      if (report.trainExamples < OPENAI_MIN_EXAMPLES) {
        const message = `${label} has ${report.trainExamples} training example${report.trainExamples === 1 ? "" : "s"}; OpenAI needs at least ${OPENAI_MIN_EXAMPLES}. Add examples to the train split and freeze a new version.`;
        issues.push({ field: "dataset", code: "too_few_examples", message });
      }
      issues.push(...methodIssues(method, report, label));
      if (report.warningCount > 0) notes.push(`The data has ${report.warningCount} warning${report.warningCount === 1 ? "" : "s"} (duplicates, leakage, long examples…); see the dataset's Statistics tab. They do not block training.`);
    }
  }
  if (parsed.success) issues.push(...hyperparameterIssues(parsed.data, method));

  // The estimate: fixed epochs when a valid number was given, OpenAI's heuristic otherwise.
  const examples = report?.trainExamples ?? 0;
  const fixed = loose.nEpochs !== undefined && Number.isInteger(loose.nEpochs) && loose.nEpochs >= 1 && loose.nEpochs <= 50 ? loose.nEpochs : undefined;
  const price = loose.baseModel ? trainingPriceFor(prices.prices.filter((p) => p.provider === "openai"), loose.baseModel) : null;
  const billing = estimateBilling({ exampleTokens: report?.trainTokens ?? [], model, epochs: fixed ?? defaultEpochs(examples), tokenLimit: report?.tokenLimit, usdPerMTok: price?.usdPerMTok ?? null });
  if (loose.baseModel && !price) notes.push(`The price table has no training price for ${loose.baseModel}, so the cost is unknown; add the model on the Costs page to see it.`);
  if (method === "dpo") notes.push("DPO tokens are counted over the prompt and both answers; OpenAI's bill may differ.");

  return {
    estimate: {
      version: row
        ? { id: row.id, datasetId: row.datasetId, datasetName: row.dataset.name, number: row.number, trainCount: row.trainCount, validationCount: row.validationCount, hasPreference: row.hasPreference }
        : null,
      baseModel: loose.baseModel ?? null,
      method,
      examples,
      validationExamples: report?.validationExamples ?? 0,
      tokensPerEpoch: billing.tokensPerEpoch,
      epochs: billing.epochs,
      epochsAuto: fixed === undefined,
      epochsNote: fixed === undefined && report ? explainAutoEpochs(examples) : null,
      billedTokens: billing.billedTokens,
      priceModel: price?.model ?? null,
      usdPerMTok: price?.usdPerMTok ?? null,
      usd: billing.usd,
      notes,
      issues,
      openaiConfigured: !!credentials,
    },
    request: parsed.success ? { ...parsed.data, method } : null,
  };
}

export type { LaunchHyperparameters };

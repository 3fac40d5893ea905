// Default price table: OpenAI standard tier, USD per 1M tokens, as collected in tuneforge's reference notes
// on OpenAI fine-tuning (§5), whose sources are copies of the official pricing page from 2026 (the ones
// carrying the fine-tuning wind-down banner), read on 2026-08-21. Prices change; the table in the database
// is what estimates use, and users can edit it.
//
// Base-model prices (base*PerMTok: what calling the model itself costs, before any fine-tuning; a fine-tuned
// model bills inference at about twice these) come from public copies of OpenAI's pricing page, standard tier,
// read on 2026-11-29; each figure was found in at least one copy, most in two:
// - gpt-4.1 / 4.1-mini / 4.1-nano / gpt-4o / gpt-4o-mini, input / cached input / output: the price table of the
//   openai_responses Hex package (lib/responses/pricing.ex, "Source: platform.openai.com/docs/pricing, 2025-06-03");
//   also GitHub's Copilot models-and-pricing table (gpt-4.1 2.00/0.50/8.00), CommitBrief's OpenAI provider page
//   (gpt-4o 2.50/1.25/10.00, gpt-4o-mini 0.15/0.075/0.60), deploybase.ai's GPT-4.1 pricing article (input/output
//   of the 4.1 family) and llmpricing.site (gpt-4.1-nano cached 0.025).
// - gpt-3.5-turbo-0125 0.50 / 1.50 (no cached-input price): burncloud.com's GPT-3.5 Turbo page and a gist of
//   OpenAI per-1K prices ($0.0005 / $0.0015).
// - davinci-002 2.00 and babbage-002 0.40, one price for input and output: cloudprice.net's babbage-002 page
//   (which lists both models); one copy only, so check it before relying on it.
//
// Left out on purpose: o4-mini reinforcement fine-tuning is billed per training hour ($100/h), not per
// token, and tuneforge trains with supervised and DPO methods only.

export const PRICE_SOURCE = "OpenAI pricing page, standard tier (copies from 2026); USD per 1M tokens";

/** The source stored on each default row: where its numbers were read. */
export const DEFAULT_ROW_SOURCE = "tuneforge reference notes on OpenAI fine-tuning, §5 (OpenAI pricing page copies, 2026)";

/** Said beside the base-model prices: where they were read. */
export const BASE_PRICE_SOURCE = "base-model prices: public copies of OpenAI's pricing page, standard tier, read 2026-11-29";

/** The day the default prices were read from their sources (YYYY-MM-DD). */
export const DEFAULT_PRICES_AS_OF = "2026-08-21";

export type DefaultPrice = {
  provider: "openai";
  model: string;
  trainingPerMTok: number;
  inputPerMTok: number;
  cachedInputPerMTok: number | null;
  outputPerMTok: number;
  /** The base model's own inference prices (null where no public copy corroborated one). */
  baseInputPerMTok: number | null;
  baseCachedInputPerMTok: number | null;
  baseOutputPerMTok: number | null;
  note: string;
  /** Older models OpenAI still lists but no longer recommends (no cached-input price). */
  legacy?: boolean;
};

export const DEFAULT_PRICES: readonly DefaultPrice[] = [
  { provider: "openai", model: "gpt-4.1-2025-04-14", trainingPerMTok: 25, inputPerMTok: 3, cachedInputPerMTok: 0.75, outputPerMTok: 12, baseInputPerMTok: 2, baseCachedInputPerMTok: 0.5, baseOutputPerMTok: 8, note: "" },
  { provider: "openai", model: "gpt-4.1-mini-2025-04-14", trainingPerMTok: 5, inputPerMTok: 0.8, cachedInputPerMTok: 0.2, outputPerMTok: 3.2, baseInputPerMTok: 0.4, baseCachedInputPerMTok: 0.1, baseOutputPerMTok: 1.6, note: "" },
  {
    provider: "openai",
    model: "gpt-4.1-nano-2025-04-14",
    trainingPerMTok: 1.5,
    inputPerMTok: 0.2,
    cachedInputPerMTok: 0.05,
    outputPerMTok: 0.8,
    baseInputPerMTok: 0.1,
    baseCachedInputPerMTok: 0.025,
    baseOutputPerMTok: 0.4,
    note: "An unverified report says this base was retired on 2026-10-23; check OpenAI's deprecations page.",
  },
  { provider: "openai", model: "gpt-4o-2024-08-06", trainingPerMTok: 25, inputPerMTok: 3.75, cachedInputPerMTok: 1.875, outputPerMTok: 15, baseInputPerMTok: 2.5, baseCachedInputPerMTok: 1.25, baseOutputPerMTok: 10, note: "" },
  { provider: "openai", model: "gpt-4o-mini-2024-07-18", trainingPerMTok: 3, inputPerMTok: 0.3, cachedInputPerMTok: 0.15, outputPerMTok: 1.2, baseInputPerMTok: 0.15, baseCachedInputPerMTok: 0.075, baseOutputPerMTok: 0.6, note: "" },
  { provider: "openai", model: "gpt-3.5-turbo-0125", trainingPerMTok: 8, inputPerMTok: 3, cachedInputPerMTok: null, outputPerMTok: 6, baseInputPerMTok: 0.5, baseCachedInputPerMTok: null, baseOutputPerMTok: 1.5, note: "Legacy model.", legacy: true },
  { provider: "openai", model: "davinci-002", trainingPerMTok: 6, inputPerMTok: 12, cachedInputPerMTok: null, outputPerMTok: 12, baseInputPerMTok: 2, baseCachedInputPerMTok: null, baseOutputPerMTok: 2, note: "Legacy completions model.", legacy: true },
  { provider: "openai", model: "babbage-002", trainingPerMTok: 0.4, inputPerMTok: 1.6, cachedInputPerMTok: null, outputPerMTok: 1.6, baseInputPerMTok: 0.4, baseCachedInputPerMTok: null, baseOutputPerMTok: 0.4, note: "Legacy completions model.", legacy: true },
];

/** The defaults for one model, or undefined when the model is not a built-in row. */
export function defaultPriceFor(provider: string, model: string): DefaultPrice | undefined {
  return DEFAULT_PRICES.find((p) => p.provider === provider && p.model === model);
}

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 });

/**
 * The note the first releases stored with a default row, when the cached-input price had no column of its own;
 * the back-fill recognises an untouched row by it and replaces it with the plain note.
 */
export function legacyDefaultNote(p: DefaultPrice): string {
  const cached = p.cachedInputPerMTok === null ? "" : `Cached input ${usd.format(p.cachedInputPerMTok)} / 1M.`;
  return [cached, p.note].filter(Boolean).join(" ");
}

// Default price table: OpenAI standard tier, USD per 1M tokens, as collected in tuneforge's reference notes
// on OpenAI fine-tuning (§5), whose sources are copies of the official pricing page from 2026 (the ones
// carrying the fine-tuning wind-down banner), read on 2026-08-21. Prices change; the table in the database
// is what estimates use, and users can edit it.
//
// Left out on purpose: o4-mini reinforcement fine-tuning is billed per training hour ($100/h), not per
// token, and tuneforge trains with supervised and DPO methods only.

export const PRICE_SOURCE = "OpenAI pricing page, standard tier (copies from 2026); USD per 1M tokens";

/** The source stored on each default row: where its numbers were read. */
export const DEFAULT_ROW_SOURCE = "tuneforge reference notes on OpenAI fine-tuning, §5 (OpenAI pricing page copies, 2026)";

/** The day the default prices were read from their sources (YYYY-MM-DD). */
export const DEFAULT_PRICES_AS_OF = "2026-08-21";

export type DefaultPrice = {
  provider: "openai";
  model: string;
  trainingPerMTok: number;
  inputPerMTok: number;
  cachedInputPerMTok: number | null;
  outputPerMTok: number;
  note: string;
  /** Older models OpenAI still lists but no longer recommends (no cached-input price). */
  legacy?: boolean;
};

export const DEFAULT_PRICES: readonly DefaultPrice[] = [
  { provider: "openai", model: "gpt-4.1-2025-04-14", trainingPerMTok: 25, inputPerMTok: 3, cachedInputPerMTok: 0.75, outputPerMTok: 12, note: "" },
  { provider: "openai", model: "gpt-4.1-mini-2025-04-14", trainingPerMTok: 5, inputPerMTok: 0.8, cachedInputPerMTok: 0.2, outputPerMTok: 3.2, note: "" },
  {
    provider: "openai",
    model: "gpt-4.1-nano-2025-04-14",
    trainingPerMTok: 1.5,
    inputPerMTok: 0.2,
    cachedInputPerMTok: 0.05,
    outputPerMTok: 0.8,
    note: "An unverified report says this base was retired on 2026-10-23; check OpenAI's deprecations page.",
  },
  { provider: "openai", model: "gpt-4o-2024-08-06", trainingPerMTok: 25, inputPerMTok: 3.75, cachedInputPerMTok: 1.875, outputPerMTok: 15, note: "" },
  { provider: "openai", model: "gpt-4o-mini-2024-07-18", trainingPerMTok: 3, inputPerMTok: 0.3, cachedInputPerMTok: 0.15, outputPerMTok: 1.2, note: "" },
  { provider: "openai", model: "gpt-3.5-turbo-0125", trainingPerMTok: 8, inputPerMTok: 3, cachedInputPerMTok: null, outputPerMTok: 6, note: "Legacy model.", legacy: true },
  { provider: "openai", model: "davinci-002", trainingPerMTok: 6, inputPerMTok: 12, cachedInputPerMTok: null, outputPerMTok: 12, note: "Legacy completions model.", legacy: true },
  { provider: "openai", model: "babbage-002", trainingPerMTok: 0.4, inputPerMTok: 1.6, cachedInputPerMTok: null, outputPerMTok: 1.6, note: "Legacy completions model.", legacy: true },
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

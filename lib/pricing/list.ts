import type { PriceEntry, PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { backfillDefaultPrices, defaultRowData } from "./backfill";
import { DEFAULT_PRICES, PRICE_SOURCE, defaultPriceFor } from "./defaults";

export type PriceRow = {
  id: string;
  provider: string;
  model: string;
  trainingPerMTok: number;
  inputPerMTok: number | null;
  outputPerMTok: number | null;
  cachedInputPerMTok: number | null;
  /** The base model's own inference prices (the columns above are its fine-tuned version's). */
  baseInputPerMTok: number | null;
  baseCachedInputPerMTok: number | null;
  baseOutputPerMTok: number | null;
  /** The day the price was read (YYYY-MM-DD); null for rows added before dates were kept. */
  asOf: string | null;
  /** Where the price came from: the defaults' source, or "edited". */
  source: string;
  note: string;
  /** An older model OpenAI no longer recommends (from the defaults). */
  legacy: boolean;
  /** A built-in row: "Reset" puts its default prices back. */
  hasDefault: boolean;
  updatedAt: string;
};

export type PriceTable = { source: string; prices: PriceRow[] };

/**
 * Fills an empty price table from the defaults and brings untouched default rows of older installations up to
 * date (dates, source, cached-input and base-model columns); returns how many rows were inserted.
 */
export async function seedDefaultPrices(opts: { db?: PrismaClient } = {}): Promise<number> {
  const db = opts.db ?? prisma();
  let inserted = 0;
  if ((await db.priceEntry.count()) === 0) {
    // skipDuplicates: two first requests arriving together must not fail on the (provider, model) key.
    const result = await db.priceEntry.createMany({ data: DEFAULT_PRICES.map(defaultRowData), skipDuplicates: true });
    inserted = result.count;
  }
  await backfillDefaultPrices({ db });
  return inserted;
}

// Current models first, legacy ones last (the defaults' order); rows the user added follow by name.
function defaultRank(model: string): number {
  const i = DEFAULT_PRICES.findIndex((p) => p.model === model);
  return i === -1 ? DEFAULT_PRICES.length : i;
}

export function toPriceRow(r: PriceEntry): PriceRow {
  const def = defaultPriceFor(r.provider, r.model);
  return {
    id: r.id,
    provider: r.provider,
    model: r.model,
    trainingPerMTok: r.trainingPerMTok.toNumber(),
    inputPerMTok: r.inputPerMTok?.toNumber() ?? null,
    outputPerMTok: r.outputPerMTok?.toNumber() ?? null,
    cachedInputPerMTok: r.cachedInputPerMTok?.toNumber() ?? null,
    baseInputPerMTok: r.baseInputPerMTok?.toNumber() ?? null,
    baseCachedInputPerMTok: r.baseCachedInputPerMTok?.toNumber() ?? null,
    baseOutputPerMTok: r.baseOutputPerMTok?.toNumber() ?? null,
    asOf: r.asOf ? r.asOf.toISOString().slice(0, 10) : null,
    source: r.source,
    note: r.note,
    legacy: def?.legacy === true,
    hasDefault: def !== undefined,
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The price table (filled from the defaults at first start by seedDefaultPrices, not on each read). */
export async function listPrices(opts: { db?: PrismaClient } = {}): Promise<PriceTable> {
  const db = opts.db ?? prisma();
  const rows = await db.priceEntry.findMany({ orderBy: [{ provider: "asc" }, { model: "asc" }] });
  rows.sort(
    (a, b) => a.provider.localeCompare(b.provider) || defaultRank(a.model) - defaultRank(b.model) || a.model.localeCompare(b.model),
  );
  return { source: PRICE_SOURCE, prices: rows.map(toPriceRow) };
}

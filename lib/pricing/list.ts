import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { DEFAULT_PRICES, PRICE_SOURCE, defaultNote } from "./defaults";

export type PriceRow = {
  id: string;
  provider: string;
  model: string;
  trainingPerMTok: number;
  inputPerMTok: number | null;
  outputPerMTok: number | null;
  note: string;
  updatedAt: string;
};

export type PriceTable = { source: string; prices: PriceRow[] };

/** Fills an empty price table from the defaults; returns how many rows were written. */
export async function seedDefaultPrices(opts: { db?: PrismaClient } = {}): Promise<number> {
  const db = opts.db ?? prisma();
  if ((await db.priceEntry.count()) > 0) return 0;
  // skipDuplicates: two first requests arriving together must not fail on the (provider, model) key.
  const result = await db.priceEntry.createMany({
    data: DEFAULT_PRICES.map((p) => ({
      provider: p.provider,
      model: p.model,
      trainingPerMTok: p.trainingPerMTok,
      inputPerMTok: p.inputPerMTok,
      outputPerMTok: p.outputPerMTok,
      note: defaultNote(p),
    })),
    skipDuplicates: true,
  });
  return result.count;
}

// Current models first, legacy ones last (the defaults' order); rows the user added follow by name.
function defaultRank(model: string): number {
  const i = DEFAULT_PRICES.findIndex((p) => p.model === model);
  return i === -1 ? DEFAULT_PRICES.length : i;
}

/** The price table (filled from the defaults at first start by seedDefaultPrices, not on each read). */
export async function listPrices(opts: { db?: PrismaClient } = {}): Promise<PriceTable> {
  const db = opts.db ?? prisma();
  const rows = await db.priceEntry.findMany({ orderBy: [{ provider: "asc" }, { model: "asc" }] });
  rows.sort(
    (a, b) => a.provider.localeCompare(b.provider) || defaultRank(a.model) - defaultRank(b.model) || a.model.localeCompare(b.model),
  );
  return {
    source: PRICE_SOURCE,
    prices: rows.map((r) => ({
      id: r.id,
      provider: r.provider,
      model: r.model,
      trainingPerMTok: r.trainingPerMTok.toNumber(),
      inputPerMTok: r.inputPerMTok?.toNumber() ?? null,
      outputPerMTok: r.outputPerMTok?.toNumber() ?? null,
      note: r.note,
      updatedAt: r.updatedAt.toISOString(),
    })),
  };
}

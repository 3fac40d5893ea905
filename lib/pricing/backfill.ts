import type { Prisma, PrismaClient } from "@prisma/client";
import { DEFAULT_PRICES, DEFAULT_PRICES_AS_OF, DEFAULT_ROW_SOURCE, legacyDefaultNote, type DefaultPrice } from "./defaults";

// Installations seeded before the price table kept dates and sources hold default rows with an empty source,
// no "as of" date and the cached-input price written into the note. Rows whose prices still equal the defaults
// are brought up to date; a row the user changed keeps what it has. Every write is conditional on the row
// still looking untouched (empty source), so running it again, or from two processes at once, changes nothing.

/** The columns of a default row as first written (also what "Reset to default" puts back). */
export function defaultRowData(p: DefaultPrice): Prisma.PriceEntryCreateManyInput {
  return {
    provider: p.provider,
    model: p.model,
    trainingPerMTok: p.trainingPerMTok,
    inputPerMTok: p.inputPerMTok,
    outputPerMTok: p.outputPerMTok,
    cachedInputPerMTok: p.cachedInputPerMTok,
    baseInputPerMTok: p.baseInputPerMTok,
    baseCachedInputPerMTok: p.baseCachedInputPerMTok,
    baseOutputPerMTok: p.baseOutputPerMTok,
    asOf: new Date(`${DEFAULT_PRICES_AS_OF}T00:00:00Z`),
    source: DEFAULT_ROW_SOURCE,
    note: p.note,
  };
}

/**
 * Gives built-in rows written before the table had base-model columns their default base prices. Only rows whose
 * three base columns are all still empty are touched, so a base price someone typed (even one of the three) is
 * never overwritten, and a second run finds nothing to do. Edited rows get them too: nobody could have set
 * these columns before they existed. Returns how many rows were filled.
 */
export async function backfillBasePrices(opts: { db: PrismaClient }): Promise<number> {
  let filled = 0;
  for (const p of DEFAULT_PRICES) {
    if (p.baseInputPerMTok === null && p.baseCachedInputPerMTok === null && p.baseOutputPerMTok === null) continue;
    const result = await opts.db.priceEntry.updateMany({
      where: { provider: p.provider, model: p.model, baseInputPerMTok: null, baseCachedInputPerMTok: null, baseOutputPerMTok: null },
      data: { baseInputPerMTok: p.baseInputPerMTok, baseCachedInputPerMTok: p.baseCachedInputPerMTok, baseOutputPerMTok: p.baseOutputPerMTok },
    });
    filled += result.count;
  }
  return filled;
}

/** Returns how many rows were brought up to date. */
export async function backfillDefaultPrices(opts: { db: PrismaClient }): Promise<number> {
  let updated = await backfillBasePrices(opts);
  for (const p of DEFAULT_PRICES) {
    const untouched: Prisma.PriceEntryWhereInput = {
      provider: p.provider,
      model: p.model,
      trainingPerMTok: p.trainingPerMTok,
      inputPerMTok: p.inputPerMTok,
      outputPerMTok: p.outputPerMTok,
      source: "",
    };
    const { provider: _p, model: _m, ...fresh } = defaultRowData(p);
    // The old generated note ("Cached input $0.15 / 1M. …") is replaced; a note the user wrote is kept.
    const withOldNote = await opts.db.priceEntry.updateMany({ where: { ...untouched, note: legacyDefaultNote(p) }, data: fresh });
    const { note: _n, ...keepNote } = fresh;
    const otherNote = await opts.db.priceEntry.updateMany({ where: untouched, data: keepNote });
    updated += withOldNote.count + otherNote.count;
  }
  return updated;
}

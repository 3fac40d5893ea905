import type { PriceEntry, PrismaClient } from "@prisma/client";

// Cost of a remote generation from the price table (lib/pricing; USD per 1M tokens). Each row holds two sets of
// inference prices: its fine-tuned version's and the base model's own (about half). A fine-tuned model
// (ft:<base>:…) is priced at its base row's fine-tuned columns; any other model at the row carrying its exact
// name, base columns. No row, or no input/output price in the columns that apply → cost unknown (null), never a
// guess (in particular never the fine-tuned price for a base model, which would overstate it about twice).

export type TokenPrice = { inputPerMTok: number; outputPerMTok: number };

type PriceColumns = Pick<PriceEntry, "inputPerMTok" | "outputPerMTok" | "baseInputPerMTok" | "baseOutputPerMTok">;

export function isFineTuned(model: string): boolean {
  return model.startsWith("ft:");
}

/** The price-table row name for a model: a fine-tuned model's base, else the model itself. */
export function priceKey(model: string): string {
  return isFineTuned(model) ? (model.split(":")[1] ?? model) : model;
}

/** The prices that apply to `model` from its row (see the header); null when the row lacks them. */
export function tokenPriceOf(row: PriceColumns | null, model: string): TokenPrice | null {
  if (!row) return null;
  const [input, output] = isFineTuned(model) ? [row.inputPerMTok, row.outputPerMTok] : [row.baseInputPerMTok, row.baseOutputPerMTok];
  if (input === null || output === null) return null;
  return { inputPerMTok: input.toNumber(), outputPerMTok: output.toNumber() };
}

export async function lookupPrice(db: PrismaClient, model: string): Promise<TokenPrice | null> {
  const row = await db.priceEntry.findFirst({ where: { provider: "openai", model: priceKey(model) } });
  return tokenPriceOf(row, model);
}

export function costOf(price: TokenPrice | null, promptTokens: number, completionTokens: number): number | null {
  if (!price) return null;
  return (promptTokens * price.inputPerMTok + completionTokens * price.outputPerMTok) / 1_000_000;
}

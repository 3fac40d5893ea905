import type { PrismaClient } from "@prisma/client";

// Cost of a remote generation from the price table (lib/pricing; USD per 1M tokens). The table holds
// fine-tuning prices: a fine-tuned model (ft:<base>:…) is priced at its base model's row, any other model
// only when a row carries its exact name. No row, or no input/output price on it → cost unknown (null),
// never a guess.

export type TokenPrice = { inputPerMTok: number; outputPerMTok: number };

export function priceKey(model: string): string {
  return model.startsWith("ft:") ? (model.split(":")[1] ?? model) : model;
}

export async function lookupPrice(db: PrismaClient, model: string): Promise<TokenPrice | null> {
  const row = await db.priceEntry.findFirst({ where: { provider: "openai", model: priceKey(model) } });
  if (!row || row.inputPerMTok === null || row.outputPerMTok === null) return null;
  return { inputPerMTok: row.inputPerMTok.toNumber(), outputPerMTok: row.outputPerMTok.toNumber() };
}

export function costOf(price: TokenPrice | null, promptTokens: number, completionTokens: number): number | null {
  if (!price) return null;
  return (promptTokens * price.inputPerMTok + completionTokens * price.outputPerMTok) / 1_000_000;
}

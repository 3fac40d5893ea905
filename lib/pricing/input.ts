import { z } from "zod";

// What the price-table form and API accept. Messages name what to type, because the route turns the first
// zod issue into "<field>: <message>" for the UI.

/** Decimal(12,4) holds up to 99,999,999.9999; no real price per 1M tokens comes near a million dollars. */
const MAX_PRICE = 1_000_000;

const price = (what: string) =>
  z
    .number({ error: `${what} must be a number of US dollars per 1M tokens, e.g. 3 or 0.15` })
    .min(0, `${what} cannot be negative; type 0 for free`)
    .max(MAX_PRICE, `${what} must be below $1,000,000 per 1M tokens`);

const optionalPrice = (what: string) => price(what).nullable().optional();

const isoDay = z
  .string({ error: "asOf must be a date like 2026-08-21" })
  .regex(/^\d{4}-\d{2}-\d{2}$/, "asOf must be a date like 2026-08-21")
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), "asOf is not a real calendar day");

export const priceCreateInput = z
  .object({
    provider: z.enum(["openai", "local"], { error: 'provider must be "openai" or "local"' }).default("openai"),
    model: z
      .string({ error: "model is required: type the model's name, e.g. gpt-4o-mini-2024-07-18" })
      .trim()
      .min(1, "model is required: type the model's name, e.g. gpt-4o-mini-2024-07-18")
      .max(200, "model must be at most 200 characters"),
    trainingPerMTok: price("trainingPerMTok"),
    inputPerMTok: optionalPrice("inputPerMTok"),
    cachedInputPerMTok: optionalPrice("cachedInputPerMTok"),
    outputPerMTok: optionalPrice("outputPerMTok"),
    // The base model's own inference prices (what using it without fine-tuning costs).
    baseInputPerMTok: optionalPrice("baseInputPerMTok"),
    baseCachedInputPerMTok: optionalPrice("baseCachedInputPerMTok"),
    baseOutputPerMTok: optionalPrice("baseOutputPerMTok"),
    asOf: isoDay.optional(),
    note: z.string().max(500, "note must be at most 500 characters").optional(),
  })
  .strict();

/** A change to a row: any subset of the create fields except the provider. */
export const priceUpdateInput = priceCreateInput
  .omit({ provider: true })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, "nothing to change: send at least one field");

export type PriceCreateInput = z.infer<typeof priceCreateInput>;
export type PriceUpdateInput = z.infer<typeof priceUpdateInput>;

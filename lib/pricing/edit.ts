import { Prisma, type PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { HttpError, notFound } from "../http/errors";
import { defaultRowData } from "./backfill";
import { defaultPriceFor } from "./defaults";
import type { PriceCreateInput, PriceUpdateInput } from "./input";
import { toPriceRow, type PriceRow } from "./list";

// Editing the price table. A row someone changed is marked source "edited" and dated today unless the user
// gave the day the price was read, so the table always says how old and how trustworthy each number is.

export const EDITED_SOURCE = "edited";

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const today = () => day(new Date().toISOString().slice(0, 10));

function duplicate(model: string): HttpError {
  return new HttpError(409, "price_exists", `model: "${model}" already has a row in the price table; edit that row instead`);
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

export async function createPrice(opts: { input: PriceCreateInput; db?: PrismaClient }): Promise<PriceRow> {
  const db = opts.db ?? prisma();
  const { asOf, ...rest } = opts.input;
  try {
    const row = await db.priceEntry.create({ data: { ...rest, note: rest.note ?? "", asOf: asOf ? day(asOf) : today(), source: EDITED_SOURCE } });
    return toPriceRow(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicate(rest.model);
    throw err;
  }
}

export async function updatePrice(opts: { id: string; input: PriceUpdateInput; db?: PrismaClient }): Promise<PriceRow> {
  const db = opts.db ?? prisma();
  const { asOf, ...rest } = opts.input;
  try {
    const row = await db.priceEntry.update({ where: { id: opts.id }, data: { ...rest, asOf: asOf ? day(asOf) : today(), source: EDITED_SOURCE } });
    return toPriceRow(row);
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2025") throw notFound("Price row");
    if (isUniqueViolation(err) && rest.model) throw duplicate(rest.model);
    throw err;
  }
}

export async function deletePrice(opts: { id: string; db?: PrismaClient }): Promise<{ id: string; model: string }> {
  const db = opts.db ?? prisma();
  const row = await db.priceEntry.findUnique({ where: { id: opts.id }, select: { id: true, model: true } });
  if (!row) throw notFound("Price row");
  await db.priceEntry.deleteMany({ where: { id: opts.id } });
  return row;
}

/** Puts a built-in row back to its default prices, date, source and note. */
export async function resetPrice(opts: { id: string; db?: PrismaClient }): Promise<PriceRow> {
  const db = opts.db ?? prisma();
  const row = await db.priceEntry.findUnique({ where: { id: opts.id } });
  if (!row) throw notFound("Price row");
  const def = defaultPriceFor(row.provider, row.model);
  if (!def) throw new HttpError(400, "no_default", `"${row.model}" is not a built-in model, so it has no default to reset to; edit or delete it instead`);
  const { provider: _p, model: _m, ...data } = defaultRowData(def);
  return toPriceRow(await db.priceEntry.update({ where: { id: row.id }, data }));
}

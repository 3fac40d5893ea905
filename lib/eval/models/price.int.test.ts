import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { seedDefaultPrices } from "../../pricing/list";
import { costOf, lookupPrice } from "./price";

// Evaluation costs from the real price table: a base model pays its row's base-model prices, a fine-tuned one
// (ft:<base>:…) its base row's fine-tuned prices, anything else is unknown.

describe("eval prices from the price table", () => {
  const db = createPrismaClient();
  beforeAll(async () => {
    await db.priceEntry.deleteMany();
    await seedDefaultPrices({ db });
  });
  afterAll(async () => {
    // Leave the defaults, as a fresh installation has them.
    await db.priceEntry.deleteMany();
    await seedDefaultPrices({ db });
    await db.$disconnect();
  });

  it("prices openai:gpt-4o-mini at its base prices and its fine-tuned version at about twice that", async () => {
    const base = await lookupPrice(db, "gpt-4o-mini-2024-07-18");
    const tuned = await lookupPrice(db, "ft:gpt-4o-mini-2024-07-18:acme:support:abc123");
    expect(base).toEqual({ inputPerMTok: 0.15, outputPerMTok: 0.6 });
    expect(tuned).toEqual({ inputPerMTok: 0.3, outputPerMTok: 1.2 });
    // 1M prompt + 1M completion tokens: $0.75 as is, $1.50 fine-tuned.
    expect(costOf(base, 1_000_000, 1_000_000)).toBeCloseTo(0.75);
    expect(costOf(tuned, 1_000_000, 1_000_000)).toBeCloseTo(1.5);
  });

  it("a row without base prices, or no row at all, leaves the cost unknown", async () => {
    await db.priceEntry.updateMany({ where: { model: "gpt-4.1-mini-2025-04-14" }, data: { baseOutputPerMTok: null } });
    expect(await lookupPrice(db, "gpt-4.1-mini-2025-04-14")).toBeNull();
    expect(await lookupPrice(db, "ft:gpt-4.1-mini-2025-04-14:acme::x")).toEqual({ inputPerMTok: 0.8, outputPerMTok: 3.2 });
    expect(await lookupPrice(db, "gpt-5-unknown")).toBeNull();
    expect(await lookupPrice(db, "ft:gpt-5-unknown:acme::x")).toBeNull();
  });
});

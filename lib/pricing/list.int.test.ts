import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { DEFAULT_PRICES } from "./defaults";
import { listPrices, seedDefaultPrices } from "./list";

describe("price table", () => {
  const db = createPrismaClient();
  afterAll(() => db.$disconnect());
  beforeEach(async () => {
    await db.priceEntry.deleteMany();
  });

  it("reading does not fill the table; seeding fills an empty table from the defaults, once", async () => {
    expect((await listPrices({ db })).prices).toHaveLength(0);
    expect(await seedDefaultPrices({ db })).toBe(DEFAULT_PRICES.length);
    expect(await seedDefaultPrices({ db })).toBe(0);
    const first = await listPrices({ db });
    expect(first.prices).toHaveLength(DEFAULT_PRICES.length);
    expect(first.source).toMatch(/OpenAI/);
    const mini = first.prices.find((p) => p.model === "gpt-4o-mini-2024-07-18");
    expect(mini).toMatchObject({ provider: "openai", trainingPerMTok: 3, inputPerMTok: 0.3, outputPerMTok: 1.2 });
    expect(mini?.note).toMatch(/Cached input \$0\.15/);
    expect((await listPrices({ db })).prices).toHaveLength(DEFAULT_PRICES.length);
  });

  it("lists current models before legacy ones, in the defaults' order", async () => {
    await seedDefaultPrices({ db });
    const { prices } = await listPrices({ db });
    expect(prices.map((p) => p.model)).toEqual(DEFAULT_PRICES.map((p) => p.model));
  });

  it("leaves a table the user has edited alone", async () => {
    await db.priceEntry.create({ data: { provider: "openai", model: "custom", trainingPerMTok: 1 } });
    expect(await seedDefaultPrices({ db })).toBe(0);
    const table = await listPrices({ db });
    expect(table.prices.map((p) => p.model)).toEqual(["custom"]);
  });

  it("survives two processes seeding at once (web and workers starting together)", async () => {
    await Promise.all([seedDefaultPrices({ db }), seedDefaultPrices({ db })]);
    expect((await listPrices({ db })).prices).toHaveLength(DEFAULT_PRICES.length);
  });
});

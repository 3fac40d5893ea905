import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { DEFAULT_PRICES, DEFAULT_PRICES_AS_OF, DEFAULT_ROW_SOURCE, legacyDefaultNote } from "./defaults";
import { backfillBasePrices } from "./backfill";
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
    const def = DEFAULT_PRICES.find((p) => p.model === "gpt-4o-mini-2024-07-18")!;
    expect(mini).toMatchObject({
      provider: "openai",
      trainingPerMTok: def.trainingPerMTok,
      inputPerMTok: def.inputPerMTok,
      cachedInputPerMTok: def.cachedInputPerMTok,
      outputPerMTok: def.outputPerMTok,
      baseInputPerMTok: 0.15,
      baseCachedInputPerMTok: 0.075,
      baseOutputPerMTok: 0.6,
      asOf: DEFAULT_PRICES_AS_OF,
      source: DEFAULT_ROW_SOURCE,
      legacy: false,
      hasDefault: true,
    });
    // The cached-input price has its own column now; the note no longer repeats it.
    expect(mini?.note).toBe("");
    expect(first.prices.filter((p) => p.legacy).map((p) => p.model)).toEqual(["gpt-3.5-turbo-0125", "davinci-002", "babbage-002"]);
    expect(first.prices.find((p) => p.model === "babbage-002")?.cachedInputPerMTok).toBeNull();
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

  it("brings untouched default rows of an older installation up to date, once, and leaves changed rows alone", async () => {
    // What the first releases wrote: no date, no source, the cached price in the note.
    const old = (model: string) => DEFAULT_PRICES.find((p) => p.model === model)!;
    const mini = old("gpt-4o-mini-2024-07-18");
    const nano = old("gpt-4.1-nano-2025-04-14");
    const gpt4o = old("gpt-4o-2024-08-06");
    const oldRow = (p: typeof mini, extra: { trainingPerMTok?: number; note?: string } = {}) => ({
      provider: p.provider,
      model: p.model,
      trainingPerMTok: extra.trainingPerMTok ?? p.trainingPerMTok,
      inputPerMTok: p.inputPerMTok,
      outputPerMTok: p.outputPerMTok,
      note: extra.note ?? legacyDefaultNote(p),
    });
    await db.priceEntry.createMany({
      data: [oldRow(mini), oldRow(nano, { note: "my own note" }), oldRow(gpt4o, { trainingPerMTok: gpt4o.trainingPerMTok + 1 })],
    });

    expect(await seedDefaultPrices({ db })).toBe(0); // not empty: nothing inserted
    const rows = new Map((await listPrices({ db })).prices.map((p) => [p.model, p]));
    expect(rows.get(mini.model)).toMatchObject({ asOf: DEFAULT_PRICES_AS_OF, source: DEFAULT_ROW_SOURCE, cachedInputPerMTok: mini.cachedInputPerMTok, note: mini.note });
    expect(rows.get(nano.model)).toMatchObject({ asOf: DEFAULT_PRICES_AS_OF, source: DEFAULT_ROW_SOURCE, cachedInputPerMTok: nano.cachedInputPerMTok, note: "my own note" });
    // Its training price differs from the default: someone changed it, so it is not ours to date.
    expect(rows.get(gpt4o.model)).toMatchObject({ asOf: null, source: "", cachedInputPerMTok: null, trainingPerMTok: gpt4o.trainingPerMTok + 1 });

    const before = await db.priceEntry.findMany({ orderBy: { model: "asc" } });
    await seedDefaultPrices({ db });
    expect(await db.priceEntry.findMany({ orderBy: { model: "asc" } })).toEqual(before);
  });

  it("fills the base-model prices of rows written before those columns existed, once, never over a user's value", async () => {
    const def = (model: string) => DEFAULT_PRICES.find((p) => p.model === model)!;
    const fromDefault = (model: string) => {
      const p = def(model);
      return { provider: p.provider, model: p.model, trainingPerMTok: p.trainingPerMTok, inputPerMTok: p.inputPerMTok, outputPerMTok: p.outputPerMTok, cachedInputPerMTok: p.cachedInputPerMTok, asOf: new Date(`${DEFAULT_PRICES_AS_OF}T00:00:00Z`), source: DEFAULT_ROW_SOURCE };
    };
    await db.priceEntry.createMany({
      data: [
        fromDefault("gpt-4.1-2025-04-14"), // untouched default row of an older installation
        { ...fromDefault("gpt-4o-2024-08-06"), inputPerMTok: 4, source: "edited" }, // edited fine-tuned price, no base yet
        { ...fromDefault("gpt-4o-mini-2024-07-18"), baseOutputPerMTok: 0.7, source: "edited" }, // the user typed one base price
        { provider: "openai", model: "custom", trainingPerMTok: 1 }, // not a built-in model
      ],
    });
    await seedDefaultPrices({ db });
    const rows = new Map((await listPrices({ db })).prices.map((p) => [p.model, p]));
    expect(rows.get("gpt-4.1-2025-04-14")).toMatchObject({ baseInputPerMTok: 2, baseCachedInputPerMTok: 0.5, baseOutputPerMTok: 8, source: DEFAULT_ROW_SOURCE });
    expect(rows.get("gpt-4o-2024-08-06")).toMatchObject({ baseInputPerMTok: 2.5, baseCachedInputPerMTok: 1.25, baseOutputPerMTok: 10, inputPerMTok: 4, source: "edited" });
    expect(rows.get("gpt-4o-mini-2024-07-18")).toMatchObject({ baseInputPerMTok: null, baseCachedInputPerMTok: null, baseOutputPerMTok: 0.7 });
    expect(rows.get("custom")).toMatchObject({ baseInputPerMTok: null, baseCachedInputPerMTok: null, baseOutputPerMTok: null });

    const before = await db.priceEntry.findMany({ orderBy: { model: "asc" } });
    expect(await backfillBasePrices({ db })).toBe(0);
    await seedDefaultPrices({ db });
    expect(await db.priceEntry.findMany({ orderBy: { model: "asc" } })).toEqual(before);
  });
});

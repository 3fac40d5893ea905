import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { DEFAULT_PRICES, DEFAULT_PRICES_AS_OF, DEFAULT_ROW_SOURCE } from "@/lib/pricing/defaults";
import { seedDefaultPrices, type PriceRow, type PriceTable } from "@/lib/pricing/list";
import { POST as resetRoute } from "./[id]/reset/route";
import { DELETE as deleteRoute, PATCH as patchRoute } from "./[id]/route";
import { GET as listRoute, POST as createRoute } from "./route";

// The price-table routes through route(): zod errors name the field and say what to type, a duplicate model is
// a 409, an edited row is marked "edited" and dated, and a built-in row can be put back to its default.

const db = prisma();
const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
const base = "http://127.0.0.1:3000/api/prices";
const headers = { host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000", "content-type": "application/json" };
const send = (method: string, path: string, body?: unknown) =>
  new Request(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
type ErrorBody = { error: { code: string; message: string } };
const today = () => new Date().toISOString().slice(0, 10);

async function table(): Promise<PriceTable> {
  return (await (await listRoute(send("GET", ""))).json()) as PriceTable;
}
async function row(model: string): Promise<PriceRow> {
  const found = (await table()).prices.find((p) => p.model === model);
  if (!found) throw new Error(`no row for ${model}`);
  return found;
}

beforeEach(async () => {
  await db.priceEntry.deleteMany();
  await seedDefaultPrices({ db });
});
afterAll(async () => {
  // Leave the defaults for the next test file, as a fresh installation has them.
  await db.priceEntry.deleteMany();
  await seedDefaultPrices({ db });
  await db.$disconnect();
});

describe("price table routes", () => {
  it("adds a row, dated today and marked edited unless a date is given", async () => {
    const res = await createRoute(send("POST", "", { model: "  my-model ", trainingPerMTok: 2, inputPerMTok: 0.5, outputPerMTok: 1, note: "from our contract" }));
    expect(res.status).toBe(200);
    const { price } = (await res.json()) as { price: PriceRow };
    expect(price).toMatchObject({ provider: "openai", model: "my-model", trainingPerMTok: 2, inputPerMTok: 0.5, cachedInputPerMTok: null, outputPerMTok: 1, source: "edited", asOf: today(), note: "from our contract", hasDefault: false, legacy: false });
    expect((await table()).prices).toHaveLength(DEFAULT_PRICES.length + 1);

    const dated = await createRoute(send("POST", "", { provider: "local", model: "llama", trainingPerMTok: 0, asOf: "2026-01-31" }));
    expect(((await dated.json()) as { price: PriceRow }).price).toMatchObject({ provider: "local", asOf: "2026-01-31", trainingPerMTok: 0 });
  });

  it("returns the base model's own prices beside the fine-tuned ones, and takes them on add and edit", async () => {
    const mini = await row("gpt-4o-mini-2024-07-18");
    expect(mini).toMatchObject({ inputPerMTok: 0.3, cachedInputPerMTok: 0.15, outputPerMTok: 1.2, baseInputPerMTok: 0.15, baseCachedInputPerMTok: 0.075, baseOutputPerMTok: 0.6 });
    expect(await row("davinci-002")).toMatchObject({ baseInputPerMTok: 2, baseCachedInputPerMTok: null, baseOutputPerMTok: 2 });

    const res = await createRoute(send("POST", "", { model: "mine", trainingPerMTok: 1, baseInputPerMTok: 0.25, baseOutputPerMTok: 2 }));
    expect(((await res.json()) as { price: PriceRow }).price).toMatchObject({ baseInputPerMTok: 0.25, baseCachedInputPerMTok: null, baseOutputPerMTok: 2, inputPerMTok: null });

    await patchRoute(send("PATCH", `/${mini.id}`, { baseOutputPerMTok: 0.55, baseCachedInputPerMTok: null }), ctx(mini.id));
    expect(await row(mini.model)).toMatchObject({ baseInputPerMTok: 0.15, baseCachedInputPerMTok: null, baseOutputPerMTok: 0.55, outputPerMTok: 1.2, source: "edited" });
    // A seed at the next start must not put back the base prices the user changed or cleared.
    await seedDefaultPrices({ db });
    expect(await row(mini.model)).toMatchObject({ baseCachedInputPerMTok: null, baseOutputPerMTok: 0.55 });
  });

  it("refuses bad input naming the field and what to type, and writes nothing", async () => {
    const cases: [unknown, string][] = [
      [{ trainingPerMTok: 1 }, "model: model is required: type the model's name, e.g. gpt-4o-mini-2024-07-18"],
      [{ model: "   ", trainingPerMTok: 1 }, "model: model is required: type the model's name, e.g. gpt-4o-mini-2024-07-18"],
      [{ model: "m", trainingPerMTok: -1 }, "trainingPerMTok: trainingPerMTok cannot be negative; type 0 for free"],
      [{ model: "m", trainingPerMTok: "3" }, "trainingPerMTok: trainingPerMTok must be a number of US dollars per 1M tokens, e.g. 3 or 0.15"],
      [{ model: "m", trainingPerMTok: 1, outputPerMTok: -0.01 }, "outputPerMTok: outputPerMTok cannot be negative; type 0 for free"],
      [{ model: "m", trainingPerMTok: 1, baseInputPerMTok: -2 }, "baseInputPerMTok: baseInputPerMTok cannot be negative; type 0 for free"],
      [{ model: "m", trainingPerMTok: 1, baseOutputPerMTok: "1.5" }, "baseOutputPerMTok: baseOutputPerMTok must be a number of US dollars per 1M tokens, e.g. 3 or 0.15"],
      [{ model: "m", trainingPerMTok: 1, baseCachedInputPerMTok: 2_000_000 }, "baseCachedInputPerMTok: baseCachedInputPerMTok must be below $1,000,000 per 1M tokens"],
      [{ model: "m", trainingPerMTok: 1, asOf: "2026-02-30" }, "asOf: asOf is not a real calendar day"],
      [{ model: "m", trainingPerMTok: 1, asOf: "yesterday" }, "asOf: asOf must be a date like 2026-08-21"],
    ];
    for (const [body, message] of cases) {
      const res = await createRoute(send("POST", "", body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as ErrorBody).error.message).toBe(message);
    }
    expect((await table()).prices).toHaveLength(DEFAULT_PRICES.length);
  });

  it("answers 409 for a model that already has a row, on add and on rename", async () => {
    const dup = await createRoute(send("POST", "", { model: "gpt-4o-mini-2024-07-18", trainingPerMTok: 1 }));
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as ErrorBody).error).toEqual({ code: "price_exists", message: 'model: "gpt-4o-mini-2024-07-18" already has a row in the price table; edit that row instead' });

    const nano = await row("gpt-4.1-nano-2025-04-14");
    const rename = await patchRoute(send("PATCH", `/${nano.id}`, { model: "gpt-4o-mini-2024-07-18" }), ctx(nano.id));
    expect(rename.status).toBe(409);
    expect(await row("gpt-4.1-nano-2025-04-14")).toEqual(nano);
  });

  it("edits a price: source becomes edited, asOf today unless given; other columns stay", async () => {
    const mini = await row("gpt-4o-mini-2024-07-18");
    const res = await patchRoute(send("PATCH", `/${mini.id}`, { inputPerMTok: 0.45 }), ctx(mini.id));
    expect(res.status).toBe(200);
    expect(await row(mini.model)).toMatchObject({ ...mini, inputPerMTok: 0.45, source: "edited", asOf: today(), updatedAt: expect.any(String) });

    await patchRoute(send("PATCH", `/${mini.id}`, { cachedInputPerMTok: null, asOf: "2026-11-01", note: "checked by hand" }), ctx(mini.id));
    expect(await row(mini.model)).toMatchObject({ inputPerMTok: 0.45, cachedInputPerMTok: null, asOf: "2026-11-01", note: "checked by hand", source: "edited" });

    const empty = await patchRoute(send("PATCH", `/${mini.id}`, {}), ctx(mini.id));
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as ErrorBody).error.message).toBe("input: nothing to change: send at least one field");
    const missing = await patchRoute(send("PATCH", "/nope", { inputPerMTok: 1 }), ctx("nope"));
    expect(missing.status).toBe(404);
  });

  it("resets a built-in row to its default and refuses to reset a row the user added", async () => {
    const gpt4o = await row("gpt-4o-2024-08-06");
    await patchRoute(send("PATCH", `/${gpt4o.id}`, { trainingPerMTok: 99, outputPerMTok: 99, baseInputPerMTok: 99, baseOutputPerMTok: null, note: "typo" }), ctx(gpt4o.id));
    const res = await resetRoute(send("POST", `/${gpt4o.id}/reset`), ctx(gpt4o.id));
    expect(res.status).toBe(200);
    const def = DEFAULT_PRICES.find((p) => p.model === gpt4o.model)!;
    expect(await row(gpt4o.model)).toMatchObject({
      trainingPerMTok: def.trainingPerMTok,
      inputPerMTok: def.inputPerMTok,
      cachedInputPerMTok: def.cachedInputPerMTok,
      outputPerMTok: def.outputPerMTok,
      baseInputPerMTok: def.baseInputPerMTok,
      baseCachedInputPerMTok: def.baseCachedInputPerMTok,
      baseOutputPerMTok: def.baseOutputPerMTok,
      note: def.note,
      source: DEFAULT_ROW_SOURCE,
      asOf: DEFAULT_PRICES_AS_OF,
    });

    const { price } = (await (await createRoute(send("POST", "", { model: "custom", trainingPerMTok: 1 }))).json()) as { price: PriceRow };
    const refused = await resetRoute(send("POST", `/${price.id}/reset`), ctx(price.id));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as ErrorBody).error.message).toBe('"custom" is not a built-in model, so it has no default to reset to; edit or delete it instead');
  });

  it("deletes a row; deleting it again is a 404", async () => {
    const babbage = await row("babbage-002");
    const res = await deleteRoute(send("DELETE", `/${babbage.id}`), ctx(babbage.id));
    expect(await res.json()).toEqual({ deleted: { id: babbage.id, model: "babbage-002" } });
    expect((await table()).prices.map((p) => p.model)).not.toContain("babbage-002");
    const again = await deleteRoute(send("DELETE", `/${babbage.id}`), ctx(babbage.id));
    expect(again.status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, disconnectPrisma } from "@/lib/db/client";
import { createQueryFixture } from "@/lib/datasets/query/fixture";
import { GET as getFacets } from "../facets/route";
import { GET } from "./route";

// The real route handlers (auth, zod parsing, error mapping) over the real database.

const db = createPrismaClient();
let datasetId: string;

beforeAll(async () => {
  ({ datasetId } = await createQueryFixture(db, `route-${Date.now()}-${Math.random()}`));
});
afterAll(async () => {
  await db.dataset.deleteMany({ where: { id: datasetId } });
  await db.$disconnect();
  await disconnectPrisma();
});

const call = (handler: typeof GET, id: string, path: string) =>
  handler(new Request(`http://127.0.0.1:3000/api/datasets/${id}/${path}`, { headers: { host: "127.0.0.1:3000" } }), {
    params: Promise.resolve({ id }),
  });

describe("GET /api/datasets/[id]/examples", () => {
  it("answers a filtered, sorted page with its total", async () => {
    const res = await call(GET, datasetId, "examples?split=train&sort=tokens&dir=desc&limit=3&tag=billing");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rows: { split: string; tags: string[]; tokenCount: number }[]; total: number; totalExact: boolean; limit: number };
    expect(body.limit).toBe(3);
    expect(body.rows).toHaveLength(3);
    expect(body.total).toBe(8);
    expect(body.totalExact).toBe(true);
    for (const r of body.rows) expect(r).toMatchObject({ split: "train", tags: expect.arrayContaining(["billing"]) });
    const tokens = body.rows.map((r) => r.tokenCount);
    expect(tokens).toEqual([...tokens].sort((a, b) => b - a));
  });

  it("a bad param is a 400 naming it", async () => {
    const res = await call(GET, datasetId, "examples?limit=1000");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: "validation_error", message: "limit: must be at most 200", details: [{ path: "limit", message: "must be at most 200" }] },
    });
    const range = await call(GET, datasetId, "examples?minTokens=50&maxTokens=5");
    expect(((await range.json()) as { error: { message: string } }).error.message).toBe("maxTokens: must be at least minTokens");
  });

  it("an unknown dataset is a 404", async () => {
    const res = await call(GET, "no-such-dataset", "examples");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "not_found", message: "Dataset not found" });
  });
});

describe("GET /api/datasets/[id]/facets", () => {
  it("answers tag, code and split counts", async () => {
    const res = await call(getFacets, datasetId, "facets");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { total: number; splits: Record<string, number>; tags: { tag: string; count: number }[] };
    expect(body.total).toBe(30);
    expect(body.splits).toEqual({ train: 24, validation: 3, test: 3 });
    expect(body.tags).toEqual([
      { tag: "billing", count: 10 },
      { tag: "urgent", count: 6 },
    ]);
  });

  it("an unknown dataset is a 404", async () => {
    expect((await call(getFacets, "no-such-dataset", "facets")).status).toBe(404);
  });
});

import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "./client";

describe("database", () => {
  const db = createPrismaClient();
  afterAll(() => db.$disconnect());

  it("has every domain table after migrations", async () => {
    const rows = await db.$queryRaw<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
    const names = rows.map((r) => r.table_name);
    for (const t of ["datasets", "examples", "dataset_versions", "fine_tune_jobs", "job_events", "metric_points",
      "checkpoints", "artifacts", "eval_runs", "eval_samples", "provider_credentials", "price_entries", "api_tokens"]) {
      expect(names).toContain(t);
    }
  });

  it("round-trips a dataset with examples", async () => {
    const name = `db-test-${Date.now()}`;
    const ds = await db.dataset.create({
      data: { name, examples: { create: [{ position: 0, messages: [{ role: "user", content: "hi" }], contentHash: "h" }] } },
      include: { examples: true },
    });
    expect(ds.examples).toHaveLength(1);
    expect(ds.examples[0]?.split).toBe("train");
    await db.dataset.delete({ where: { id: ds.id } });
    expect(await db.example.count({ where: { datasetId: ds.id } })).toBe(0);
  });
});

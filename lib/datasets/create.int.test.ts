import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../db/client";
import { getAnalysisProgress } from "./analysis/progress";
import { createDataset } from "./create";

describe("createDataset", () => {
  const db = createPrismaClient();
  afterAll(() => db.$disconnect());

  it("starts empty and already analysed, so nothing waits for an analysis no change asked for", async () => {
    const d = await createDataset({ name: `  created-${Date.now()}  `, description: " notes ", db });
    expect(d.name).toMatch(/^created-\d+$/);
    expect(d.description).toBe("notes");
    expect(await getAnalysisProgress({ datasetId: d.id, db })).toMatchObject({ revision: 0, analyzedRevision: 0, pending: false, total: 0 });
    await expect(createDataset({ name: d.name, db })).rejects.toMatchObject({ status: 409 });
    await db.dataset.delete({ where: { id: d.id } });
  });
});

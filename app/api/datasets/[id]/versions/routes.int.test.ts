import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { newExampleRow } from "@/lib/datasets/rows/build";
import { dataDir } from "@/lib/env";
import { closeQueues } from "@/lib/queue/queues";
import { GET as exportRoute } from "../export/route";
import { GET as splitsGet, POST as splitsPost } from "../splits/route";
import { GET as versionRoute } from "./[number]/route";
import { GET as diffRoute } from "./diff/route";
import { GET as versionsGet, POST as versionsPost } from "./route";

// The splits, versions, diff and export routes through route(): zod errors name the field, lib errors keep
// their status, and a download comes back as the Response the lib built (headers and body untouched).

const db = prisma();
let datasetId: string;
const ctx = (params: Record<string, string>) => ({ params: Promise.resolve(params) });
const url = (p: string) => `http://127.0.0.1:3000/api/datasets/${datasetId}${p}`;
const get = (p: string) => new Request(url(p), { headers: { host: "127.0.0.1:3000" } });
const post = (p: string, body: unknown) =>
  new Request(url(p), { method: "POST", headers: { host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000", "content-type": "application/json" }, body: JSON.stringify(body) });
type ErrorBody = { error: { code: string; message: string } };

beforeAll(async () => {
  const ds = await db.dataset.create({ data: { name: `routes-${randomUUID()}` } });
  datasetId = ds.id;
  await db.example.createMany({
    data: Array.from({ length: 10 }, (_, i) =>
      newExampleRow({ kind: "chat", example: { messages: [{ role: "user", content: `q${i}` }, { role: "assistant", content: `a${i}` }] } }, { datasetId, position: i }),
    ),
  });
});

afterAll(async () => {
  await db.datasetVersion.deleteMany({ where: { datasetId } });
  await db.dataset.delete({ where: { id: datasetId } });
  await rm(path.join(dataDir(), "datasets", datasetId), { recursive: true, force: true });
  await closeQueues();
  await db.$disconnect();
});

describe("splits, versions and export routes", () => {
  it("rejects a ratio over 0.5 naming the field, previews, then applies", async () => {
    const bad = await splitsPost(post("/splits", { validationRatio: 0.9, seed: 1 }), ctx({ id: datasetId }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.message).toBe("validationRatio: must be at most 0.5: more than half in validation leaves too little to train on");
    const noSeed = await splitsPost(post("/splits", { validationRatio: 0.2 }), ctx({ id: datasetId }));
    expect(((await noSeed.json()) as ErrorBody).error.message).toBe("seed: must be a whole number, e.g. 42");

    const preview = await splitsPost(post("/splits", { validationRatio: 0.2, seed: 3, preview: true }), ctx({ id: datasetId }));
    expect(await preview.json()).toEqual({ split: { train: 8, validation: 2, kept: 0, totals: { train: 8, validation: 2, test: 0 }, preview: true } });
    const applied = await splitsPost(post("/splits", { validationRatio: 0.2, seed: 3 }), ctx({ id: datasetId }));
    expect(((await applied.json()) as { split: { preview: boolean } }).split.preview).toBe(false);
    const summary = await splitsGet(get("/splits"), ctx({ id: datasetId }));
    expect(await summary.json()).toEqual({ splits: { train: 8, validation: 2, test: 0, manual: 0, total: 10 } });
  });

  it("freezes, lists, shows one version, diffs it, and downloads it as an NDJSON attachment", async () => {
    const long = await versionsPost(post("/versions", { note: "x".repeat(501) }), ctx({ id: datasetId }));
    expect(((await long.json()) as ErrorBody).error.message).toBe("note: keep it under 500 characters");
    const frozen = await versionsPost(post("/versions", { note: "routes" }), ctx({ id: datasetId }));
    expect(frozen.status).toBe(200);
    const { version } = (await frozen.json()) as { version: { number: number; trainCount: number; sha256: string } };
    expect(version).toMatchObject({ number: 1, trainCount: 8 });

    const list = (await (await versionsGet(get("/versions"), ctx({ id: datasetId }))).json()) as { versions: { number: number }[] };
    expect(list.versions.map((v) => v.number)).toEqual([1]);
    expect(((await (await versionRoute(get("/versions/1"), ctx({ id: datasetId, number: "1" }))).json()) as { version: { sha256: string } }).version.sha256).toBe(version.sha256);
    const missing = await versionRoute(get("/versions/4"), ctx({ id: datasetId, number: "4" }));
    expect(missing.status).toBe(404);

    const diff = (await (await diffRoute(get("/versions/diff?from=1&to=working"), ctx({ id: datasetId }))).json()) as { diff: { counts: unknown } };
    expect(diff.diff.counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 10 });
    const badSide = await diffRoute(get("/versions/diff?from=latest"), ctx({ id: datasetId }));
    expect(badSide.status).toBe(400);

    const download = await exportRoute(get("/export?version=1&split=train"), ctx({ id: datasetId }));
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="routes-[0-9a-f-]+-v1-train\.jsonl"$/);
    expect((await download.text()).split("\n").filter(Boolean)).toHaveLength(8);
    const badSplit = await exportRoute(get("/export?version=1&split=dev"), ctx({ id: datasetId }));
    expect(((await badSplit.json()) as ErrorBody).error.message).toBe("split: one of train, validation, test, all");
  });
});

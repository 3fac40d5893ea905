import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { CSV_HEADER } from "@/lib/eval/export";
import { removeSeededEvalRuns, seedEvalRun, storeTestOpenAIKey, type SeededEvalRun } from "@/lib/eval/testing";
import { summarize } from "@/lib/eval/summary";
import { summarySamples } from "@/lib/eval/override";
import type { EvalRunView, EvalSampleView, EvalSamplesPage, EvalSummary } from "@/lib/eval/types";
import { closeQueues, queues } from "@/lib/queue/queues";
import { DELETE as deleteRoute, GET as getRoute } from "./[id]/route";
import { GET as exportRoute } from "./[id]/export/route";
import { GET as samplesRoute } from "./[id]/samples/route";
import { PUT as verdictRoute } from "./[id]/samples/[index]/verdict/route";
import { GET as listRoute, POST as createRoute } from "./route";

// The eval read routes through the real handlers and Postgres, on runs seeded by seedEvalRun.

const db = prisma();
const BASE = "http://127.0.0.1:3000";
const host = { host: "127.0.0.1:3000" };
const get = (p: string) => new Request(`${BASE}${p}`, { headers: host });
const put = (p: string, body: unknown) => new Request(`${BASE}${p}`, { method: "PUT", headers: { ...host, origin: BASE, "content-type": "application/json" }, body: JSON.stringify(body) });
const post = (p: string, body: unknown) => new Request(`${BASE}${p}`, { method: "POST", headers: { ...host, origin: BASE, "content-type": "application/json" }, body: JSON.stringify(body) });
const del = (p: string) => new Request(`${BASE}${p}`, { method: "DELETE", headers: { ...host, origin: BASE } });
const ctx = (params: Record<string, string>) => ({ params: Promise.resolve(params) });
type ErrorBody = { error: { code: string; message: string } };

const seeded: SeededEvalRun[] = [];
let done: SeededEvalRun;
let running: SeededEvalRun;
let fromJob: SeededEvalRun;

let removeKey: () => Promise<void>;

beforeAll(async () => {
  removeKey = await storeTestOpenAIKey(db);
  done = await seedEvalRun(db, { n: 30, seed: 1, name: "Triage v2 / \"final\"" });
  running = await seedEvalRun(db, { n: 10, seed: 2, status: "running" });
  fromJob = await seedEvalRun(db, { n: 4, seed: 3, withJob: true });
  seeded.push(done, running, fromJob);
});

afterAll(async () => {
  await removeKey();
  await db.evalRun.deleteMany({ where: { datasetVersionId: { in: seeded.map((s) => s.versionId) }, id: { notIn: seeded.map((s) => s.runId) } } });
  await removeSeededEvalRuns(db, seeded);
  await queues().get("eval").obliterate({ force: true });
  await closeQueues();
  await db.$disconnect();
});

async function listRuns(q: string) {
  const res = await listRoute(get(`/api/evals${q}`));
  return { status: res.status, body: (await res.json()) as { runs: EvalRunView[] } & ErrorBody };
}

/** A small RFC 4180 reader, independent of the writer under test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field), rows.push(row), (row = []), (field = ""), i++;
    } else field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

describe("GET /api/evals", () => {
  it("lists newest first with progress, and filters by status and job", async () => {
    const all = await listRuns("");
    expect(all.status).toBe(200);
    const ids = all.body.runs.map((r) => r.id);
    expect(ids.indexOf(fromJob.runId)).toBeLessThan(ids.indexOf(running.runId));
    expect(ids.indexOf(running.runId)).toBeLessThan(ids.indexOf(done.runId));

    const r = await listRuns("?status=running");
    expect(r.body.runs.map((x) => x.id)).toEqual([running.runId]);
    expect(r.body.runs[0]!.progress).toEqual({ total: 10, baseline: 6, candidate: 6, judged: expect.any(Number), errors: expect.any(Number) });

    const j = await listRuns(`?jobId=${fromJob.jobId}`);
    expect(j.body.runs.map((x) => x.id)).toEqual([fromJob.runId]);
    expect(j.body.runs[0]).toMatchObject({ jobId: fromJob.jobId, candidateSpec: `job:${fromJob.jobId}` });
  });

  it("answers 400 naming the parameter for a bad status or limit", async () => {
    const s = await listRuns("?status=running,done");
    expect(s.status).toBe(400);
    expect(s.body.error.message).toBe('status: unknown status "done"; use queued, running, succeeded, failed, cancelled');
    const l = await listRuns("?limit=0");
    expect(l.status).toBe(400);
    expect(l.body.error.message).toBe("limit: must be 1 to 1000");
    const c = await listRuns("?before=page-2");
    expect(c.status).toBe(400);
    expect(c.body.error.message).toContain('before: "page-2" is not an evaluations-list cursor');
  });

  it("gives the next page's cursor, which lists the runs after the page", async () => {
    const first = (await listRoute(get(`/api/evals?status=running,succeeded&limit=1`)).then((r) => r.json())) as { runs: EvalRunView[]; total: number; newer: number; older: string };
    expect(first.total).toBeGreaterThanOrEqual(2);
    expect(first.newer).toBe(0);
    const second = (await listRoute(get(`/api/evals?status=running,succeeded&limit=1&before=${first.older}`)).then((r) => r.json())) as { runs: EvalRunView[]; newer: number };
    expect(second.newer).toBe(1);
    expect(second.runs).toHaveLength(1);
    expect(second.runs[0]!.id).not.toBe(first.runs[0]!.id);
  });
});

describe("GET /api/evals/[id]", () => {
  it("returns the run with counts equal to the rows' own", async () => {
    const res = await getRoute(get(`/api/evals/${done.runId}`), ctx({ id: done.runId }));
    expect(res.status).toBe(200);
    const { run } = (await res.json()) as { run: EvalRunView };
    const where = { evalRunId: done.runId };
    const [errors, judged] = await Promise.all([
      db.evalSample.count({ where: { ...where, OR: [{ baselineError: { not: null } }, { candidateError: { not: null } }, { judgeError: { not: null } }] } }),
      db.evalSample.count({ where: { ...where, OR: [{ verdict: { not: null } }, { judgeError: { not: null } }] } }),
    ]);
    expect(run).toMatchObject({
      id: done.runId,
      name: 'Triage v2 / "final"',
      status: "succeeded",
      datasetVersionId: done.versionId,
      datasetId: done.datasetId,
      versionNumber: 1,
      split: "validation",
      baselineSpec: "openai:gpt-4o-mini-2024-07-18",
      judgeSpec: "openai:gpt-4o-2024-08-06",
      generation: { temperature: 0, topP: 1, maxTokens: 512, seed: 0 },
      progress: { total: 30, baseline: 30, candidate: 30, judged, errors },
    });
    expect(run.finishedAt).not.toBeNull();
    // The fixture's story, through the real summarize: better on "format", worse on "refunds".
    expect(run.summary).toMatchObject({ n: 30, verdicts: { judged: expect.any(Number) }, winRate: { candidate: expect.any(Number) } });
    const tag = (t: string) => run.summary!.tags.find((x) => x.tag === t)!;
    expect(tag("format")).toMatchObject({ n: 15, improvement: true, regression: false });
    expect(tag("refunds")).toMatchObject({ n: 15, improvement: false, regression: true });
  });

  it("answers 404 with what to do for an unknown id", async () => {
    const res = await getRoute(get("/api/evals/nope"), ctx({ id: "nope" }));
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error).toEqual({ code: "eval_not_found", message: "No evaluation run with id nope. List runs with GET /api/evals (or `tuneforge eval list`)." });
  });
});

describe("GET /api/evals/[id]/samples", () => {
  async function page(id: string, q: string) {
    const res = await samplesRoute(get(`/api/evals/${id}/samples${q}`), ctx({ id }));
    return { status: res.status, body: (await res.json()) as EvalSamplesPage & ErrorBody };
  }

  it("pages through every sample in index order", async () => {
    const seen: EvalSampleView[] = [];
    let after: number | null = -1;
    let pages = 0;
    while (after !== null) {
      const p = await page(done.runId, `?limit=7&after=${after}`);
      expect(p.status).toBe(200);
      seen.push(...p.body.samples);
      after = p.body.next;
      pages++;
    }
    expect(pages).toBe(5);
    expect(seen.map((s) => s.index)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const first = seen[0]!;
    expect(first.prompt.map((m) => m.role)).toEqual(["system", "user"]);
    expect(JSON.parse(first.expected!)).toEqual({ intent: expect.any(String), priority: expect.any(String) });
    expect(first.tags).toEqual(["format"]);
    expect(seen[1]!.tags).toEqual(["refunds"]);
    expect(seen.filter((s) => s.judgeForward !== null).length).toBeGreaterThan(20);
  });

  it("shows a running run's unfinished samples with prompts only", async () => {
    const p = await page(running.runId, "");
    expect(p.body.next).toBeNull();
    expect(p.body.samples.slice(6).every((s) => s.baselineOutput === null && s.candidateOutput === null && s.verdict === null)).toBe(true);
  });

  it("refuses a page over 1000, and an unknown run", async () => {
    const big = await page(done.runId, "?limit=1001");
    expect(big.status).toBe(400);
    expect(big.body.error.message).toBe("limit: must be 1 to 1000");
    const none = await page("nope", "");
    expect(none.status).toBe(404);
  });
});

describe("GET /api/evals/[id]/export", () => {
  const nasty = { candidate: '=HYPERLINK("http://evil.example","click"), then\r\nmore', baseline: "+1 and \"quotes\"", expected: "@SUM(A1:A9)", prompt: "-2+3 is what?" };

  beforeAll(async () => {
    await db.evalSample.update({
      where: { evalRunId_index: { evalRunId: done.runId, index: 3 } },
      data: { candidateOutput: nasty.candidate, baselineOutput: nasty.baseline, expected: nasty.expected, prompt: [{ role: "system", content: "s" }, { role: "user", content: nasty.prompt }] },
    });
  });

  it("streams CSV with a header, RFC 4180 quoting and formula-guarded text cells", async () => {
    const res = await exportRoute(get(`/api/evals/${done.runId}/export?format=csv`), ctx({ id: done.runId }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="eval-triage-v2-final-${done.runId}.csv"`);
    const bytes = Buffer.from(await res.arrayBuffer());
    // The UTF-8 byte order mark first (Response.text() would drop it), so spreadsheets read UTF-8.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString("utf8");
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(CSV_HEADER);
    expect(rows.length).toBe(31);
    expect(rows.every((r) => r.length === CSV_HEADER.length)).toBe(true);
    const col = (name: string) => CSV_HEADER.indexOf(name);
    const row3 = rows[4]!;
    expect(row3[col("index")]).toBe("3");
    expect(row3[col("candidate")]).toBe(`'${nasty.candidate}`);
    expect(row3[col("baseline")]).toBe(`'${nasty.baseline}`);
    expect(row3[col("expected")]).toBe(`'${nasty.expected}`);
    expect(row3[col("prompt")]).toBe(`'${nasty.prompt}`);
    // The raw text has the quotes doubled inside a quoted field.
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""click""), then\r\nmore"`);
    const sample0 = (await db.evalSample.findUniqueOrThrow({ where: { evalRunId_index: { evalRunId: done.runId, index: 0 } } }));
    expect(rows[1]![col("candidate")]).toBe(sample0.candidateOutput ?? "");
    expect(rows[1]![col("tags")]).toBe("format");
  });

  it("streams JSON as { run, samples }", async () => {
    const res = await exportRoute(get(`/api/evals/${done.runId}/export?format=json`), ctx({ id: done.runId }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="eval-triage-v2-final-${done.runId}.json"`);
    const body = (await res.json()) as { run: EvalRunView; samples: EvalSampleView[] };
    expect(body.run.id).toBe(done.runId);
    expect(body.samples.map((s) => s.index)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(body.samples[3]!.candidateOutput).toBe(nasty.candidate);
  });

  it("answers 400 for an unknown format and 404 for an unknown run", async () => {
    const bad = await exportRoute(get(`/api/evals/${done.runId}/export?format=xlsx`), ctx({ id: done.runId }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.message).toBe("format: must be csv or json");
    const none = await exportRoute(get("/api/evals/nope/export"), ctx({ id: "nope" }));
    expect(none.status).toBe(404);
  });
});

describe("DELETE /api/evals/[id]", () => {
  it("refuses a running run with 409 and deletes a finished one with its samples", async () => {
    const busy = await deleteRoute(del(`/api/evals/${running.runId}`), ctx({ id: running.runId }));
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as ErrorBody).error.message).toBe(`Evaluation ${running.runId} is running; cancel it first (POST /api/evals/${running.runId}/cancel), then delete it.`);

    const ok = await deleteRoute(del(`/api/evals/${fromJob.runId}`), ctx({ id: fromJob.runId }));
    expect(ok.status).toBe(200);
    expect(await db.evalSample.count({ where: { evalRunId: fromJob.runId } })).toBe(0);
    const gone = await getRoute(get(`/api/evals/${fromJob.runId}`), ctx({ id: fromJob.runId }));
    expect(gone.status).toBe(404);
  });
});

const rounded = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "number" ? Number(x.toPrecision(12)) : x)));

describe("PUT /api/evals/[id]/samples/[index]/verdict", () => {
  let run: SeededEvalRun;
  beforeAll(async () => {
    run = await seedEvalRun(db, { n: 40, seed: 5 });
    seeded.push(run);
  });
  async function override(id: string, index: string, body: unknown) {
    const res = await verdictRoute(put(`/api/evals/${id}/samples/${index}/verdict`, body), ctx({ id, index }));
    return { status: res.status, body: (await res.json()) as { sample: EvalSampleView; summary: EvalSummary } & ErrorBody };
  }

  it("stores the human verdict apart, recomputes the stored summary and measures agreement", async () => {
    const before = (await db.evalRun.findUniqueOrThrow({ where: { id: run.runId } })).summary as EvalSummary;
    const samples = await db.evalSample.findMany({ where: { evalRunId: run.runId, verdict: { not: null } }, orderBy: { index: "asc" } });
    // One override that agrees with the judge and one that flips a judge's baseline win (or other call) to the candidate.
    const agreeOn = samples.find((s) => s.verdict === "candidate")!;
    const flipOn = samples.find((s) => s.verdict === "baseline" || s.verdict === "inconsistent")!;
    const a = await override(run.runId, String(agreeOn.index), { verdict: "candidate" });
    expect(a.status).toBe(200);
    expect(a.body.sample).toMatchObject({ index: agreeOn.index, verdict: "candidate", humanVerdict: "candidate" });
    expect(a.body.summary.agreement).toEqual({ n: 1, agree: 1 });

    const f = await override(run.runId, String(flipOn.index), { verdict: "candidate" });
    expect(f.body.sample).toMatchObject({ verdict: flipOn.verdict, humanVerdict: "candidate" });
    expect(f.body.summary.agreement).toEqual({ n: 2, agree: 1 });
    expect(f.body.summary.verdicts!.candidate).toBe(before.verdicts!.candidate + 1);
    expect(f.body.summary.verdicts![flipOn.verdict as "baseline" | "inconsistent"]).toBe(before.verdicts![flipOn.verdict as "baseline" | "inconsistent"] - 1);
    expect(f.body.summary.winRate!.candidate).toBeGreaterThan(before.winRate!.candidate);

    // Stored: the run's summary equals summarize over the rows as they are now; the row keeps when it was set.
    // (Compared to 12 digits: the last bit of a float can differ after a round trip through jsonb.)
    const stored = (await db.evalRun.findUniqueOrThrow({ where: { id: run.runId } })).summary;
    expect(rounded(stored)).toEqual(rounded(f.body.summary));
    expect(rounded(stored)).toEqual(rounded(summarize(await summarySamples(db, run.runId))));
    const row = await db.evalSample.findUniqueOrThrow({ where: { evalRunId_index: { evalRunId: run.runId, index: flipOn.index } } });
    expect(row.humanVerdictAt).toBeInstanceOf(Date);

    // null clears the override: back to the judge's counts.
    await override(run.runId, String(agreeOn.index), { verdict: null });
    const cleared = await override(run.runId, String(flipOn.index), { verdict: null });
    expect(cleared.body.sample.humanVerdict).toBeNull();
    expect(cleared.body.summary.agreement).toBeNull();
    expect(cleared.body.summary.verdicts).toEqual(before.verdicts);
    expect((await db.evalSample.findUniqueOrThrow({ where: { id: row.id } })).humanVerdictAt).toBeNull();
  });

  it("refuses a bad verdict, a bad index, an unknown sample and an unknown run", async () => {
    const bad = await override(run.runId, "0", { verdict: "inconsistent" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('verdict: must be "candidate", "baseline", "tie" or null (null clears the override)');
    const missing = await override(run.runId, "0", {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^verdict: /);
    const idx = await override(run.runId, "first", { verdict: "tie" });
    expect(idx.status).toBe(400);
    expect(idx.body.error.message).toBe("index: must be a sample index");
    const none = await override(run.runId, "40", { verdict: "tie" });
    expect(none.status).toBe(404);
    expect(none.body.error.message).toBe(`Evaluation ${run.runId} has no sample 40; its samples are numbered 0 to 39.`);
    const noRun = await override("nope", "0", { verdict: "tie" });
    expect(noRun.status).toBe(404);
  });
});

describe("POST /api/evals", () => {
  it("creates a run on a version's held-out split and answers 201 with its view", async () => {
    const res = await createRoute(
      post("/api/evals", { name: "api create", datasetVersionId: done.versionId, candidate: "openai:ft:gpt-4o-mini-2024-07-18:acme::x", baseline: "openai:gpt-4o-mini-2024-07-18", limit: 5 }),
    );
    const body = (await res.json()) as { runs: EvalRunView[]; warnings: string[] } & ErrorBody;
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.runs).toHaveLength(1);
    expect(body.runs[0]).toMatchObject({ name: "api create", status: "queued", datasetVersionId: done.versionId, split: "validation", progress: { total: 5, baseline: 0, candidate: 0, judged: 0, errors: 0 }, summary: null });
    expect(Array.isArray(body.warnings)).toBe(true);
  });

  it("answers 400 naming the field of a bad spec", async () => {
    const res = await createRoute(post("/api/evals", { datasetVersionId: done.versionId, candidate: "gpt-4o", baseline: "openai:gpt-4o-mini" }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.message).toMatch(/^candidate: "gpt-4o" is not a model spec/);
  });
});

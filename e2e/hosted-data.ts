import { expect, type APIRequestContext } from "@playwright/test";
import { SAMPLE_DATASET_NAME } from "./pages";
import { EMULATOR } from "./stack";

// What specs that run hosted jobs share: the OpenAI emulator scripts/serve-e2e.ts starts for this worker's stack
// (./stack.ts; a training step every ~120 ms), the key in Settings that points the app at it, the sample dataset's first
// frozen version, and a launch through the API.

export async function useEmulatorKey(request: APIRequestContext, apiKey: string) {
  const res = await request.put("/api/settings/credentials/openai", { data: { apiKey, baseUrl: `${EMULATOR}/v1` } });
  expect(res.ok(), await res.text()).toBe(true);
}

export async function emulatorFaults(request: APIRequestContext, faults: Record<string, unknown> | "reset") {
  const res = faults === "reset" ? await request.post(`${EMULATOR}/_emulator/faults/reset`) : await request.post(`${EMULATOR}/_emulator/faults`, { data: faults });
  expect(res.ok(), await res.text()).toBe(true);
}

/** The sample dataset's first frozen version (frozen here when no earlier spec froze one). */
export async function sampleVersion(request: APIRequestContext) {
  const { datasets } = (await (await request.get("/api/datasets")).json()) as { datasets: { id: string; name: string }[] };
  const sample = datasets.find((d) => d.name === SAMPLE_DATASET_NAME)!;
  const list = async () => ((await (await request.get(`/api/datasets/${sample.id}/versions`)).json()) as { versions: { id: string; number: number; validationCount: number }[] }).versions;
  if ((await list()).length === 0) expect((await request.post(`/api/datasets/${sample.id}/versions`, { data: { note: "e2e flow" } })).ok()).toBe(true);
  return { datasetId: sample.id, version: (await list())[0]! };
}

export async function launchHostedJob(request: APIRequestContext, datasetId: string, versionNumber: number, suffix: string): Promise<string> {
  const res = await request.post("/api/jobs", {
    data: { provider: "openai", datasetId, versionNumber, baseModel: "gpt-4o-mini-2024-07-18", suffix, hyperparameters: { nEpochs: 3 } },
  });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { job: { id: string } }).job.id;
}

/**
 * A dataset made from `jsonl` through the app (create, import, optionally a seeded re-split, freeze), as a user makes
 * one: its id and first version.
 */
export async function frozenDataset(request: APIRequestContext, o: { name: string; jsonl: string; note: string; validationRatio?: number }) {
  const made = await request.post("/api/datasets", { data: { name: `${o.name}-${Date.now()}` } });
  expect(made.ok(), await made.text()).toBe(true);
  const datasetId = ((await made.json()) as { dataset: { id: string } }).dataset.id;
  const upload = await request.post(`/api/datasets/${datasetId}/imports?fileName=${o.name}.jsonl`, { data: o.jsonl, headers: { "content-type": "application/x-ndjson" } });
  expect(upload.ok(), await upload.text()).toBe(true);
  const importId = ((await upload.json()) as { import: { id: string } }).import.id;
  await expect.poll(async () => ((await (await request.get(`/api/datasets/${datasetId}/imports/${importId}`)).json()) as { import: { status: string } }).import.status, { timeout: 60_000 }).toBe("succeeded");
  if (o.validationRatio !== undefined) expect((await request.post(`/api/datasets/${datasetId}/splits`, { data: { validationRatio: o.validationRatio, seed: 7 } })).ok()).toBe(true);
  const frozen = await request.post(`/api/datasets/${datasetId}/versions`, { data: { note: o.note } });
  expect(frozen.ok(), await frozen.text()).toBe(true);
  return { datasetId, version: ((await frozen.json()) as { version: { id: string; number: number; validationCount: number } }).version };
}

/** Waits for a hosted job to succeed on the emulator (a training step every ~120 ms). */
export async function untilJobSucceeded(request: APIRequestContext, jobId: string) {
  await expect
    .poll(async () => ((await (await request.get(`/api/jobs/${jobId}`)).json()) as { job: { status: string } }).job.status, { timeout: 90_000, intervals: [500] })
    .toBe("succeeded");
}

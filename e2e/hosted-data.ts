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

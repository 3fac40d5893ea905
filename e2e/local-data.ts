import { expect, type APIRequestContext } from "@playwright/test";

// A small chat dataset the generated "tiny-chat" model's tokenizer renders within its 512 positions (the
// sample's long support answers do not fit): 60 examples added through the API and frozen once per spec file.
// The local-training specs (local-jobs, local-flow) train on it.

/** The system prompt of every example (long on purpose: it makes each step slow enough to watch). */
export const SYSTEM = "You are a careful assistant for a paint shop. Answer every question about colors with one JSON object of the form {\"color\": name} and nothing else: no greeting, no explanation, no markdown. ".repeat(2);

/** The fields of GET /api/jobs/<id> the local specs read. */
export type JobJson = {
  id: string;
  status: string;
  method: "supervised" | "dpo";
  backend: string | null;
  adapterPath: string | null;
  queuePosition: number | null;
  metrics: { step: number; trainLoss: number; trainAccuracy: number | null; rewardMargin: number | null }[];
  checkpoints: { step: number; path: string }[];
  progress: { step: number; totalSteps: number } | null;
  adapterStep: number | null;
  stoppedEarly: boolean;
};

let frozen: Promise<{ datasetId: string; versionNumber: number; trainCount: number }> | undefined;
export function tinyVersion(request: APIRequestContext) {
  frozen ??= (async () => {
    const made = await request.post("/api/datasets", { data: { name: `local-e2e-${Date.now()}` } });
    expect(made.ok(), await made.text()).toBe(true);
    const datasetId = ((await made.json()) as { dataset: { id: string } }).dataset.id;
    const pairs = [["sky", "blue"], ["grass", "green"], ["snow", "white"], ["coal", "black"], ["sun", "yellow"], ["blood", "red"]];
    for (let i = 0; i < 60; i++) {
      const [thing, color] = pairs[i % pairs.length]!;
      // The system prompt makes each step slow enough (on one CPU thread) for the page to watch and cancel.
      const messages = [{ role: "system", content: SYSTEM }, { role: "user", content: `What color is the ${thing}? (${i})` }, { role: "assistant", content: `{"color": "${color}"}` }];
      const res = await request.post(`/api/datasets/${datasetId}/examples`, { data: { messages } });
      expect(res.ok(), await res.text()).toBe(true);
    }
    const v = await request.post(`/api/datasets/${datasetId}/versions`, { data: { note: "e2e local" } });
    expect(v.ok(), await v.text()).toBe(true);
    const version = ((await v.json()) as { version: { number: number; trainCount: number } }).version;
    return { datasetId, versionNumber: version.number, trainCount: version.trainCount };
  })();
  return frozen;
}

export const jobOf = async (request: APIRequestContext, id: string) => ((await (await request.get(`/api/jobs/${id}`)).json()) as { job: JobJson }).job;

/**
 * A version that takes the GPU worker seconds to tokenize (on the e2e stack's one thread) yet trains in a few
 * steps: 8 short examples and 5,000 whose long prompts leave them out at max_seq_len 96. Imported as one file.
 */
export async function slowToTokenizeVersion(request: APIRequestContext): Promise<{ datasetId: string; versionNumber: number }> {
  const made = await request.post("/api/datasets", { data: { name: `local-e2e-slow-${Date.now()}` } });
  expect(made.ok(), await made.text()).toBe(true);
  const datasetId = ((await made.json()) as { dataset: { id: string } }).dataset.id;
  const short = (i: number) => ({ messages: [{ role: "user", content: `What color is the sky? (${i})` }, { role: "assistant", content: '{"color": "blue"}' }] });
  const long = (i: number) => ({ messages: [{ role: "user", content: `${"Describe the weather again. ".repeat(40)}What color is the sky? (${i})` }, { role: "assistant", content: '{"color": "blue"}' }] });
  const lines = [...Array.from({ length: 8 }, (_, i) => short(i)), ...Array.from({ length: 5000 }, (_, i) => long(i))];
  const upload = await request.post(`/api/datasets/${datasetId}/imports?fileName=slow.jsonl`, { data: lines.map((l) => JSON.stringify(l)).join("\n"), headers: { "content-type": "application/x-ndjson" } });
  expect(upload.ok(), await upload.text()).toBe(true);
  const importId = ((await upload.json()) as { import: { id: string } }).import.id;
  await expect
    .poll(async () => ((await (await request.get(`/api/datasets/${datasetId}/imports/${importId}`)).json()) as { import: { status: string } }).import.status, { timeout: 60_000 })
    .toBe("succeeded");
  const v = await request.post(`/api/datasets/${datasetId}/versions`, { data: { note: "e2e slow to tokenize" } });
  expect(v.ok(), await v.text()).toBe(true);
  return { datasetId, versionNumber: ((await v.json()) as { version: { number: number } }).version.number };
}

/** Imports JSONL lines into a dataset's split through the API and waits for the import to finish. */
async function importLines(request: APIRequestContext, datasetId: string, lines: unknown[], split: "train" | "validation"): Promise<void> {
  const upload = await request.post(`/api/datasets/${datasetId}/imports?fileName=${split}.jsonl&split=${split}`, { data: lines.map((l) => JSON.stringify(l)).join("\n"), headers: { "content-type": "application/x-ndjson" } });
  expect(upload.ok(), await upload.text()).toBe(true);
  const importId = ((await upload.json()) as { import: { id: string } }).import.id;
  await expect
    .poll(async () => ((await (await request.get(`/api/datasets/${datasetId}/imports/${importId}`)).json()) as { import: { status: string } }).import.status, { timeout: 60_000 })
    .toBe("succeeded");
}

/**
 * The color task with a validation split whose answers contradict the training ones: its loss falls while the
 * answer format is learned and rises once the colors are, so early stopping ends a long run.
 */
export async function contradictedVersion(request: APIRequestContext, train: unknown[], validation: unknown[]): Promise<{ datasetId: string; versionNumber: number }> {
  const made = await request.post("/api/datasets", { data: { name: `local-e2e-stop-${Date.now()}` } });
  expect(made.ok(), await made.text()).toBe(true);
  const datasetId = ((await made.json()) as { dataset: { id: string } }).dataset.id;
  await importLines(request, datasetId, train, "train");
  await importLines(request, datasetId, validation, "validation");
  const v = await request.post(`/api/datasets/${datasetId}/versions`, { data: { note: "e2e early stopping" } });
  expect(v.ok(), await v.text()).toBe(true);
  return { datasetId, versionNumber: ((await v.json()) as { version: { number: number } }).version.number };
}

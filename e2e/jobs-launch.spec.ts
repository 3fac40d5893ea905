import type { APIRequestContext, Page } from "@playwright/test";
import { EMULATOR, expect, test } from "./stack";
import { defaultEpochs } from "../lib/cost/epochs";
import { createPrismaClient } from "../lib/db/client";
import { testSettings } from "../scripts/lib/test-env";
import { SAMPLE_DATASET_NAME } from "./pages";
import { screenshotPage } from "./screenshot";

// The launch form against the real app, workers and OpenAI emulator (scripts/serve-e2e.ts): the estimate,
// Launch blocked until a key is saved in Settings, a field error fixed in place, then the job page's URL.

const EMULATOR_URL = process.env.E2E_OPENAI_BASE_URL ?? `${EMULATOR}/v1`;
const API_KEY = "sk-test-e2e-launch-0000abcd";

type Version = { number: number; trainCount: number; validationCount: number };

/** The sample dataset and a frozen version of it (frozen here when no earlier spec froze one). */
async function sampleVersion(request: APIRequestContext): Promise<{ datasetId: string; version: Version }> {
  const { datasets } = (await (await request.get("/api/datasets")).json()) as { datasets: { id: string; name: string }[] };
  const sample = datasets.find((d) => d.name === SAMPLE_DATASET_NAME);
  expect(sample, "the e2e server seeds the sample dataset").toBeDefined();
  const list = async () => ((await (await request.get(`/api/datasets/${sample!.id}/versions`)).json()) as { versions: Version[] }).versions;
  let versions = await list();
  if (versions.length === 0) {
    expect((await request.post(`/api/datasets/${sample!.id}/versions`, { data: { note: "e2e launch" } })).ok()).toBe(true);
    versions = await list();
  }
  return { datasetId: sample!.id, version: versions[0]! };
}

/** A full-page shot from the top with nothing focused, so the sticky shell is drawn where a user sees it. */
async function shot(page: Page, name: string) {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  await screenshotPage(page, `e2e/artifacts/${name}.png`);
}

test("estimate, blocked without a key, fix the suffix, launch and land on the job", async ({ page, request }) => {
  expect((await request.delete("/api/settings/credentials/openai")).ok()).toBe(true);
  const { datasetId, version } = await sampleVersion(request);

  await page.goto(`/jobs/new?dataset=${datasetId}&version=${version.number}`);
  await expect(page.getByRole("heading", { level: 1, name: "Launch a fine-tuning job" })).toBeVisible();
  await expect(page.getByLabel("Dataset version")).toContainText(`v${version.number} — ${version.trainCount} train · ${version.validationCount} validation`);
  await expect(page.getByText(`The validation split (${version.validationCount} examples) is uploaded as the validation file`)).toBeVisible();

  const estimate = page.getByTestId("launch-estimate");
  await expect(estimate.getByTestId("estimate-epochs")).toHaveText(String(defaultEpochs(version.trainCount)));
  await expect(estimate.getByTestId("estimate-usd")).toHaveText(/^\$\d+\.\d{2,4}$/);
  await expect(estimate).toContainText(`"auto" lets OpenAI choose: ${defaultEpochs(version.trainCount)} epochs for ${version.trainCount} training examples`);
  const launch = page.getByRole("button", { name: "Launch on OpenAI" });
  await expect(page.getByTestId("launch-issues")).toContainText("No OpenAI key is configured");
  await expect(launch).toBeDisabled();
  await shot(page, "jobs-launch-no-key");

  // Save a key the emulator accepts, the way a user does.
  await page.getByRole("link", { name: "Open Settings" }).click();
  const form = page.getByRole("form", { name: "OpenAI credentials" });
  await form.getByLabel("API key").fill(API_KEY);
  await form.getByLabel(/Base URL/).fill(EMULATOR_URL);
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(/^Saved\./)).toBeVisible();

  await page.goto(`/jobs/new?dataset=${datasetId}&version=${version.number}`);
  await page.getByLabel("n_epochs").fill("3");
  await page.getByLabel("Suffix (optional)").fill("support-bot-".repeat(6));
  await expect(page.getByText("suffix: must be 1 to 64 characters.").first()).toBeVisible();
  await expect(page.getByLabel("Suffix (optional)")).toHaveAttribute("aria-invalid", "true");
  await expect(estimate.getByTestId("estimate-epochs")).toHaveText("3");
  await expect(launch).toBeDisabled();
  await shot(page, "jobs-launch-invalid-suffix");

  await page.getByLabel("Suffix (optional)").fill("support-bot");
  await expect(page.getByTestId("launch-issues")).toHaveCount(0);
  await expect(launch).toBeEnabled();
  await shot(page, "jobs-launch-ready");
  await launch.click();

  await page.waitForURL(/\/jobs\/[a-z0-9]+$/);
  const id = new URL(page.url()).pathname.split("/").at(-1)!;
  const res = await request.get(`/api/jobs/${id}`);
  expect(res.ok()).toBe(true);
  const { job } = (await res.json()) as { job: Record<string, unknown> };
  expect(job).toMatchObject({
    id,
    provider: "openai",
    method: "supervised",
    baseModel: "gpt-4o-mini-2024-07-18",
    suffix: "support-bot",
    hyperparameters: { nEpochs: 3 },
    estimatedEpochs: 3,
    dataset: { datasetId, versionNumber: version.number, trainCount: version.trainCount, validationCount: version.validationCount },
  });
});

test("a link to a version older than the newest 500 opens the launch and evaluation forms on that version", async ({ page }) => {
  const db = createPrismaClient(testSettings().e2eDatabaseUrl);
  const tag = Date.now().toString(36);
  const version = (datasetId: string, number: number, createdAt: Date) => ({
    datasetId, number, createdAt, trainPath: "t.jsonl", sha256: "0".repeat(64), exampleCount: 1, trainCount: 1, validationCount: 1, tokenCount: 1,
  });
  const old = await db.dataset.create({ data: { name: `old-${tag}` } });
  const crowd = await db.dataset.create({ data: { name: `crowd-${tag}` } });
  try {
    // Dated 2000: the 500 versions a day newer push it out of the newest 500, and push out nothing of today's.
    const oldVersion = await db.datasetVersion.create({ data: version(old.id, 1, new Date("2000-01-01T00:00:00Z")) });
    await db.datasetVersion.createMany({ data: Array.from({ length: 500 }, (_, i) => version(crowd.id, i + 1, new Date("2000-01-02T00:00:00Z"))) });
    await page.goto(`/jobs/new?dataset=${old.id}&version=1`);
    await expect(page.getByLabel("Dataset version")).toHaveValue(oldVersion.id);

    const job = await db.fineTuneJob.create({ data: { provider: "openai", status: "succeeded", baseModel: "gpt-4o-mini-2024-07-18", fineTunedModel: `ft:gpt-4o-mini-2024-07-18:acme:${tag}:Ab12Cd34`, datasetVersionId: oldVersion.id } });
    await page.goto(`/evaluations/new?job=${job.id}`);
    await expect(page.getByLabel("Dataset version")).toHaveValue(oldVersion.id);
  } finally {
    await db.fineTuneJob.deleteMany({ where: { datasetVersion: { datasetId: old.id } } });
    await db.datasetVersion.deleteMany({ where: { datasetId: { in: [old.id, crowd.id] } } });
    await db.dataset.deleteMany({ where: { id: { in: [old.id, crowd.id] } } });
    await db.$disconnect();
  }
});

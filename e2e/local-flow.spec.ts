import fs from "node:fs";
import type { Page } from "@playwright/test";
import { expect, test } from "./stack";
import { E2E_TINY_MODEL } from "../scripts/lib/test-env";
import { SYSTEM, jobOf, tinyVersion } from "./local-data";
import { screenshotPage } from "./screenshot";

// Issue 6 end to end, the way a user goes: the launch form (provider Local) on the generated tiny-chat model,
// the token-level preview before launching, the live curve on the job page while the GPU worker (CPU backend)
// trains, the adapter downloaded from the Artifacts card, a merged-model export, and a chat in the playground
// opened from the job. Only the dataset is made through the API (the sample's answers exceed tiny-chat's
// context).

const DIR = "e2e/artifacts";
const lastDrawnStep = async (page: Page) => Number((await page.getByTestId("chart-loss").getAttribute("data-last-step")) || 0);

test("launch a local job from the form, preview its tokens, watch it train live, download the adapter, export a merge, chat with it", async ({ page, request }) => {
  test.setTimeout(240_000);
  const { datasetId, versionNumber, trainCount } = await tinyVersion(request);

  await page.goto(`/jobs/new?dataset=${datasetId}&version=${versionNumber}`);
  await page.getByRole("radio", { name: "Local", exact: true }).check();
  await expect(page.getByLabel("Base model")).toHaveValue(E2E_TINY_MODEL);
  await page.getByLabel("Rank (r)").fill("8");
  await page.getByLabel("Alpha", { exact: true }).fill("16");
  await page.getByLabel("Quantization of the frozen weights").selectOption("none");
  // Batch 1 × accumulation 1: one optimizer step per example, ~3 steps per second here, so the page sees it live.
  await page.getByLabel("Epochs").fill("4");
  await page.getByLabel("Micro-batch").fill("1");
  await page.getByLabel("Gradient accumulation").fill("1");
  await page.getByLabel("Learning rate").fill("0.005");
  await page.getByLabel("Backend").selectOption("cpu");
  await page.getByLabel("Checkpoint interval").fill("50");
  const panel = page.getByTestId("local-estimate");
  await expect(panel.getByTestId("local-total-steps")).toHaveText(String(trainCount * 4));

  // The token-level preview of a training example: the assistant's JSON is the trained span.
  await page.getByRole("button", { name: "Preview tokens" }).click();
  const preview = page.getByTestId("token-preview");
  await expect(preview).toBeVisible();
  const trained = await preview.locator("[data-trained]").allTextContents();
  expect(trained.join("")).toMatch(/color/);
  await screenshotPage(page, `${DIR}/local-flow-launch.png`);

  await page.getByRole("button", { name: "Launch locally" }).click();
  await page.waitForURL((url) => /^\/jobs\/(?!new$)[^/]+$/.test(url.pathname));
  const id = new URL(page.url()).pathname.split("/").pop()!;

  // Live: the drawn step rises while the page stays open.
  await expect.poll(() => lastDrawnStep(page), { timeout: 60_000 }).toBeGreaterThan(0);
  const first = await lastDrawnStep(page);
  await expect.poll(() => lastDrawnStep(page), { timeout: 30_000 }).toBeGreaterThan(first + 5);
  await expect(page.getByText("succeeded", { exact: true }).first()).toBeVisible({ timeout: 150_000 });
  const job = await jobOf(request, id);
  expect(job.metrics).toHaveLength(trainCount * 4);
  await expect.poll(() => lastDrawnStep(page)).toBe(trainCount * 4);
  // The trainer's step dynamics replace OpenAI's token accuracy; its cost is tokens on your own hardware.
  await expect(page.getByRole("heading", { name: "Token accuracy" })).toHaveCount(0);
  for (const field of ["learningRate", "gradNorm", "tokensPerSecond", "memoryBytes"]) await expect(page.getByTestId(`dynamics-${field}`)).toBeVisible();
  await expect(page.getByTestId("dynamics-memoryBytes-latest")).toHaveText(/^\d+(\.\d+)? (MiB|GiB)$/);
  // The memory axis counts from zero in round binary steps, every label different (the run holds nearly the same
  // bytes at each step, over which the chart's own ticks all printed the same "3.5 MiB").
  const memoryTicks = await page.getByTestId("dynamics-memoryBytes").locator(".recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value").allTextContents();
  expect(memoryTicks[0]).toBe("0");
  expect(memoryTicks.length).toBeGreaterThanOrEqual(3);
  for (const t of memoryTicks.slice(1)) expect(t).toMatch(/^\d+(\.\d+)? (KiB|MiB|GiB)$/);
  expect(new Set(memoryTicks).size).toBe(memoryTicks.length);
  await expect(page.getByTestId("cost-actual")).toHaveText("none: trained on your own hardware");
  // The log says once where a step's time went, phase by phase.
  const profile = page.getByRole("list", { name: "Job events, newest first" }).getByText(/^Step 2 took [\d.]+ ms on the cpu backend: /);
  await expect(profile).toHaveCount(1);
  await expect(profile).toContainText(/frozen matmul [\d.]+ ms \(\d+ %\)/);

  // The adapter from the Artifacts card: a .tar.gz holding the PEFT files and the adapter card.
  const artifacts = page.getByTestId("artifacts-panel");
  await expect(artifacts.getByTestId("adapter-artifact")).toBeVisible();
  const downloading = page.waitForEvent("download");
  await artifacts.getByRole("link", { name: "Download adapter" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.tar\.gz$/);
  const bytes = fs.readFileSync((await download.path())!);
  expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
  const { gunzipSync } = await import("node:zlib");
  const tar = gunzipSync(bytes).toString("latin1");
  for (const name of ["adapter_config.json", "adapter_model.safetensors", "README.md"]) expect(tar).toContain(name);

  // A merged model is queued work on the GPU worker; the card follows it to ready.
  await artifacts.getByRole("button", { name: "Export merged model" }).click();
  await expect(artifacts.getByTestId("merged-export")).toHaveAttribute("data-status", "ready", { timeout: 60_000 });
  await screenshotPage(page, `${DIR}/local-flow-job.png`);

  // The playground, opened from the job: base and fine-tuned answer side by side.
  await page.getByRole("link", { name: "Open in playground" }).click();
  await expect(page.getByLabel("Fine-tuned job")).toHaveValue(id);
  // The same system prompt the examples were trained with.
  await page.getByLabel("System prompt").fill(SYSTEM);
  await page.getByLabel("Temperature").fill("0");
  await page.getByLabel("Max tokens").fill("24");
  await page.getByLabel("Message", { exact: true }).fill("What color is the grass?");
  await page.getByRole("button", { name: "Send" }).click();
  const base = page.getByTestId("column-base");
  const tuned = page.getByTestId("column-tuned");
  await expect(tuned).toHaveAttribute("data-state", "done", { timeout: 30_000 });
  await expect(base).toHaveAttribute("data-state", "done", { timeout: 30_000 });
  // Trained on {"color": …} answers, the adapter answers in that form; the base model does not.
  await expect(tuned.getByTestId("reply")).toContainText('{"color": "');
  await expect(base.getByTestId("reply")).not.toContainText('{"color": "');
  await screenshotPage(page, `${DIR}/local-flow-playground.png`);
});

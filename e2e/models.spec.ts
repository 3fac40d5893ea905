import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./stack";
import { localLaunchRequestSchema, LORA_TARGET_PRESETS } from "../lib/jobs/local/config";
import { fitNeeds, GPU_RESERVED_FRACTION } from "../lib/models/fit";
import { describeModel } from "../lib/models/scan";
import { createRedis } from "../lib/redis";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { startHeartbeat } from "../lib/workers/heartbeat";
import { testSettings } from "../scripts/lib/test-env";
import { SAMPLE_DATASET_NAME } from "./pages";
import { screenshotPage } from "./screenshot";

// The Models page, the token-level preview and the local launch form against the real app with the e2e
// app's generated "tiny-chat" model (scripts/serve-e2e.ts writes it with seed 7 into its models directory).

const MODEL = "tiny-chat";
const DIR = "e2e/artifacts";

/** The same generator and options as the e2e server: the parameter count the page must show. */
function tinyChatParameters(): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-tiny-"));
  try {
    return writeTinyModel({ dir, preset: "tiny", seed: 7 }).numParameters;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const firstNumber = (text: string | null) => Number((text ?? "").replace(/,/g, "").match(/\d+/)?.[0]);

async function sampleDataset(request: APIRequestContext): Promise<string> {
  const { datasets } = (await (await request.get("/api/datasets")).json()) as { datasets: { id: string; name: string }[] };
  return datasets.find((d) => d.name === SAMPLE_DATASET_NAME)!.id;
}

/** The sample dataset's first frozen version (frozen here when no earlier spec froze one). */
async function sampleVersion(request: APIRequestContext) {
  const datasetId = await sampleDataset(request);
  const list = async () => ((await (await request.get(`/api/datasets/${datasetId}/versions`)).json()) as { versions: { number: number; trainCount: number }[] }).versions;
  if ((await list()).length === 0) expect((await request.post(`/api/datasets/${datasetId}/versions`, { data: { note: "e2e models" } })).ok()).toBe(true);
  return { datasetId, version: (await list())[0]! };
}

test("Models page: tiny-chat's details from its headers, and the memory panel with the three methods and fit", async ({ page }) => {
  const parameters = tinyChatParameters();
  await page.goto("/models");
  const row = page.getByTestId(`model-row-${MODEL}`);
  await expect(row).toContainText("LlamaForCausalLM");
  await expect(row).toContainText("BF16");
  await expect(row).toContainText("512");
  await expect(row.getByText("present")).toBeVisible();
  await expect(row.locator("td[title]").first()).toHaveAttribute("title", new RegExp(`^${parameters.toLocaleString("en-US")} parameters in model.safetensors`));

  const panel = page.getByTestId(`memory-${MODEL}`);
  for (const method of ["qlora", "lora", "full"]) await expect(panel.getByTestId(`memory-row-${method}`)).toBeVisible();
  // Full fine-tuning trains every parameter; LoRA on attention at rank 16 trains far fewer.
  await expect(panel.getByTestId("memory-row-full")).toContainText(parameters.toLocaleString("en-US"));
  const total = () => panel.getByTestId("memory-row-qlora").locator("td strong").textContent();
  const before = await total();
  await panel.getByLabel("Micro-batch").fill("32");
  await expect.poll(total).not.toBe(before);
  // The e2e workers report their host's RAM; each method gets a verdict for it.
  await expect(panel.getByTestId("memory-fits")).toContainText(/fits .* RAM/);
  // The stacked bar: three methods × five parts drawn (parts of zero bytes, e.g. full's LoRA, draw nothing).
  await expect(panel.getByRole("application")).toBeVisible();
  // Its axis counts from zero in round binary units (not "0.025 GiB" fractions for a total under 100 MiB).
  const ticks = await panel.locator(".recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value").allTextContents();
  expect(ticks[0]).toBe("0");
  expect(ticks.length).toBeGreaterThanOrEqual(3);
  for (const t of ticks.slice(1)) expect(t).toMatch(/^\d+ (KiB|MiB|GiB)$/);
  await expect.poll(() => panel.locator(".recharts-bar-rectangle").count()).toBeGreaterThanOrEqual(12);
  await screenshotPage(page, `${DIR}/models-page.png`);
});

test("a GPU with room for a run only checkpointed fits it, saying the backend may turn checkpointing on", async ({ page }) => {
  // These machines have no GPU: a heartbeat as a GPU worker publishes it, for a device sized between the least the
  // CUDA backend needs for the panel's default run (QLoRA, 512 tokens × 32, rank 16 on attention, no checkpointing)
  // and what it holds without checkpointing. It consumes no queue, and is deleted at the end.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-tiny-"));
  writeTinyModel({ dir, preset: "tiny", seed: 7 });
  const model = await describeModel({ name: MODEL, dir });
  fs.rmSync(dir, { recursive: true, force: true });
  const input = { shape: model.shape!, parameters: model.parameters!, seqLen: 512, batchSize: 32, lora: { rank: 16, targets: LORA_TARGET_PRESETS.attention }, gradientCheckpointing: false };
  const needs = fitNeeds(input, "qlora");
  const MiB = 2 ** 20;
  const memoryMiB = Math.round((needs.gpuBytes + needs.gpuRoomyBytes!) / 2 / (1 - GPU_RESERVED_FRACTION) / MiB);
  const usable = Math.floor(memoryMiB * MiB * (1 - GPU_RESERVED_FRACTION));
  expect(usable).toBeGreaterThan(needs.gpuBytes);
  expect(usable).toBeLessThan(needs.gpuRoomyBytes!);
  const t = testSettings();
  const redis = createRedis("client", t.redisUrl);
  const gpu = await startHeartbeat({ redis, prefix: t.e2eQueuePrefix, queues: [], id: "e2e-gpu-box", devices: [{ index: 0, name: "NVIDIA H200 (e2e heartbeat)", memoryMiB }], backends: ["cpu", "cuda"] });
  try {
    await page.goto("/models");
    const panel = page.getByTestId(`memory-${MODEL}`);
    await panel.getByLabel("Micro-batch").fill("32");
    const qlora = panel.getByTestId("memory-fits").locator("div").filter({ hasText: "QLoRA (NF4)" });
    const badge = qlora.getByText(/GPU 0 · NVIDIA H200 \(e2e heartbeat\)/);
    await expect(badge).toHaveText(/^✓ fits .* GPU 0 · NVIDIA H200 \(e2e heartbeat\) \(may turn on gradient checkpointing\)$/);
    await expect(badge).toHaveAttribute("title", /without gradient checkpointing; short of that the CUDA backend turns it on/);
    await screenshotPage(page, `${DIR}/models-fit-checkpointing.png`);
    // Checkpointing asked for: the note is about the attention block a checkpointed run keeps with room, if any.
    await panel.getByLabel("Gradient checkpointing").check();
    const checkpointed = fitNeeds({ ...input, gradientCheckpointing: true }, "qlora");
    const note = checkpointed.gpuRoomyBytes !== undefined && checkpointed.gpuRoomyBytes > usable ? " (may recompute attention)" : "";
    await expect(badge).toHaveText(new RegExp(`^✓ fits .* GPU 0 · NVIDIA H200 \\(e2e heartbeat\\)${note.replace(/[()]/g, "\\$&")}$`));
  } finally {
    await gpu.stop();
    redis.disconnect();
  }
});

test("token preview from a dataset example: trained span highlighted, truncation marked at max sequence length", async ({ page, request }) => {
  const datasetId = await sampleDataset(request);
  const { rows } = (await (await request.get(`/api/datasets/${datasetId}/examples?limit=1`)).json()) as { rows: { id: string; position: number }[] };
  const example = rows[0]!;
  await page.goto(`/datasets/${datasetId}?example=${example.id}`);
  const editor = page.getByRole("dialog", { name: `Edit example ${example.position + 1}` });
  await editor.getByRole("button", { name: "Token preview" }).click();
  await expect(editor.getByLabel("Model (tokenizer + chat template)")).toHaveValue(MODEL);
  const preview = editor.getByTestId("token-preview");
  await expect(preview).toBeVisible();
  const total = firstNumber(await preview.getByTestId("count-total").textContent());
  // "kept of all" when the example is longer than the model's context (tiny-chat: 512).
  const trainedKept = firstNumber(await preview.getByTestId("count-trained").textContent());
  expect(total).toBeGreaterThan(10);
  expect(trainedKept).toBeGreaterThan(0);
  await expect(preview.locator("[data-trained]:not([data-truncated])")).toHaveCount(trainedKept);
  // The assistant's reply is trained; the ChatML header before it is not.
  await expect(preview.locator("[data-token-index]").first()).toHaveText("<|im_start|>");
  await expect(preview.locator("[data-token-index]").first()).not.toHaveAttribute("data-trained", /.*/);
  await preview.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${DIR}/token-preview-example.png` });

  await editor.getByLabel("Max sequence length").fill("24");
  await expect(preview.getByTestId("max-seq-marker")).toBeVisible();
  await expect(preview.getByTestId("count-truncated")).toHaveText(String(total - 24));
  await expect(preview.locator("[data-truncated]")).toHaveCount(total - 24);
  await preview.getByTestId("max-seq-marker").scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${DIR}/token-preview-truncated.png` });
});

test("launch form, Local: the seed's defaults, presets, the estimate with the model's tokenizer, preview, and the request sent", async ({ page, request }) => {
  const { datasetId, version } = await sampleVersion(request);
  await page.goto(`/jobs/new?dataset=${datasetId}&version=${version.number}`);
  await page.getByRole("radio", { name: "Local", exact: true }).check();
  await expect(page.getByLabel("Base model")).toHaveValue(MODEL);
  await expect(page.getByLabel("Rank (r)")).toHaveValue("16");
  await expect(page.getByLabel("Alpha", { exact: true })).toHaveValue("32");
  await expect(page.getByLabel("Learning rate")).toHaveValue("0.0002");
  await expect(page.getByLabel("Max sequence length")).toHaveValue("2048");
  await expect(page.getByRole("checkbox", { name: "gate_proj" })).not.toBeChecked();

  const estimated = page.waitForResponse((r) => r.url().includes(`/api/models/${MODEL}/estimate`) && r.status() === 200 && (r.request().postData() ?? "").includes("gate_proj"));
  await page.getByRole("radio", { name: /all linear/ }).check();
  await expect(page.getByRole("checkbox", { name: "gate_proj" })).toBeChecked();
  const { estimate } = (await (await estimated).json()) as { estimate: { dataset: { tokensPerEpoch: number; examples: number }; stepsPerEpoch: number; totalSteps: number; seqLen: number } };
  const panel = page.getByTestId("local-estimate");
  await expect(panel.getByTestId("local-tokens")).toHaveText(estimate.dataset.tokensPerEpoch.toLocaleString("en-US"));
  expect(estimate.dataset.examples).toBe(version.trainCount);
  // No packing: one row per example; batch 4 × accumulation 4; 3 epochs (the seed's).
  expect(estimate.stepsPerEpoch).toBe(Math.ceil(Math.ceil(version.trainCount / 4) / 4));
  await expect(panel.getByTestId("local-total-steps")).toHaveText(String(estimate.stepsPerEpoch * 3));
  expect(estimate.seqLen).toBe(512); // clamped to tiny-chat's context
  await expect(panel.getByTestId("local-memory-total")).toHaveText(/\d/);
  await expect(panel.getByTestId("local-issues")).toContainText("context length 512");

  await page.getByRole("button", { name: "Preview tokens" }).click();
  await expect(page.getByTestId("token-preview")).toBeVisible();
  await expect(page.getByText(/train line 1 of \d+, tokenized with tiny-chat/)).toBeVisible();
  await screenshotPage(page, `${DIR}/launch-local.png`);
  // Scrolled down the form, the estimate stays in view (sticky) below the sticky top bar, its heading not under it.
  await page.evaluate(() => window.scrollTo(0, 900));
  const bar = (await page.locator("header.topbar").boundingBox())!;
  const heading = page.getByRole("heading", { name: "Estimate", exact: true });
  await expect.poll(async () => (await heading.boundingBox())!.y).toBeGreaterThanOrEqual(bar.y + bar.height);
  expect((await heading.boundingBox())!.y).toBeLessThan(bar.y + bar.height + 100);

  await page.getByLabel("Epochs").fill("2");
  await page.getByLabel("Backend").selectOption("cpu");
  await expect(panel.getByTestId("local-total-steps")).toHaveText(String(estimate.stepsPerEpoch * 2));
  const sent = page.waitForRequest((r) => r.url().endsWith("/api/jobs") && r.method() === "POST");
  await page.getByRole("button", { name: "Launch locally" }).click();
  const body = localLaunchRequestSchema.parse((await sent).postDataJSON());
  expect(body).toMatchObject({ provider: "local", baseModel: MODEL, datasetVersionId: expect.any(String) });
  expect(body.config.lora.targets).toHaveLength(7);
  expect(body.config.training).toMatchObject({ epochs: 2, backend: "cpu", batchSize: 4, gradAccum: 4, lr: 2e-4, maxSeqLen: 2048 });
  expect(body.config.quantization).toEqual({ quant: "nf4", doubleQuant: true });
});

// Phi-3 / Phi-4 through the app: the Models page reads it, and the launch form's estimate says that q, k and v are one
// module on it (qkv_proj), adapted whole, when one of them is unticked; ticking it back clears the issue.
test("an LFM2 is listed with its architecture, and its memory panel checks the workers' GPUs as any model's", async ({ page }) => {
  const name = `lfm2-${Date.now().toString(36)}`;
  const modelDir = path.join(testSettings().e2eDataDir, "models", name);
  writeTinyModel({ dir: modelDir, lfm2: true, seed: 5 });
  // A GPU worker's heartbeat (these machines have none): the CUDA backend trains LFM2's conv layers too.
  const t = testSettings();
  const redis = createRedis("client", t.redisUrl);
  const gpu = await startHeartbeat({ redis, prefix: t.e2eQueuePrefix, queues: [], id: "e2e-gpu-lfm2", devices: [{ index: 0, name: "NVIDIA H200 (e2e heartbeat)", memoryMiB: 143_000 }], backends: ["cpu", "cuda"] });
  try {
    await page.goto("/models");
    await expect(page.getByTestId(`model-row-${name}`)).toContainText("Lfm2ForCausalLM");
    await page.getByTestId(`model-row-${name}`).getByRole("button", { name: "Estimate" }).click();
    const panel = page.getByTestId(`memory-${name}`);
    await expect(panel.getByTestId("memory-fits")).toContainText("NVIDIA H200 (e2e heartbeat)");
    await expect(panel.getByTestId("memory-fits")).toContainText(/fits .* RAM/);
    await expect(panel.getByLabel("Shown for")).toHaveValue("bf16");  // the CUDA backend's precision
    await screenshotPage(page, `${DIR}/models-lfm2.png`);
  } finally {
    await gpu.stop();
    redis.disconnect();
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
});

test("a Phi-3 is listed on the Models page, and the launch form says its q/k/v are adapted together", async ({ page, request }) => {
  const name = `phi3-${Date.now().toString(36)}`;
  const modelDir = path.join(testSettings().e2eDataDir, "models", name);
  writeTinyModel({ dir: modelDir, phi3: true, seed: 5 });
  try {
    await page.goto("/models");
    await expect(page.getByTestId(`model-row-${name}`)).toContainText("Phi3ForCausalLM");
    const { datasetId, version } = await sampleVersion(request);
    await page.goto(`/jobs/new?dataset=${datasetId}&version=${version.number}`);
    await page.getByRole("radio", { name: "Local", exact: true }).check();
    await page.getByLabel("Base model").selectOption(name);
    const panel = page.getByTestId("local-estimate");
    await expect(page.getByRole("checkbox", { name: "k_proj" })).toBeChecked();
    await page.getByRole("checkbox", { name: "k_proj" }).uncheck();
    await expect(panel.getByTestId("local-issues")).toContainText(`${name}: this model computes q_proj, k_proj, v_proj in one module, qkv_proj, so LoRA adapts all of them or none`);
    await screenshotPage(page, `${DIR}/launch-local-phi3.png`);
    await page.getByRole("checkbox", { name: "k_proj" }).check();
    await expect(panel.getByTestId("local-total-steps")).toHaveText(/\d/);
    await expect(panel.getByTestId("local-issues")).not.toContainText("qkv_proj");
  } finally {
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
});

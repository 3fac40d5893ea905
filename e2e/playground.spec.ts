import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "./stack";
import type { PrismaClient } from "@prisma/client";
import type { Page } from "@playwright/test";
import { trainTinyAdapter } from "../lib/artifacts/testing";
import type { JobArtifactsView } from "../lib/artifacts/view";
import { createPrismaClient } from "../lib/db/client";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { colorTask, colorTaskWithReasoning, type ChatLine } from "../lib/testing/tiny-model/task";
import { E2E_TINY_MODEL, testSettings } from "../scripts/lib/test-env";
import { expectSameTop, expectSelectShowsItsChoice } from "./layout";
import { screenshotPage } from "./screenshot";

// The playground and the adapter download against the real app: a real adapter is trained here with the
// native addon on the e2e app's generated "tiny-chat" model, a succeeded local job row points at it, and the
// app's own worker (consuming `inference`) generates both columns' replies.

const DIR = "e2e/artifacts";
const t = testSettings();
const run = randomBytes(4).toString("hex");
const relAdapter = `jobs/e2e-playground-${run}/adapter`;
let db: PrismaClient;
let jobId = "";
let versionId = "";

test.beforeAll(async () => {
  test.setTimeout(120_000);
  db = createPrismaClient(t.e2eDatabaseUrl);
  // Ten epochs of the color task: enough for the adapter to answer it the way it was trained.
  await trainTinyAdapter({ modelDir: path.join(t.e2eDataDir, "models", E2E_TINY_MODEL), outDir: path.join(t.e2eDataDir, relAdapter), epochs: 10 });
  const ds = await db.dataset.create({ data: { name: `Colors ${run}` } });
  const v = await db.datasetVersion.create({
    data: { datasetId: ds.id, number: 1, trainPath: `datasets/${ds.id}/v1/train.jsonl`, sha256: "0".repeat(64), exampleCount: 16, trainCount: 16, validationCount: 0, tokenCount: 600 },
  });
  const job = await db.fineTuneJob.create({
    data: { provider: "local", status: "succeeded", baseModel: E2E_TINY_MODEL, datasetVersionId: v.id, suffix: "colors", adapterPath: relAdapter, startedAt: new Date(), finishedAt: new Date() },
  });
  jobId = job.id;
  versionId = v.id;
});

test.afterAll(async () => {
  await db.$disconnect();
});

test("chat in the playground: base and fine-tuned stream side by side, each with its own history", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Playground", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Playground" })).toBeVisible();

  await page.goto(`/playground?job=${jobId}`);
  await expect(page.getByLabel("Base model")).toHaveValue(E2E_TINY_MODEL);
  await expect(page.getByLabel("Fine-tuned job")).toHaveValue(jobId);
  // Both selects show their choice whole, side by side; the four numbers share the row under them.
  await expectSelectShowsItsChoice(page.getByLabel("Base model"));
  await expectSelectShowsItsChoice(page.getByLabel("Fine-tuned job"));
  await expectSameTop(["Base model", "Fine-tuned job"].map((l) => page.getByLabel(l, { exact: true })));
  await expectSameTop(["Max tokens", "Temperature", "Top-p", "Seed"].map((l) => page.getByLabel(l, { exact: true })));
  await page.getByLabel("System prompt").fill("Answer in JSON.");
  await page.getByLabel("Temperature").fill("0");
  await page.getByLabel("Max tokens").fill("24");
  await page.getByLabel("Message", { exact: true }).fill("What color is the sky?");
  await page.getByRole("button", { name: "Send" }).click();

  const base = page.getByTestId("column-base");
  const tuned = page.getByTestId("column-tuned");
  await expect(tuned).toHaveAttribute("data-state", "done");
  await expect(base).toHaveAttribute("data-state", "done");
  await expect(tuned.getByTestId("reply")).toHaveText('{"color": "blue"}');
  // A ChatML template without enable_thinking: nothing to switch, so no Thinking choice.
  await expect(page.getByLabel("Thinking")).toHaveCount(0);
  const baseReply = (await base.getByTestId("reply").textContent()) ?? "";
  expect(baseReply.length).toBeGreaterThan(0);
  expect(baseReply).not.toBe('{"color": "blue"}');
  await expect(tuned.getByTestId("reply-stats")).toContainText(/first token \d+ ms · [\d.]+ tokens\/s · \d+ tokens/);
  await expect(base.getByTestId("reply-stats")).toContainText(/first token \d+ ms/);

  // A second turn: each side answers after its own history (the adapter still answers the task).
  await page.getByLabel("Message", { exact: true }).fill("What color is the coal?");
  await page.keyboard.press("Enter");
  await expect(tuned.getByTestId("reply")).toHaveCount(2);
  await expect(base.getByTestId("reply")).toHaveCount(2);
  await expect(tuned.locator('[data-role="user"]')).toHaveCount(2);
  await screenshotPage(page, `${DIR}/playground.png`);

  // Base alone: one column.
  await page.getByLabel("Fine-tuned job").selectOption("");
  await expect(tuned).toHaveCount(0);
  await expect(base.getByTestId("reply")).toHaveCount(0);
});

// A reasoning model (a Qwen3 under Qwen3's chat template) tuned on replies that think first: the reply's thinking is
// folded away above its answer.
/**
 * A tiny Qwen3 under the e2e models folder (`name`; the caller removes it), an adapter trained on `task`, a succeeded
 * local job pointing at it, and the playground opened on that job.
 */
async function openTunedQwen3(page: Page, o: { name: string; suffix: string; task: ChatLine[]; maxPositions?: number; maxSeqLen?: number }): Promise<void> {
  const modelDir = path.join(t.e2eDataDir, "models", o.name);
  const rel = `jobs/e2e-playground-${o.name}/adapter`;
  writeTinyModel({ dir: modelDir, qwen3: true, seed: 5, ...(o.maxPositions ? { shape: { maxPositions: o.maxPositions } } : {}) });
  await trainTinyAdapter({ modelDir, outDir: path.join(t.e2eDataDir, rel), epochs: 20, task: o.task, maxSeqLen: o.maxSeqLen });
  const job = await db.fineTuneJob.create({
    data: { provider: "local", status: "succeeded", baseModel: o.name, datasetVersionId: versionId, suffix: o.suffix, adapterPath: rel, startedAt: new Date(), finishedAt: new Date() },
  });
  await page.goto(`/playground?job=${job.id}`);
  await expect(page.getByLabel("Base model")).toHaveValue(o.name);
}

test("a reasoning model's thinking is folded above its answer", async ({ page }) => {
  test.setTimeout(120_000);
  const name = `qwen3-${run}`;
  const modelDir = path.join(t.e2eDataDir, "models", name);
  try {
    await openTunedQwen3(page, { name, suffix: "thinks", task: colorTaskWithReasoning(16) });
    await page.getByLabel("System prompt").fill("Answer in JSON.");
    await page.getByLabel("Temperature").fill("0");
    await page.getByLabel("Max tokens").fill("48");
    await page.getByLabel("Message", { exact: true }).fill("What color is the sky?");
    await page.getByRole("button", { name: "Send" }).click();
    const tuned = page.getByTestId("column-tuned");
    await expect(tuned).toHaveAttribute("data-state", "done");
    await expect(tuned.getByTestId("reply")).toHaveText('{"color": "blue"}');
    const thinking = tuned.getByTestId("reply-reasoning");
    await expect(thinking.locator("summary")).toHaveText("Thinking (4 words)");
    await thinking.locator("summary").click();
    await expect(thinking).toContainText("The sky is blue.");
    await tuned.screenshot({ path: `${DIR}/playground-reasoning.png` });
    // Qwen3's template has the switch: with thinking off the prompt closes the think block and the reply is the answer.
    await page.getByLabel("Thinking").selectOption("off");
    await page.getByLabel("Message", { exact: true }).fill("What color is the coal?");
    await page.getByRole("button", { name: "Send" }).click();
    await expect(tuned.getByTestId("reply")).toHaveCount(2);
    await expect(tuned).toHaveAttribute("data-state", "done");
    // The answer alone (which color, this tiny model learnt to reach by thinking: without it, it may miss).
    await expect(tuned.getByTestId("reply").nth(1)).toHaveText(/^\{"color": "[a-z]+"\}$/);
    await expect(tuned.getByTestId("reply-reasoning")).toHaveCount(1); // the first reply's only
  } finally {
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
});

// Tools through the app: a Qwen3 tuned on lines with "tools" and OpenAI tool_calls calls the tool when the Tools field
// offers it (Qwen3's template lists the tools and writes calls as <tool_call> blocks); the reply lists its calls.
test("tools offered in the playground reach the model's template, and the calls it writes are listed under its reply", async ({ page }) => {
  test.setTimeout(120_000);
  const name = `qwen3-tools-${run}`;
  const modelDir = path.join(t.e2eDataDir, "models", name);
  const paint = { type: "function", function: { name: "paint", description: "Paint in a color", parameters: { type: "object", properties: { color: { type: "string" } }, required: ["color"] } } };
  const task = colorTask(16).map((line) => {
    const { color } = JSON.parse(line.messages[2]!.content) as { color: string };
    const call = { id: "call_1", type: "function", function: { name: "paint", arguments: JSON.stringify({ color }) } };
    return { messages: [line.messages[1], { role: "assistant", content: "", tool_calls: [call] }], tools: [paint] };
  });
  try {
    // A context of 2048: Qwen3 lists the tools in a system turn of its own, and the tool round trip adds two turns.
    await openTunedQwen3(page, { name, suffix: "paints", task: task as unknown as ChatLine[], maxPositions: 2048, maxSeqLen: 512 });
    await page.getByLabel("Temperature").fill("0");
    await page.getByLabel("Max tokens").fill("64");
    const tools = page.getByLabel("Tools");
    await tools.fill('[{"type": "function", "function": {"name": "paint color"}}]');
    await expect(page.getByText("tools[0].function.name: must be 1–64 letters, digits, _ or -")).toBeVisible();
    await page.getByLabel("Message", { exact: true }).fill("What color is the sky?");
    await expect(page.getByRole("button", { name: "Send" })).toBeDisabled();
    await tools.fill(JSON.stringify([paint], null, 1));
    await page.getByRole("button", { name: "Send" }).click();
    const tuned = page.getByTestId("column-tuned");
    await expect(tuned).toHaveAttribute("data-state", "done");
    // Trained as Qwen3 writes calls (the arguments read from OpenAI's JSON string into an object, as vLLM renders them).
    await expect(tuned.getByTestId("reply")).toHaveText('<tool_call>\n{"name": "paint", "arguments": {"color": "blue"}}\n</tool_call>');
    await expect(tuned.getByTestId("reply-calls")).toHaveText('paint({"color":"blue"})');
    await expect(page.getByTestId("column-base").getByTestId("reply-calls")).toHaveCount(0);
    // The tool's result goes back as a tool message; each side answers it (what this tiny model says is not the point).
    await page.getByLabel("Send as").selectOption("tool");
    await page.getByLabel("Message", { exact: true }).fill("painted blue");
    await page.getByRole("button", { name: "Send" }).click();
    await expect(tuned.locator('[data-role="tool"]')).toContainText("Tool result");
    await expect(tuned.locator('[data-role="tool"]')).toContainText("painted blue");
    await expect(tuned).toHaveAttribute("data-state", "done");
    await expect(tuned.locator('[data-role="assistant"]')).toHaveCount(2);
    expect(await tuned.getByRole("alert").allTextContents()).toEqual([]);
    await expect(page.getByLabel("Send as")).toHaveValue("user");
    await screenshotPage(page, `${DIR}/playground-tools.png`);
  } finally {
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
});

// Gemma 3 through the app: the Models page reads its architecture, and the playground renders Gemma's template (the
// system prompt folded into the first user turn), generates through its 8-key windows and stops at <end_of_turn>.
test("a Gemma 3 is listed on the Models page and answers in the playground after tuning", async ({ page }) => {
  test.setTimeout(120_000);
  const name = `gemma3-${run}`;
  const modelDir = path.join(t.e2eDataDir, "models", name);
  const rel = `jobs/e2e-playground-gemma3-${run}/adapter`;
  writeTinyModel({ dir: modelDir, gemma3: true, seed: 5 });
  try {
    await trainTinyAdapter({ modelDir, outDir: path.join(t.e2eDataDir, rel), epochs: 20, task: colorTask(16) });
    await page.goto("/models");
    await expect(page.getByTestId(`model-row-${name}`)).toContainText("Gemma3ForCausalLM");
    await expect(page.getByTestId(`model-row-${name}`).getByText("present")).toBeVisible();
    const job = await db.fineTuneJob.create({
      data: { provider: "local", status: "succeeded", baseModel: name, datasetVersionId: versionId, suffix: "gemma", adapterPath: rel, startedAt: new Date(), finishedAt: new Date() },
    });
    await page.goto(`/playground?job=${job.id}`);
    await expect(page.getByLabel("Base model")).toHaveValue(name);
    await page.getByLabel("System prompt").fill("Answer in JSON.");
    await page.getByLabel("Temperature").fill("0");
    await page.getByLabel("Max tokens").fill("32");
    await page.getByLabel("Message", { exact: true }).fill("What color is the snow?");
    await page.getByRole("button", { name: "Send" }).click();
    const tuned = page.getByTestId("column-tuned");
    await expect(tuned).toHaveAttribute("data-state", "done");
    await expect(tuned.getByTestId("reply")).toHaveText('{"color": "white"}');
    // No Thinking choice: Gemma's template has no switch.
    await expect(page.getByLabel("Thinking")).toHaveCount(0);
    await screenshotPage(page, `${DIR}/playground-gemma3.png`);
  } finally {
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
});

test("Stop ends the streaming reply midway and keeps what had arrived", async ({ page }) => {
  // The tiny model writes its whole reply in milliseconds; the "small" preset (~20M parameters) streams
  // slowly enough on the CPU to be stopped. It lives in the models directory only for this test.
  const slow = path.join(t.e2eDataDir, "models", `small-${run}`);
  writeTinyModel({ dir: slow, preset: "small", seed: 5 });
  try {
    await page.goto("/playground");
    await page.getByLabel("Base model").selectOption(`small-${run}`);
    // At a low temperature this random model falls into a loop that never reaches an end token, so the reply runs to
    // its 900 tokens (about 5 s alone on two cores, longer beside the app's other work): seeds 1–5 and 7–8 all did.
    // At temperature 1 it meets an end token within a few hundred tokens, and a Stop once landed after the end (CI).
    await page.getByLabel("Max tokens").fill("900");
    await page.getByLabel("Temperature").fill("0.2");
    await page.getByLabel("Top-p").fill("1");
    await page.getByLabel("Seed").fill("1");
    await page.getByLabel("Message", { exact: true }).fill("Tell me everything.");
    await page.getByRole("button", { name: "Send" }).click();
    const base = page.getByTestId("column-base");
    await expect(base).toHaveAttribute("data-state", "streaming");
    // Pressed once text has arrived, after the layout shift the first tokens cause (that shift once sent the click
    // to the composer below).
    await expect(base.getByTestId("live-reply")).not.toBeEmpty();
    // Once the growing reply makes the page taller than the window, Stop is still in the window: the composer sticks
    // to its bottom, so Stop stays where the pointer is (below the replies, it slid away with every token).
    const windowHeight = page.viewportSize()!.height;
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollHeight)).toBeGreaterThan(windowHeight + 100);
    await expect(base).toHaveAttribute("data-state", "streaming");
    const stop = page.getByRole("button", { name: "Stop" });
    const box = await stop.boundingBox();
    expect(box && box.y >= 0 && box.y + box.height <= windowHeight).toBe(true);
    await stop.click();
    await expect(base).toHaveAttribute("data-state", "done");
    await expect(base.getByTestId("reply-stats")).toContainText("stopped");
    await page.screenshot({ path: `${DIR}/playground-stopped.png` });
    expect(((await base.getByTestId("reply").textContent()) ?? "").length).toBeGreaterThan(0);
    await expect(page.getByRole("button", { name: "Send" })).toBeDisabled(); // empty message box
    await expect(page.getByRole("button", { name: "Stop" })).toBeDisabled();
  } finally {
    fs.rmSync(slow, { recursive: true, force: true });
  }
});

test("an unknown job in the link says so, and the chat still works with the base model", async ({ page }) => {
  await page.goto("/playground?job=nosuchjob");
  await expect(page.getByText("is neither a succeeded local job with an adapter nor a succeeded OpenAI job")).toBeVisible();
  await expect(page.getByLabel("Fine-tuned job")).toHaveValue("");
  await expectSelectShowsItsChoice(page.getByLabel("Fine-tuned job")); // "None (base model only)"
  await page.getByLabel("Message", { exact: true }).fill("Hello?");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByTestId("column-base")).toHaveAttribute("data-state", "done");
  await expect(page.getByTestId("column-base").getByTestId("reply")).toHaveCount(1);
});

test("a job's link opens the playground on it even when 200 newer jobs push it out of the list", async ({ page }) => {
  const finished = (await db.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } })).finishedAt!.getTime();
  const suffix = `newer-${run}`;
  await db.fineTuneJob.createMany({
    data: Array.from({ length: 200 }, (_, i) => ({ provider: "local", status: "succeeded", baseModel: E2E_TINY_MODEL, suffix, adapterPath: relAdapter, finishedAt: new Date(finished + 1000 + i) })),
  });
  try {
    await page.goto(`/playground?job=${jobId}`);
    await expect(page.getByLabel("Fine-tuned job")).toHaveValue(jobId);
    await expect(page.getByText("is not a succeeded local job with an adapter")).toHaveCount(0);
  } finally {
    await db.fineTuneJob.deleteMany({ where: { suffix } });
  }
});

test("the adapter downloads as a .tar.gz that unpacks to the trained files, byte for byte", async ({ page }) => {
  const listed = await page.request.get(`/api/jobs/${jobId}/artifacts`);
  expect(listed.status()).toBe(200);
  const view = (await listed.json()) as JobArtifactsView;
  expect(view.adapter?.files.map((f) => f.name)).toEqual(expect.arrayContaining(["adapter_config.json", "adapter_model.safetensors"]));
  expect(view.playgroundUrl).toBe(`/playground?job=${jobId}`);

  const res = await page.request.get(view.adapter!.downloadUrl);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-disposition"]).toMatch(/attachment; filename=".+-adapter\.tar\.gz"/);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-adapter-"));
  try {
    fs.writeFileSync(path.join(tmp, "a.tar.gz"), await res.body());
    execFileSync("tar", ["-xzf", "a.tar.gz"], { cwd: tmp });
    const root = fs.readdirSync(tmp).find((n) => n.endsWith("-adapter"))!;
    const original = path.join(t.e2eDataDir, relAdapter);
    for (const f of view.adapter!.files) {
      expect(fs.readFileSync(path.join(tmp, root, f.name)).equals(fs.readFileSync(path.join(original, f.name))), f.name).toBe(true);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  // The merged-model export is queued work: the request answers at once with a pending artifact.
  const exp = await page.request.post(`/api/jobs/${jobId}/artifacts/merged`);
  expect([200, 201]).toContain(exp.status());
  expect(((await exp.json()) as { status: string }).status).toMatch(/pending|running|ready/);

  const missing = await page.request.get(`/api/jobs/nosuchjob/artifacts/adapter`);
  expect(missing.status()).toBe(404);
});

import type { APIRequestContext } from "@playwright/test";
import { expect, test } from "./stack";
import { colorTask, colorTaskContradicted } from "../lib/testing/tiny-model/task";
import { sampleVersion, useEmulatorKey } from "./hosted-data";
import { contradictedVersion, jobOf } from "./local-data";
import { screenshotPage } from "./screenshot";

// "Launch again": a job's page opens the launch form filled in with that job's settings, the way a team iterates
// (change one thing, launch, compare). Local: every field of a non-default configuration comes back, one is changed,
// and the new job has the old one's settings but that one. OpenAI: the provider, model and hyperparameters come back,
// "auto" staying auto.

const DIR = "e2e/artifacts";
const API_KEY = "sk-test-e2e-relaunch-0000abcd";

type StoredJob = { id: string; status: string; hyperparameters: Record<string, unknown>; loraConfig: Record<string, unknown> | null; suffix: string | null };
const storedJob = async (request: APIRequestContext, id: string) => ((await (await request.get(`/api/jobs/${id}`)).json()) as { job: StoredJob }).job;

test("a local job launched again keeps every setting but the one changed", async ({ page, request }) => {
  test.setTimeout(240_000);
  const { datasetId, versionNumber } = await contradictedVersion(request, colorTask(8), colorTaskContradicted(6, 2));
  const config = {
    lora: { rank: 8, alpha: 16, dropout: 0, rslora: true, targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] },
    quantization: { quant: "none" },
    training: { epochs: 1, batchSize: 4, gradAccum: 1, lr: 0.05, warmupRatio: 0, schedule: "linear", seed: 11, maxSeqLen: 256, evalEvery: 1, earlyStoppingPatience: 3, earlyStoppingThreshold: 0.01, keepBest: true, backend: "cpu" },
  };
  const res = await request.post("/api/jobs", { data: { provider: "local", datasetId, versionNumber, baseModel: "tiny-chat", suffix: "first", config } });
  expect(res.status(), await res.text()).toBe(201);
  const firstId = ((await res.json()) as { job: { id: string } }).job.id;
  await expect.poll(async () => (await jobOf(request, firstId)).status, { timeout: 60_000 }).toBe("succeeded");

  // The team's note on the first run: saved on its page, shown in the list and, below, on the compare page.
  const note = "1 epoch: the loss was still falling.\nNext: 2 epochs.";
  await page.goto(`/jobs/${firstId}`);
  await page.getByRole("button", { name: "Add a note" }).click();
  await page.getByLabel("Note on this job").fill(note);
  await page.getByRole("button", { name: "Save note" }).click();
  await expect(page.getByTestId("job-note")).toHaveText(note);
  await screenshotPage(page, `${DIR}/job-note.png`);
  await page.goto("/jobs");
  await expect(page.locator(`tr[data-job-id="${firstId}"]`).getByTestId("job-list-note")).toHaveText(note.replace("\n", " "));
  await page.goto(`/jobs/${firstId}`);
  await expect(page.getByTestId("job-note")).toHaveText(note);
  await page.getByRole("link", { name: "Launch again" }).click();
  await page.waitForURL(`**/jobs/new?from=${firstId}`);
  const notice = page.getByTestId("relaunch-notice");
  await expect(notice).toContainText("Settings copied from a job");
  await expect(notice).toContainText(`(local, succeeded, on local-e2e-stop-`);
  await expect(page.getByRole("radio", { name: "Local", exact: true })).toBeChecked();
  const values: [string, string][] = [
    ["Rank (r)", "8"], ["Alpha", "16"], ["Dropout", "0"], ["Epochs", "1"], ["Micro-batch", "4"], ["Gradient accumulation", "1"], ["Learning rate", "0.05"],
    ["Warmup ratio", "0"], ["Seed", "11"], ["Max sequence length", "256"], ["Validation interval", "1"], ["Early stopping patience", "3"],
    ["Early stopping threshold", "0.01"], ["Suffix (optional)", "first"],
  ];
  for (const [label, value] of values) await expect(page.getByLabel(label, { exact: true }), label).toHaveValue(value);
  await expect(page.getByLabel("Quantization of the frozen weights")).toHaveValue("none");
  await expect(page.getByLabel("Schedule")).toHaveValue("linear");
  await expect(page.getByLabel("Backend")).toHaveValue("cpu");
  await expect(page.getByLabel("Base model")).toHaveValue("tiny-chat");
  await expect(page.getByRole("radio", { name: /all linear/ })).toBeChecked();
  await expect(page.getByLabel("rsLoRA (scale by alpha/√r instead of alpha/r)")).toBeChecked();
  await expect(page.getByLabel("Keep the best step's adapter (lowest validation loss)")).toBeChecked();
  await screenshotPage(page, `${DIR}/relaunch-local-form.png`);

  await page.getByLabel("Epochs", { exact: true }).fill("2");
  await page.getByLabel("Suffix (optional)").fill("second");
  await expect(page.getByTestId("local-estimate").getByTestId("local-total-steps")).toHaveText("4");
  await page.getByRole("button", { name: "Launch locally" }).click();
  await page.waitForURL((url) => /^\/jobs\/(?!new$)[^/]+$/.test(url.pathname) && !url.pathname.endsWith(firstId));
  const secondId = new URL(page.url()).pathname.split("/").pop()!;

  const [first, second] = [await storedJob(request, firstId), await storedJob(request, secondId)];
  expect(second.loraConfig).toEqual(first.loraConfig);
  expect(second.hyperparameters).toEqual({ ...first.hyperparameters, epochs: 2 });
  expect(second.suffix).toBe("second");
  await expect.poll(async () => (await jobOf(request, secondId)).status, { timeout: 60_000 }).toBe("succeeded");

  // Compared side by side, the changed settings are the marked rows, and the results follow.
  await page.goto(`/jobs/compare?ids=${firstId},${secondId}`);
  const table = page.getByTestId("compare-table");
  await expect(page.getByText("2 settings differ between these jobs (marked ●).")).toBeVisible();
  const rowKeys = () => table.locator("tbody tr[data-row]").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-row"), tr.getAttribute("data-differs")] as const));
  const settingKeys = (rows: (readonly [string | null, string | null])[]) => rows.slice(0, rows.findIndex(([k]) => k === "status"));
  expect(settingKeys(await rowKeys()).filter(([, d]) => d === "true").map(([k]) => k)).toEqual(["suffix", "epochs"]);
  await expect(table.locator("tr[data-row=epochs] td")).toHaveText(["1", "2"]);
  await expect(table.locator("tr[data-row=lr] td")).toHaveText(["0.05", "0.05"]);
  await expect(table.locator("tr[data-row=rslora] td")).toHaveText(["yes", "yes"]);
  await expect(table.locator("tr[data-row=steps] td")).toHaveText([/^2 of 2/, /^[1-4] of 4/]);
  await expect(table.locator("tr[data-row=note] td")).toHaveText([note.replace("\n", " "), "—"]);
  await expect(page.getByTestId("compare-loss")).toHaveAttribute("data-series", "2");
  // Local jobs report no token accuracy: no empty accuracy chart.
  await expect(page.getByTestId("compare-accuracy")).toHaveCount(0);
  // Long job names and values wrap in their columns: the table fits the page.
  expect(await table.locator(".table-wrap").evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  await screenshotPage(page, `${DIR}/relaunch-compare.png`);
  await page.getByLabel("Only settings that differ").check();
  await expect(table.locator("tr[data-row=lr]")).toHaveCount(0);
  expect(settingKeys(await rowKeys()).map(([k]) => k)).toEqual(["suffix", "epochs"]);
  await expect(table.locator("tr[data-row=finalTrainLoss]")).toHaveCount(1);

  // Both evaluated against their base model from here; their held-out metrics line up once the runs end.
  await page.getByRole("button", { name: "Evaluate each against its base model" }).click();
  await expect(page.getByRole("dialog")).toContainText("Evaluate 2 jobs?");
  await page.getByRole("dialog").getByRole("button", { name: "Start 2 evaluations" }).click();
  await expect(page.getByTestId("evaluate-outcome")).toContainText("2 evaluations started");
  const evalIds = await page.getByTestId("evaluate-outcome").locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")!.split("/").pop()!));
  await expect.poll(async () => (await Promise.all(evalIds.map(async (id) => ((await (await request.get(`/api/evals/${id}`)).json()) as { run: { status: string; errorMessage: string | null } }).run))).map((r) => `${r.status}:${r.errorMessage}`).join(" | "), { timeout: 120_000 }).toBe("succeeded:null | succeeded:null");
  await expect(table.locator("tr[data-row=evalBaseline] td")).toHaveText(["local:tiny-chat (6 samples)", "local:tiny-chat (6 samples)"], { timeout: 120_000 });
  await expect(table.locator("tr[data-row=eval-exactMatch] td")).toHaveText([/^\d+\.\d % \([+−]\d+\.\d pts\)$/, /^\d+\.\d % \([+−]\d+\.\d pts\)$/]);
  await expect(page.getByTestId("compare-refreshing")).toHaveCount(0);
});

test("an OpenAI job launched again comes back with its model and hyperparameters, auto staying auto", async ({ page, request }) => {
  await useEmulatorKey(request, API_KEY);
  const { datasetId, version } = await sampleVersion(request);
  const res = await request.post("/api/jobs", {
    data: { provider: "openai", datasetId, versionNumber: version.number, baseModel: "gpt-4o-mini-2024-07-18", suffix: "again", seed: 7, hyperparameters: { nEpochs: 2, learningRateMultiplier: 0.5 } },
  });
  expect(res.status(), await res.text()).toBe(201);
  const id = ((await res.json()) as { job: { id: string } }).job.id;

  await page.goto(`/jobs/${id}`);
  await page.getByRole("link", { name: "Launch again" }).click();
  await page.waitForURL(`**/jobs/new?from=${id}`);
  await expect(page.getByTestId("relaunch-notice")).toContainText("(OpenAI, ");
  await expect(page.getByRole("radio", { name: "OpenAI", exact: true })).toBeChecked();
  await expect(page.getByLabel("Dataset version")).toHaveValue(version.id);
  await expect(page.getByLabel("Base model")).toHaveValue("gpt-4o-mini-2024-07-18");
  await expect(page.getByLabel("n_epochs")).toHaveValue("2");
  await expect(page.getByLabel("batch_size")).toHaveValue("auto");
  await expect(page.getByLabel("learning_rate_multiplier")).toHaveValue("0.5");
  await expect(page.getByLabel("Suffix (optional)")).toHaveValue("again");
  await expect(page.getByLabel("Seed (optional)")).toHaveValue("7");
  // The copy is launchable as it stands: the estimate finds nothing to fix.
  await expect(page.getByRole("button", { name: "Launch on OpenAI" })).toBeEnabled({ timeout: 15_000 });

  // OpenAI takes no new jobs after 2027-01-06: the same data and settings as a local job, and what did not carry.
  await page.goto(`/jobs/${id}`);
  await page.getByRole("link", { name: "Train locally" }).click();
  await page.waitForURL(`**/jobs/new?from=${id}&provider=local`);
  await expect(page.getByRole("radio", { name: "Local", exact: true })).toBeChecked();
  const carried = page.getByTestId("local-from-hosted");
  await expect(carried).toContainText("n_epochs 2 → Epochs 2.");
  await expect(carried).toContainText("learning_rate_multiplier 0.5 has no local equivalent");
  await expect(carried).toContainText("Pick a local base model: gpt-4o-mini-2024-07-18 is OpenAI's.");
  await expect(page.getByLabel("Dataset version")).toHaveValue(version.id);
  await expect(page.getByLabel("Epochs", { exact: true })).toHaveValue("2");
  await expect(page.getByLabel("Seed", { exact: true })).toHaveValue("7");
  await expect(page.getByLabel("Suffix (optional)")).toHaveValue("again");
  await expect(page.getByLabel("Base model")).toHaveValue("tiny-chat");
  await screenshotPage(page, `${DIR}/relaunch-hosted-as-local.png`);
  await request.post(`/api/jobs/${id}/cancel`);

  await page.goto("/jobs/new?from=no-such-job");
  await expect(page.getByRole("status").filter({ hasText: "No such job" })).toContainText("There is no job no-such-job to copy settings from");
});

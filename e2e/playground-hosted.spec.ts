import { expect, test } from "./stack";
import { emulatorFaults, launchHostedJob, useEmulatorKey } from "./hosted-data";
import { screenshotPage } from "./screenshot";

// The playground for an OpenAI job, nothing seeded: a dataset is imported and frozen, a hosted job trains on the
// emulator, and its page's "Open in playground" opens the fine-tuned model beside the model it was trained from.
// Both replies stream from the emulator's API through the app's server (the key never reaches the page).

const API_KEY = "sk-test-e2e-playground-hosted-00ab";
const DIR = "e2e/artifacts";
const BASE = "gpt-4o-mini-2024-07-18";
const colors = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white", "pink", "brown", "grey", "gold"];
const line = (c: string) => JSON.stringify({ messages: [{ role: "user", content: `What color is the ${c} ball?` }, { role: "assistant", content: `The ${c} ball, of course.` }] });

test.beforeEach(async ({ request }) => {
  await emulatorFaults(request, "reset");
  await useEmulatorKey(request, API_KEY);
});

test("an OpenAI job's fine-tuned model and its base answer side by side in the playground, streamed through the API", async ({ page, request }) => {
  test.setTimeout(180_000);
  const made = await request.post("/api/datasets", { data: { name: `playground-hosted-e2e-${Date.now()}` } });
  expect(made.ok(), await made.text()).toBe(true);
  const datasetId = ((await made.json()) as { dataset: { id: string } }).dataset.id;
  const upload = await request.post(`/api/datasets/${datasetId}/imports?fileName=colors.jsonl`, { data: colors.map(line).join("\n"), headers: { "content-type": "application/x-ndjson" } });
  expect(upload.ok(), await upload.text()).toBe(true);
  const importId = ((await upload.json()) as { import: { id: string } }).import.id;
  await expect.poll(async () => ((await (await request.get(`/api/datasets/${datasetId}/imports/${importId}`)).json()) as { import: { status: string } }).import.status, { timeout: 60_000 }).toBe("succeeded");
  const frozen = await request.post(`/api/datasets/${datasetId}/versions`, { data: { note: "colors" } });
  expect(frozen.ok(), await frozen.text()).toBe(true);
  const version = ((await frozen.json()) as { version: { number: number } }).version;
  const jobId = await launchHostedJob(request, datasetId, version.number, "pgcolors");
  await expect
    .poll(async () => ((await (await request.get(`/api/jobs/${jobId}`)).json()) as { job: { status: string } }).job.status, { timeout: 90_000, intervals: [500] })
    .toBe("succeeded");
  const ft = ((await (await request.get(`/api/jobs/${jobId}`)).json()) as { job: { fineTunedModel: string } }).job.fineTunedModel;
  expect(ft).toMatch(/^ft:gpt-4o-mini-2024-07-18:.*pgcolors/);

  await page.goto(`/jobs/${jobId}`);
  await page.getByRole("link", { name: "Open in playground" }).click();
  await expect(page).toHaveURL(new RegExp(`/playground\\?job=${jobId}$`));
  await expect(page.getByLabel("Fine-tuned job")).toHaveValue(jobId);
  // The base model is the job's, asked through the API: not a choice of local folders.
  await expect(page.getByLabel("Base model")).toBeDisabled();
  await expect(page.getByLabel("Base model").locator("option:checked")).toHaveText(`${BASE} (OpenAI)`);
  const base = page.getByTestId("column-base");
  const tuned = page.getByTestId("column-tuned");
  await expect(base).toContainText(BASE);
  await expect(tuned).toContainText(ft);

  await page.getByLabel("Temperature").fill("0");
  await page.getByLabel("Message", { exact: true }).fill("What color is the blue ball?");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(tuned).toHaveAttribute("data-state", "done");
  await expect(base).toHaveAttribute("data-state", "done");
  await expect(tuned.getByTestId("reply")).toHaveText("The blue ball, of course.");
  const baseReply = (await base.getByTestId("reply").textContent()) ?? "";
  expect(baseReply.length).toBeGreaterThan(0);
  expect(baseReply).not.toBe("The blue ball, of course.");
  // Each reply's cost from the price table: a few tokens cost less than a hundredth of a cent.
  await expect(tuned.getByTestId("reply-stats")).toContainText(/first token \d+ ms · .*\d+ tokens · via OpenAI · < \$0\.0001$/);
  await expect(base.getByTestId("reply-stats")).toContainText(/via OpenAI · (< )?\$0\.\d+$/);

  // A second turn: each side answers after its own history.
  await page.getByLabel("Message", { exact: true }).fill("What color is the gold ball?");
  await page.keyboard.press("Enter");
  await expect(tuned.getByTestId("reply")).toHaveCount(2);
  await expect(tuned.getByTestId("reply").nth(1)).toHaveText("The gold ball, of course.");
  await expect(base.getByTestId("reply")).toHaveCount(2);
  // With tools, a hosted reply's calls are listed, but a typed tool result has no call id for the API: no "Send as".
  await page.getByLabel("Tools").fill('[{"type": "function", "function": {"name": "paint", "parameters": {"type": "object"}}}]');
  await expect(page.getByText("Send as")).toHaveCount(0);
  await screenshotPage(page, `${DIR}/playground-hosted.png`);
});

import { expect, test } from "./stack";
import { emulatorFaults, frozenDataset, launchHostedJob, untilJobSucceeded, useEmulatorKey } from "./hosted-data";
import { EMULATOR } from "./stack";
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
  const { datasetId, version } = await frozenDataset(request, { name: "playground-hosted-e2e", jsonl: colors.map(line).join("\n"), note: "colors" });
  const jobId = await launchHostedJob(request, datasetId, version.number, "pgcolors");
  await untilJobSucceeded(request, jobId);
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
  // Tools: a reply that calls two tools lists them; each result answers one call by its id, and the models reply once
  // both are answered (before that the API would refuse the conversation).
  await page.getByRole("button", { name: "New chat" }).click();
  const rules = await request.post(`${EMULATOR}/_emulator/chat`, { data: { rules: [{ contains: "Paint the ball", times: 2, reply: "Painting it.", toolCalls: [{ name: "paint", arguments: { color: "blue" } }, { name: "paint", arguments: { color: "red" } }] }] } });
  expect(rules.ok(), await rules.text()).toBe(true);
  await page.getByLabel("Tools").fill('[{"type": "function", "function": {"name": "paint", "parameters": {"type": "object", "properties": {"color": {"type": "string"}}}}}]');
  await page.getByLabel("Message", { exact: true }).fill("Paint the ball twice");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(tuned).toHaveAttribute("data-state", "done");
  await expect(base).toHaveAttribute("data-state", "done");
  for (const column of [tuned, base]) {
    await expect(column.getByTestId("reply-calls").locator("li")).toHaveText(['paint({"color":"blue"})', 'paint({"color":"red"})']);
    await expect(column.getByTestId("reply-stats")).toContainText(/via OpenAI/);
  }
  await page.getByLabel("Send as").selectOption("tool");
  await page.getByLabel("Message", { exact: true }).fill("blue: done");
  await page.getByRole("button", { name: "Send" }).click();
  // One call still open: the result is kept, nothing is asked yet, and the next message is a tool result too.
  await expect(tuned.locator('[data-role="tool"]')).toHaveCount(1);
  await expect(page.getByLabel("Send as")).toHaveValue("tool");
  await expect(tuned.getByTestId("reply-stats")).toHaveCount(1);
  await page.getByLabel("Message", { exact: true }).fill("red: done");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(tuned.locator('[data-role="tool"]')).toHaveCount(2);
  await expect(tuned.getByTestId("reply-stats")).toHaveCount(2);
  await expect(base.getByTestId("reply-stats")).toHaveCount(2);
  await expect(tuned.locator('[data-role="tool"]').first()).toContainText(/Tool result · paint/i);
  // The rule answered each model's first request only: after the results, both answer in words.
  await expect(tuned.getByTestId("reply-calls")).toHaveCount(1);
  await expect(base.getByTestId("reply-calls")).toHaveCount(1);
  await expect(tuned.getByRole("alert")).toHaveCount(0);
  await expect(base.getByRole("alert")).toHaveCount(0);
  await expect(page.getByLabel("Send as")).toHaveValue("user");
  expect((await request.post(`${EMULATOR}/_emulator/chat`, { data: { rules: [] } })).ok()).toBe(true);
  await screenshotPage(page, `${DIR}/playground-hosted.png`);
});

import { randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import { expect, test } from "./stack";
import pg from "pg";
import { testSettings } from "../scripts/lib/test-env";
import { expectSameTop } from "./layout";
import { SAMPLE_DATASET_NAME } from "./pages";
import { screenshotPage } from "./screenshot";

// The Costs page against the real app: the price table is edited through its dialog and the ROI calculator
// follows; the calculator's numbers are checked against values worked out by hand; the guide checks the
// sample dataset. Every price changed here is reset, so other specs see the default table.

const DIR = "e2e/artifacts";
const MINI = "gpt-4o-mini-2024-07-18";
const GPT4O = "gpt-4o-2024-08-06";

const result = (page: Page, id: string) => page.getByTestId(`roi-${id}`).locator("dd");

async function fill(page: Page, fields: Record<string, string>) {
  const roi = page.getByRole("region", { name: "Return on investment" });
  for (const [label, value] of Object.entries(fields)) await roi.getByLabel(label, { exact: true }).fill(value);
}

async function fillScenario(page: Page) {
  const roi = page.getByRole("region", { name: "Return on investment" });
  await roi.getByLabel("Base model", { exact: true }).selectOption(GPT4O);
  await roi.getByLabel("Fine-tuned model", { exact: true }).selectOption(MINI);
  await fill(page, {
    "Training tokens": "2000000",
    "Daily inference tokens": "500000",
    "Period (days)": "60",
    "Input share (%)": "75",
    "Prompt reduction (%)": "40",
  });
}

test.afterEach(async ({ request }) => {
  // Put any edited built-in row back to its default.
  const { prices } = (await (await request.get("/api/prices")).json()) as { prices: { id: string; source: string; hasDefault: boolean }[] };
  for (const p of prices.filter((r) => r.hasDefault && r.source === "edited")) await request.post(`/api/prices/${p.id}/reset`);
});

test("the ROI calculator shows hand-computed results and keeps them in the URL", async ({ page }) => {
  await page.goto("/costs");
  await expect(page.getByRole("heading", { level: 1, name: "Costs" })).toBeVisible();
  await fillScenario(page);
  // gpt-4o used as is (base prices 2.50/10) vs fine-tuned gpt-4o-mini (fine-tuned prices 0.30/1.20), training $3 / 1M:
  // training 2M × 3 = $6; base/day 0.5M × (0.75 × 2.50 + 0.25 × 10) = $2.1875 → ×30 = $65.625
  // fine-tuned/day 0.5M × (0.75 × 0.6 × 0.30 + 0.25 × 1.20) = $0.2175 → ×30 = $6.525
  // savings/day $1.97 → ×30 = $59.10; break-even ⌈6 / 1.97⌉ = 4 days; net 60 × 1.97 − 6 = $112.20
  await expect(result(page, "training-cost")).toHaveText("$6.00");
  await expect(result(page, "monthly-base")).toHaveText("$65.625");
  await expect(result(page, "monthly-ft")).toHaveText("$6.525");
  await expect(result(page, "monthly-savings")).toHaveText("$59.10");
  await expect(result(page, "break-even")).toHaveText("4 days");
  await expect(result(page, "net")).toHaveText("$112.20");
  await expect(page.getByTestId("roi-net").locator("dt")).toHaveText("Net over 60 days");
  const chart = page.getByRole("img", { name: /The lines cross at day 4\./ });
  await expect(chart.locator(".recharts-line")).toHaveCount(2);
  await expect(chart.locator(".recharts-reference-line")).toHaveCount(1);
  await expect(chart.getByText("break-even: day 4")).toBeVisible();
  // The price fields line up by row at 1366 px (three, then two), though "Fine-tuned output / 1M" wraps.
  const roi = page.getByRole("region", { name: "Return on investment" });
  const price = (label: string) => roi.getByLabel(label, { exact: true });
  await expectSameTop([price("Training price / 1M"), price("Base input / 1M"), price("Base output / 1M")]);
  await expectSameTop([price("Fine-tuned input / 1M"), price("Fine-tuned output / 1M")]);

  // The link reproduces the calculation.
  await expect(page).toHaveURL(/daily=500000/);
  await page.reload();
  await expect(result(page, "net")).toHaveText("$112.20");
  await expect(page.getByLabel("Input share (%)", { exact: true })).toHaveValue("75");

  await page.getByText("How this is computed").click();
  await expect(page.getByText(/= 500,000 \/ 1M × \(75 % × \$2\.50 \+ 25 % × \$10\.00\) = \$2\.1875/)).toBeVisible();
  await screenshotPage(page, `${DIR}/costs.png`);
  // The price table shows the base model's own prices beside the fine-tuned ones.
  const miniRow = page.locator(`tr[data-model="${MINI}"]`);
  // Model, training, fine-tuned input / cached / output, base input (cached below it) / output, as of, actions.
  await expect(miniRow.locator("td")).toHaveText([new RegExp(MINI), "$3.00", "$0.30", "$0.15", "$1.20", /^\$0\.15\s*cached \$0\.075$/, "$0.60", /2026-08-21/, /Edit/]);
  await page.locator("table").filter({ has: miniRow }).screenshot({ path: `${DIR}/costs-price-table.png` });

  // A bad field says what is wrong and keeps what was typed; the other fields keep theirs.
  await fill(page, { "Daily inference tokens": "-5" });
  await expect(page.getByText("Daily inference tokens: cannot be negative")).toBeVisible();
  await expect(page.getByLabel("Daily inference tokens", { exact: true })).toHaveValue("-5");
  await expect(page.getByText("Fix the fields marked above to see the result")).toBeVisible();
});

test("editing a price in the table changes the ROI result; reset brings it back", async ({ page }) => {
  await page.goto("/costs");
  await fillScenario(page);
  await expect(result(page, "monthly-ft")).toHaveText("$6.525");

  const row = page.locator(`tr[data-model="${MINI}"]`);
  await row.getByRole("button", { name: `Edit ${MINI}` }).click();
  const dialog = page.getByRole("dialog", { name: `Edit prices of ${MINI}` });
  const output = dialog.getByLabel(/^Output \/ 1M/);
  // Refused input stays in the field with a message beside it.
  await output.fill("-1");
  await dialog.getByRole("button", { name: "Save prices" }).click();
  await expect(dialog.getByText("Cannot be negative; type 0 for free.")).toBeVisible();
  await expect(output).toHaveValue("-1");
  await output.fill("2.4");
  await dialog.getByRole("button", { name: "Save prices" }).click();
  await expect(dialog).toBeHidden();

  // fine-tuned/day 0.5M × (0.75 × 0.6 × 0.30 + 0.25 × 2.40) = $0.3675 → ×30 = $11.025
  await expect(result(page, "monthly-ft")).toHaveText("$11.025");
  const today = new Date().toISOString().slice(0, 10);
  await expect(row).toContainText(today);
  await expect(row).toContainText("edited");
  await expect(row).toContainText("$2.40");

  await row.getByRole("button", { name: `Reset ${MINI} to its default prices` }).click();
  await expect(result(page, "monthly-ft")).toHaveText("$6.525");
  await expect(row).toContainText("2026-08-21");
});

test("the base model's own prices are edited in the dialog and drive the calculator's base side", async ({ page }) => {
  await page.goto("/costs");
  await fillScenario(page);
  await expect(result(page, "monthly-base")).toHaveText("$65.625");

  const row = page.locator(`tr[data-model="${GPT4O}"]`);
  await row.getByRole("button", { name: `Edit ${GPT4O}` }).click();
  const dialog = page.getByRole("dialog", { name: `Edit prices of ${GPT4O}` });
  await expect(dialog.getByRole("group", { name: "Using the base model, not fine-tuned (optional)" })).toBeVisible();
  const baseOut = dialog.getByLabel(/^Base output \/ 1M/);
  await expect(baseOut).toHaveValue("10");
  await expect(dialog.getByLabel(/^Output \/ 1M/)).toHaveValue("15");
  await dialog.screenshot({ path: `${DIR}/costs-price-dialog.png` });
  await baseOut.fill("-3");
  await dialog.getByRole("button", { name: "Save prices" }).click();
  await expect(dialog.getByText("Cannot be negative; type 0 for free.")).toBeVisible();
  await baseOut.fill("12");
  await dialog.getByRole("button", { name: "Save prices" }).click();
  await expect(dialog).toBeHidden();

  // base/day 0.5M × (0.75 × 2.50 + 0.25 × 12) = $2.4375 → ×30 = $73.125; the fine-tuned side is unchanged
  await expect(result(page, "monthly-base")).toHaveText("$73.125");
  await expect(result(page, "monthly-ft")).toHaveText("$6.525");
  await expect(row).toContainText("$12.00");
  await row.getByRole("button", { name: `Reset ${GPT4O} to its default prices` }).click();
  await expect(result(page, "monthly-base")).toHaveText("$65.625");
});

test("adding a model that already has a row is refused beside the model field", async ({ page }) => {
  await page.goto("/costs");
  await page.getByRole("button", { name: "Add model" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a model to the price table" });
  await dialog.getByLabel("Model", { exact: true }).fill(MINI);
  await dialog.getByLabel(/^Training \/ 1M tokens/).fill("1");
  await dialog.getByRole("button", { name: "Add model" }).click();
  await expect(dialog.getByText(`"${MINI}" already has a row in the price table; edit that row instead`)).toBeVisible();
  await expect(dialog.getByLabel("Model", { exact: true })).toHaveValue(MINI);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
});

test("a fine-tuned model that costs more per day never breaks even", async ({ page }) => {
  await page.goto("/costs");
  const roi = page.getByRole("region", { name: "Return on investment" });
  await roi.getByLabel("Base model", { exact: true }).selectOption(MINI);
  await roi.getByLabel("Fine-tuned model", { exact: true }).selectOption(GPT4O);
  await fill(page, { "Training tokens": "1000000", "Daily inference tokens": "1000000", "Period (days)": "90", "Input share (%)": "80", "Prompt reduction (%)": "10" });
  // gpt-4o-mini used as is: base 0.8 × 0.15 + 0.2 × 0.60 = $0.24/day; fine-tuned gpt-4o 0.8 × 0.9 × 3.75 + 0.2 × 15
  // = $5.70/day; training 1M × $25; savings −$5.46/day → −$163.80 a month; net 90 × −5.46 − 25 = −$516.40
  await expect(result(page, "break-even")).toHaveText("Never");
  await expect(result(page, "monthly-savings")).toHaveText("-$163.80");
  await expect(result(page, "net")).toHaveText("-$516.40");
  await expect(page.getByRole("img", { name: /never catches up/ })).toBeVisible();
});

async function withDb<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testSettings().e2eDatabaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

test("a finished job prefills its trained tokens and model (/costs?job=<id>)", async ({ page }) => {
  // A finished (terminal) job row, as the OpenAI worker leaves it; the workers do not touch terminal jobs.
  const id = `e2e-costs-${randomUUID()}`;
  await withDb((c) =>
    c.query(`INSERT INTO fine_tune_jobs (id, provider, status, base_model, trained_tokens, updated_at) VALUES ($1, 'openai', 'succeeded', 'gpt-4.1-mini-2025-04-14', 2500000, now())`, [id]),
  );
  try {
    await page.goto(`/costs?job=${id}`);
    await expect(page.getByText(`Prefilled from job ${id}`)).toBeVisible();
    const roi = page.getByRole("region", { name: "Return on investment" });
    await expect(roi.getByLabel("Training tokens", { exact: true })).toHaveValue("2500000");
    await expect(roi.getByLabel("Base model", { exact: true })).toHaveValue("gpt-4.1-mini-2025-04-14");
    await expect(roi.getByLabel("Fine-tuned model", { exact: true })).toHaveValue("gpt-4.1-mini-2025-04-14");
    // 2.5M trained tokens × gpt-4.1-mini's $5 / 1M = $12.50
    await expect(result(page, "training-cost")).toHaveText("$12.50");
  } finally {
    await withDb((c) => c.query("DELETE FROM fine_tune_jobs WHERE id = $1", [id]));
  }
});

test("an unknown job id says so and leaves the calculator usable", async ({ page }) => {
  await page.goto("/costs?job=no-such-job");
  await expect(page.getByText("No fine-tuning job with id “no-such-job”")).toBeVisible();
  await expect(result(page, "training-cost")).toHaveText("$3.00"); // defaults: 1M tokens × gpt-4o-mini's $3
});

test("the guide checks the sample dataset, item by item, with a recommendation", async ({ page }) => {
  await page.goto("/costs");
  const guide = page.getByRole("region", { name: "Do you need fine-tuning?" });
  await expect(guide.getByRole("list", { name: "Steps before fine-tuning" }).getByRole("listitem")).toHaveText([/^Prompting/, /^Few-shot/, /^RAG/, /^Fine-tune/]);
  await expect(guide.getByLabel("Dataset", { exact: true }).locator("option:checked")).toContainText(SAMPLE_DATASET_NAME);
  const checklist = guide.getByRole("list", { name: "Dataset checklist" });
  // The sample has 18 examples, a validation split and tags, and no errors.
  const examples = checklist.getByRole("listitem").filter({ hasText: "Training examples" });
  await expect(examples).toHaveAttribute("data-status", "warn");
  await expect(examples).toContainText("fewer than the 50 recommended");
  await expect(checklist.getByRole("listitem").filter({ hasText: "Validation split" })).toHaveAttribute("data-status", "ok");
  await expect(checklist.getByRole("listitem").filter({ hasText: "Format errors" })).toHaveAttribute("data-status", "ok");
  await expect(checklist.getByRole("listitem").filter({ hasText: "Tag coverage" })).toBeVisible();
  await expect(guide.getByText("Possible, with care")).toBeVisible();

  // The choice lands in the URL.
  const select = guide.getByLabel("Dataset", { exact: true });
  const sampleId = await select.inputValue();
  await select.selectOption("");
  await expect(checklist).toBeHidden();
  await select.selectOption(sampleId);
  await expect(page).toHaveURL(new RegExp(`dataset=${sampleId}`));
  await expect(checklist.getByRole("listitem")).toHaveCount(4);
});

test("the page reads at a phone's width (screenshot)", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/costs");
  await expect(result(page, "break-even")).toBeVisible();
  await expect(page.getByRole("list", { name: "Dataset checklist" })).toBeVisible();
  // The status pill keeps its three marks on one line, inside the window.
  const pill = page.getByTestId("status-indicator");
  await expect(pill).toContainText("workers online");
  const box = (await pill.boundingBox())!;
  expect(box.height).toBeLessThan(36);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await screenshotPage(page, `${DIR}/costs-narrow.png`);
  await page.getByRole("region", { name: "Return on investment" }).screenshot({ path: `${DIR}/costs-narrow-roi.png` });
  await page.getByRole("region", { name: "Do you need fine-tuning?" }).screenshot({ path: `${DIR}/costs-narrow-guide.png` });
});

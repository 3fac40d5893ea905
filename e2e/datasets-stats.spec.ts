import type { Page } from "@playwright/test";
import { expect, test } from "./stack";
import { SAMPLE_DATASET_NAME } from "./pages";
import { screenshotPage } from "./screenshot";

// The Statistics tab on the sample dataset (18 examples, some validation, tagged), analysed by the real worker
// at start: readiness in plain sentences, summary figures, recharts charts, and a count-model change that the
// worker recounts in the background.

const DIR = "e2e/artifacts";

async function openStats(page: Page) {
  await page.goto("/datasets");
  await page.getByRole("link", { name: SAMPLE_DATASET_NAME }).click();
  await page.getByRole("navigation", { name: "Dataset views" }).getByRole("link", { name: "Statistics" }).click();
  await expect(page).toHaveURL(/tab=stats/);
}

test("the Statistics tab shows readiness, figures and charts of the sample dataset", async ({ page }) => {
  await openStats(page);
  const checklist = page.getByRole("list", { name: "Readiness checklist" });
  await expect(checklist).toBeVisible();
  // The worker analysed the sample at start: no counting in progress once it is done.
  await expect(checklist.getByText(/Counting tokens/)).toHaveCount(0, { timeout: 30_000 });
  await expect(checklist.getByRole("listitem").filter({ hasText: /fewer than 50 examples/i })).toBeVisible();
  await expect(checklist.getByRole("listitem").filter({ hasText: /validation examples? held out/ })).toBeVisible();

  const figures = page.getByRole("list", { name: "Summary figures" }).or(page.locator("dl[aria-label='Summary figures']"));
  await expect(figures).toContainText("Examples");
  await expect(figures.getByText("Examples", { exact: true }).locator("..")).toContainText("18");
  await expect(figures).toContainText(/Total tokens\s*[\d,]+/);
  await expect(figures).toContainText(/Estimated cost\s*\$\d/);

  const charts = page.getByRole("region", { name: "Charts" });
  for (const name of [/^Tokens per example: 18 examples/, /^Assistant tokens per example: 18 examples/, /^Messages per example: 18 examples/, /^Tags: /]) {
    const chart = charts.getByRole("img", { name });
    await expect(chart).toBeVisible();
    await expect(chart.locator("svg.recharts-surface")).toBeVisible();
    await expect(chart.locator(".recharts-bar-rectangle").first()).toBeVisible();
  }
  await screenshotPage(page, `${DIR}/dataset-stats.png`);
});

test("changing the count model recounts in the background and the figures follow", async ({ page }) => {
  await openStats(page);
  const select = page.getByLabel("Count tokens for");
  await expect(select).toHaveValue("gpt-4o-mini-2024-07-18");
  const total = page.locator("dl[aria-label='Summary figures'] > div").filter({ hasText: "Total tokens" });
  await expect(page.getByRole("list", { name: "Readiness checklist" }).getByText(/Counting tokens/)).toHaveCount(0, { timeout: 30_000 });
  const before = await total.locator("dd > span").first().textContent();

  await select.selectOption("gpt-3.5-turbo-0125");
  await expect(select).toHaveValue("gpt-3.5-turbo-0125");
  // The recount finishes in the worker; the limit and price follow the model.
  await expect(total).toContainText("limit 16,385 each", { timeout: 30_000 });
  await expect(page.locator("dl[aria-label='Summary figures']")).toContainText("$8.00 / 1M tokens");
  await expect(total.locator("dd > span").first()).toHaveText(/^[\d,]+$/);
  expect(await total.locator("dd > span").first().textContent()).not.toBe(before);

  // Back to the default, so other specs see the sample as seeded.
  await select.selectOption("gpt-4o-mini-2024-07-18");
  await expect(total).toContainText("limit 65,536 each", { timeout: 30_000 });
  await expect(total.locator("dd > span").first()).toHaveText(before!);
});

test("duplicate clusters list the repeated examples and open them in the table", async ({ page }) => {
  // A dataset with known duplicates, written straight into the e2e database (importing belongs to another
  // panel); the analysis is then requested through the app's own API by switching its count model.
  const { createPrismaClient } = await import("../lib/db/client");
  const { newExampleRow } = await import("../lib/datasets/rows/build");
  const { testSettings } = await import("../scripts/lib/test-env");
  const db = createPrismaClient(testSettings().e2eDatabaseUrl);
  const name = `Stats e2e ${Date.now()}`;
  const ds = await db.dataset.create({ data: { name, countModel: "gpt-4o-2024-08-06" } });
  try {
    const chat = (user: string, assistant: string) => ({ kind: "chat" as const, example: { messages: [{ role: "user", content: user }, { role: "assistant", content: assistant }] } });
    const rows = [
      chat("How do I reset my password?", "Use the reset link on the sign-in page."),
      chat("Where can I download my invoices?", "Under Billing → Invoices."),
      chat("how do I reset my PASSWORD?", "Use the reset link on the sign-in page."),
      chat("Can I change the email address on my account?", "Yes, under Profile → Email."),
      chat("How do I reset my password?  ", "use the reset link on the sign-in page."),
    ].map((c, position) => newExampleRow(c as never, { datasetId: ds.id, position, tags: ["account"] }));
    await db.example.createMany({ data: rows });
    // A model nobody can count for is refused with the choices; nothing changes.
    const bad = await page.request.patch(`/api/datasets/${ds.id}`, { data: { countModel: "gpt-99" } });
    expect(bad.status()).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: "unknown_count_model", message: expect.stringContaining('"gpt-99" is not a model tuneforge can count tokens for; pick one of'), details: { field: "countModel" } });
    const unknownKey = await page.request.patch(`/api/datasets/${ds.id}`, { data: { tokenizer: "x" } });
    expect(unknownKey.status()).toBe(400);
    expect((await unknownKey.json()).error.code).toBe("validation_error");
    expect((await page.request.get(`/api/datasets/no-such-dataset/stats`)).status()).toBe(404);
    expect((await page.request.get(`/api/datasets/no-such-dataset/analysis`)).status()).toBe(404);

    const res = await page.request.patch(`/api/datasets/${ds.id}`, { data: { countModel: "gpt-4o-mini-2024-07-18" } });
    expect(res.ok()).toBe(true);
    expect((await res.json()).dataset).toMatchObject({ countModel: "gpt-4o-mini-2024-07-18", revision: 1, recount: true });
    const progress = await (await page.request.get(`/api/datasets/${ds.id}/analysis`)).json();
    expect(Object.keys(progress).sort()).toEqual(["analyzedRevision", "countModel", "counted", "error", "pending", "revision", "tokenLimit", "total"]);
    expect(progress).toMatchObject({ revision: 1, total: 5, countModel: "gpt-4o-mini-2024-07-18", tokenLimit: 65_536, error: null });

    await page.goto(`/datasets/${ds.id}?tab=stats`);
    const checklist = page.getByRole("list", { name: "Readiness checklist" });
    await expect(checklist.getByRole("listitem").filter({ hasText: "2 exact duplicates" })).toBeVisible({ timeout: 30_000 });
    await expect(checklist.getByRole("listitem").filter({ hasText: /Only 5 training examples: OpenAI rejects/ })).toBeVisible();
    await expect(checklist.getByRole("listitem").filter({ hasText: /share one tag \(“account”\)/ })).toBeVisible();
    const clusters = page.getByRole("list", { name: "Duplicate clusters" });
    await expect(clusters.getByRole("listitem").first()).toContainText("3 examples");
    await screenshotPage(page, `${DIR}/dataset-stats-duplicates.png`);

    const copy = clusters.getByRole("link", { name: /#3/ });
    await expect(copy).toBeVisible();
    await copy.click();
    await expect(page).toHaveURL(/tab=examples&example=/);
    const exampleId = new URL(page.url()).searchParams.get("example");
    const third = await db.example.findFirstOrThrow({ where: { datasetId: ds.id, position: 2 } });
    expect(exampleId).toBe(third.id);
  } finally {
    await db.dataset.delete({ where: { id: ds.id } });
    await db.$disconnect();
  }
});

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import type { Locator, Page } from "@playwright/test";
import { expect, test } from "./stack";
import { SAMPLE_DATASET_NAME } from "./pages";

// Splits and versions on the sample dataset, as a user does it: re-split with a seed (the preview is what gets
// applied), freeze a version with a note, download its train file, and compare it to the working set.

async function openVersionsTab(page: Page) {
  await page.goto("/datasets");
  await page.getByRole("link", { name: SAMPLE_DATASET_NAME }).click();
  await page.getByRole("link", { name: "Splits & versions" }).click();
  await expect(page.getByRole("heading", { name: "Split", exact: true })).toBeVisible();
}

async function count(group: Locator, term: "Train" | "Validation" | "Test"): Promise<number> {
  const text = await group.locator("div").filter({ has: group.page().getByText(term, { exact: true }) }).locator("dd").textContent();
  return Number(text?.replace(/,/g, ""));
}

test("re-split with a seed, freeze a version, download its train export and compare it to the working set", async ({ page }) => {
  await openVersionsTab(page);
  // How the tab looks before anything was frozen (a run where another spec froze first shows its versions).
  await page.getByRole("heading", { name: "Versions", exact: true }).evaluate((el) => el.scrollIntoView({ block: "center" }));
  await expect(page.getByText("Loading versions…")).toBeHidden();
  await expect(page.getByLabel("Split preview")).toBeVisible();
  await page.screenshot({ path: "e2e/artifacts/datasets-versions-empty.png" });
  const current = page.getByLabel("Current split");
  await expect(current).toBeVisible();
  const total = (await count(current, "Train")) + (await count(current, "Validation")) + (await count(current, "Test"));
  expect(total).toBeGreaterThanOrEqual(12);

  // 25% with seed 7: the preview shows what Apply will write.
  await page.getByRole("slider", { name: "Validation share" }).fill("25");
  await expect(page.getByText("25%", { exact: true })).toBeVisible();
  await page.getByRole("textbox", { name: "Seed" }).fill("7");
  const preview = page.getByLabel("Split preview");
  const expectedValidation = Math.round(total * 0.25);
  await expect.poll(() => count(preview, "Validation")).toBe(expectedValidation);
  expect(await count(preview, "Train")).toBe(total - expectedValidation);
  await page.getByRole("button", { name: "Apply split" }).click();
  await expect(page.getByText(/Split applied: \d+ train, \d+ validation/)).toBeVisible();
  await expect.poll(() => count(current, "Validation")).toBe(expectedValidation);
  expect(await count(current, "Train")).toBe(total - expectedValidation);

  // Freeze with a note; the new version is listed with its counts and sha256.
  await page.getByRole("textbox", { name: "Note" }).fill("e2e: 25% validation, seed 7");
  await page.getByRole("button", { name: "Freeze version" }).click();
  const frozen = page.getByText(/Froze v\d+:/);
  await expect(frozen).toBeVisible();
  const number = Number(/Froze v(\d+)/.exec((await frozen.textContent()) ?? "")![1]);
  const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: `v${number}`, exact: true }) });
  await expect(row).toContainText("e2e: 25% validation, seed 7");
  const cells = row.getByRole("cell");
  const trainCount = Number(await cells.nth(1).textContent());
  expect(trainCount).toBe(total - expectedValidation);
  expect(Number(await cells.nth(2).textContent())).toBe(expectedValidation);
  // Each version opens the launch form prefilled with it.
  await expect(row.getByRole("link", { name: "Train" })).toHaveAttribute("href", /^\/jobs\/new\?dataset=[^&]+&version=\d+$/);
  // The table fits a 1366 px screen without scrolling sideways.
  const wrap = row.locator("xpath=ancestor::div[contains(@class, 'table-wrap')]");
  expect(await wrap.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  const shortHash = (await row.locator("code").textContent()) ?? "";
  expect(shortHash).toMatch(/^[0-9a-f]{12}$/);
  const versions = await (await page.request.get(page.url().replace(/\/datasets\/([^/?]+).*$/, "/api/datasets/$1/versions"))).json();
  const listed = (versions as { versions: { number: number; sha256: string }[] }).versions.find((v) => v.number === number)!;
  expect(listed.sha256.startsWith(shortHash)).toBe(true);

  // The train download is the frozen file: one valid chat example per line, as many as the version's train count.
  const downloading = page.waitForEvent("download");
  await row.getByRole("button", { name: `Export v${number}` }).click();
  await row.getByRole("link", { name: `Download v${number} train JSONL` }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`sample-techcorp-support-v${number}-train.jsonl`);
  const text = await readFile((await download.path())!, "utf8");
  const lines = text.split("\n").filter((l) => l !== "");
  expect(lines).toHaveLength(trainCount);
  for (const line of lines) {
    const record = JSON.parse(line) as { messages?: { role: string }[] };
    expect(Array.isArray(record.messages)).toBe(true);
    expect(record.messages!.some((m) => m.role === "assistant")).toBe(true);
  }

  // The CLI gets the same bytes from the running server.
  const cli = await promisify(execFile)(process.execPath, ["bin/tuneforge.mjs", "export", "--dataset", SAMPLE_DATASET_NAME, "--version", String(number), "--split", "train"], {
    env: { ...process.env, TUNEFORGE_URL: new URL(page.url()).origin },
  });
  expect(cli.stdout).toBe(text);

  // Nothing changed since the freeze.
  await page.getByLabel("Compare from").selectOption(String(number));
  await page.getByLabel("Compare to").selectOption("working");
  await page.getByRole("button", { name: "Show diff" }).click();
  await expect(page.getByRole("heading", { name: `Diff v${number} → working set` })).toBeVisible();
  await expect(page.getByLabel("Diff summary")).toContainText(`+0 added−0 removed~0 changed${total - (await count(current, "Test"))} unchanged`);
  await expect(page.getByText(`No changes: working set holds the same examples as v${number}.`)).toBeVisible();

  // Another seed moves examples between train and validation: the diff shows them as changed splits.
  await page.getByRole("textbox", { name: "Seed" }).fill("8");
  await page.getByRole("button", { name: "Apply split" }).click();
  await expect(page.getByText(/Split applied/)).toBeVisible();
  await page.getByRole("button", { name: "Show diff" }).click();
  const summary = page.getByLabel("Diff summary");
  await expect(summary).not.toContainText("~0 changed");
  const changed = Number(/~(\d+) changed/.exec((await summary.textContent()) ?? "")![1]);
  expect(changed).toBeGreaterThan(0);
  await expect(page.getByRole("region", { name: "Changed" }).getByText("split changed")).toHaveCount(changed);

  // What a user sees at 1366×768: the split and freeze cards, then the versions table with the diff.
  await page.getByRole("heading", { name: "Split", exact: true }).evaluate((el) => el.scrollIntoView({ block: "center" }));
  await page.screenshot({ path: "e2e/artifacts/datasets-versions-split.png" });
  await page.getByRole("heading", { name: "Versions", exact: true }).evaluate((el) => el.scrollIntoView({ block: "center" }));
  await row.getByRole("button", { name: `Export v${number}` }).click();
  await expect(row.getByRole("link", { name: `Download v${number} all JSONL` })).toBeVisible();
  await page.screenshot({ path: "e2e/artifacts/datasets-versions.png" });
  await page.keyboard.press("Escape");
  await page.getByRole("heading", { name: `Diff v${number} → working set` }).evaluate((el) => el.scrollIntoView());
  await page.screenshot({ path: "e2e/artifacts/datasets-versions-diff.png" });
});

test("freezing is refused, with the count and what to do, while examples have errors", async ({ page, request }) => {
  // A dataset of its own with two blank examples: the editor's "new example" is a user + assistant pair with
  // empty content, which the validator reports as missing_content errors.
  const created = await request.post("/api/datasets", { data: { name: `E2E — freeze refused ${Date.now()}` } });
  expect(created.status(), await created.text()).toBeLessThan(300);
  const { dataset } = (await created.json()) as { dataset: { id: string } };
  for (let i = 0; i < 2; i++) expect((await request.post(`/api/datasets/${dataset.id}/examples`, { data: {} })).ok()).toBe(true);

  await page.goto(`/datasets/${dataset.id}?tab=versions`);
  await expect(page.getByRole("heading", { name: "Split", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Freeze version" }).click();
  const notice = page.getByRole("alert").filter({ hasText: "Not frozen" });
  await expect(notice).toContainText("2 examples have errors; fix or delete them first");
  const versions = (await (await request.get(`/api/datasets/${dataset.id}/versions`)).json()) as { versions: unknown[] };
  expect(versions.versions).toEqual([]);
});

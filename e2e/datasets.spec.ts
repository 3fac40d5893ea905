import { expect, test } from "./stack";
import { SAMPLE_DATASET_NAME } from "./pages";

test("the sample dataset is listed with its Sample badge and counts", async ({ page }) => {
  await page.goto("/datasets");
  const row = page.getByRole("row").filter({ hasText: SAMPLE_DATASET_NAME });
  await expect(row).toBeVisible();
  await expect(row.getByText("Sample", { exact: true })).toBeVisible();
  // Examples, train, validation and tokens are real numbers from the database.
  const cells = row.getByRole("cell");
  await expect(cells.nth(1)).toHaveText(/^\d+$/);
  expect(Number(await cells.nth(1).textContent())).toBeGreaterThanOrEqual(12);
  expect(Number(await cells.nth(3).textContent())).toBeGreaterThan(0);
  // Updated: on one line, without the current year.
  const updated = row.locator("time");
  await expect(updated).not.toContainText(String(new Date().getFullYear()));
  expect((await updated.boundingBox())!.height).toBeLessThan(30);
});

test("the sample dataset opens on its curation table with every example", async ({ page }) => {
  await page.goto("/datasets");
  await page.getByRole("link", { name: SAMPLE_DATASET_NAME }).click();
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(SAMPLE_DATASET_NAME) })).toBeVisible();
  const table = page.getByRole("table", { name: "Examples" });
  const first = table.getByRole("row").filter({ has: page.getByRole("checkbox", { name: "Select example 1", exact: true }) });
  // First user message and the assistant's reply, previewed from the stored messages.
  await expect(first).toContainText("I forgot my password");
  await expect(first).toContainText("No problem");
  // 18 on a fresh start; specs that add examples to the sample may have run first.
  const id = new URL(page.url()).pathname.split("/").pop();
  const { total } = (await (await page.request.get(`/api/datasets/${id}/examples?limit=1`)).json()) as { total: number };
  expect(total).toBeGreaterThanOrEqual(18);
  // Virtualized: the size counts every row, the DOM holds those near the viewport.
  await expect(table).toHaveAttribute("aria-rowcount", String(total + 1));
});

test("deleting asks for confirmation, and Escape cancels", async ({ page }) => {
  await page.goto("/datasets");
  await page.getByRole("button", { name: `Delete ${SAMPLE_DATASET_NAME}` }).click();
  const dialog = page.getByRole("dialog", { name: new RegExp(`Delete “${SAMPLE_DATASET_NAME}”`) });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("link", { name: SAMPLE_DATASET_NAME })).toBeVisible();
});

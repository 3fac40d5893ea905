import { expect, test } from "./stack";
import { PAGES, SAMPLE_DATASET_NAME } from "./pages";
import { screenshotPage } from "./screenshot";

// One whole-page screenshot per page under e2e/artifacts/ (gitignored), to look at after a run (screenshotPage:
// the sticky sidebar and top bar drawn where the page starts, not where the scroll left them).
const DIR = "e2e/artifacts";

for (const p of PAGES) {
  test(`screenshot: ${p.slug}`, async ({ page }) => {
    await page.goto(p.path);
    await expect(page.getByRole("heading", { level: 1, name: p.heading })).toBeVisible();
    // Wait for client-side data (react-query) and the status indicator to settle before capturing.
    await expect(page.getByText(/^Loading|^Scanning|^Checking/)).toHaveCount(0);
    await expect(page.getByTestId("status-indicator")).not.toContainText("Checking status");
    await screenshotPage(page, `${DIR}/${p.slug}.png`);
    // With the rows the earlier spec files left (long ft: names, dataset names, costs, progress), every table fits the
    // page at the laptop width of playwright.config.ts: none needs sideways scrolling.
    for (const wrap of await page.locator(".table-wrap").all()) {
      const { caption, overflow } = await wrap.evaluate((el) => ({ caption: el.querySelector("caption")?.textContent ?? "", overflow: el.scrollWidth - el.clientWidth }));
      expect.soft(overflow, `the "${caption}" table is wider than its frame`).toBeLessThanOrEqual(0);
    }
  });
}

test("screenshot: dataset detail and status details", async ({ page }) => {
  await page.goto("/datasets");
  await page.getByRole("link", { name: SAMPLE_DATASET_NAME }).click();
  await expect(page.getByRole("table", { name: "Examples" }).getByRole("checkbox", { name: "Select example 1", exact: true })).toBeVisible();
  await page.screenshot({ path: `${DIR}/dataset-detail.png` });

  await page.getByTestId("status-indicator").click();
  await expect(page.getByRole("dialog", { name: "System status" })).toBeVisible();
  await page.screenshot({ path: `${DIR}/status-details.png` });
});

import { expect, test } from "@playwright/test";
import pg from "pg";
import { testSettings } from "../scripts/lib/test-env";

// Virtualization over a dataset larger than a page: 5,000 rows written straight into the e2e server's
// database (the table only reads them), then scrolled to the end, jumped with the keyboard and re-sorted.

const ROWS = 5000;
let datasetId = "";

async function withDb<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testSettings().e2eDatabaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

test.beforeAll(async () => {
  datasetId = `scroll-${Date.now()}`;
  await withDb(async (c) => {
    await c.query(`INSERT INTO datasets (id, name, updated_at) VALUES ($1, $2, now())`, [datasetId, `Scroll test ${datasetId}`]);
    await c.query(
      `INSERT INTO examples (id, dataset_id, position, messages, content_hash, token_count, message_count, prompt_preview,
                             reply_preview, search_text, split, tags, updated_at)
       SELECT $1 || '-' || i, $1, i,
              jsonb_build_array(jsonb_build_object('role', 'user', 'content', 'Scroll row ' || i),
                                jsonb_build_object('role', 'assistant', 'content', 'Reply number ' || i)),
              md5(i::text), 20 + (i * 37) % 500, 2, 'Scroll row ' || i, 'Reply number ' || i,
              'Scroll row ' || i || E'\\n' || 'Reply number ' || i,
              (CASE WHEN i % 10 = 0 THEN 'validation' ELSE 'train' END)::split,
              CASE WHEN i % 7 = 0 THEN ARRAY['seventh'] ELSE ARRAY[]::text[] END, now()
       FROM generate_series(0, $2::int - 1) AS i`,
      [datasetId, ROWS],
    );
  });
});

test.afterAll(async () => {
  await withDb((c) => c.query(`DELETE FROM datasets WHERE id = $1`, [datasetId]));
});

test("scrolling a 5,000-row table loads the pages it reaches; End jumps to the last row", async ({ page }) => {
  await page.goto(`/datasets/${datasetId}`);
  const table = page.getByRole("table", { name: "Examples" });
  await expect(page.getByText(/^5,000\s+examples$/)).toBeVisible();
  await expect(table).toHaveAttribute("aria-rowcount", String(ROWS + 1));
  // Only a window of rows is in the DOM, not 5,000.
  expect(await table.getByRole("checkbox", { name: /^Select example \d+$/ }).count()).toBeLessThan(100);

  // Scroll to the middle: page 50 (rows 2,500–2,549) is fetched and rendered.
  const scroller = table.locator("xpath=..");
  await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  const middle = table.getByRole("row").filter({ hasText: "Scroll row 2500" });
  await expect(middle).toBeVisible();
  await expect(middle.getByRole("cell").nth(1)).toHaveText("2,501");

  // Keyboard: focus a row, End goes to the last one (its page loads on the way).
  await middle.focus();
  await page.keyboard.press("End");
  const last = table.getByRole("row").filter({ hasText: "Scroll row 4999" });
  await expect(last).toBeFocused();
  await expect(last.getByRole("cell").nth(1)).toHaveText("5,000");
  await page.screenshot({ path: "e2e/artifacts/datasets-table-scrolled.png" });

  // Sorting by tokens (descending) starts again at the top with the largest counts.
  await table.getByRole("columnheader", { name: "Tokens" }).getByRole("button").click();
  await table.getByRole("columnheader", { name: "Tokens" }).getByRole("button").click();
  await expect(table.getByRole("columnheader", { name: "Tokens" })).toHaveAttribute("aria-sort", "descending");
  const firstRow = table.getByRole("row").filter({ has: page.getByRole("checkbox", { name: /^Select example \d+$/ }) }).first();
  await expect(firstRow.getByRole("cell").nth(5)).toHaveText("519");

  // A tag filter over all 5,000 rows counts every match, not just the loaded ones.
  await page.getByRole("combobox", { name: "Tag" }).selectOption("seventh");
  await expect(page.getByText(/^715\s+of 5,000 examples$/)).toBeVisible();
});

import type { Page } from "@playwright/test";
import { expect, test } from "./stack";
import pg from "pg";
import { testSettings } from "../scripts/lib/test-env";
import { SAMPLE_DATASET_NAME } from "./pages";

// The curation table on the sample dataset (18 examples on a fresh start; other specs may add some, so counts
// are read from the API): previews, server-side sort, search and split
// filters kept in the URL, keyboard navigation into the editor, and selection showing the bulk actions.

/** The e2e server's own database, for fixtures the UI only reads and for cleaning up after a test. */
async function withDb<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testSettings().e2eDatabaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function openSample(page: Page) {
  await page.goto("/datasets");
  await page.getByRole("link", { name: SAMPLE_DATASET_NAME }).click();
  const table = page.getByRole("table", { name: "Examples" });
  await expect(table.getByRole("checkbox", { name: "Select example 1", exact: true })).toBeVisible();
  return table;
}

/** Data rows (the header row has no "Select example N" checkbox). */
const dataRows = (table: ReturnType<Page["getByRole"]>) => table.getByRole("row").filter({ has: table.page().getByRole("checkbox", { name: /^Select example \d+$/ }) });

const datasetId = (page: Page) => new URL(page.url()).pathname.split("/").pop()!;

/** How many examples the open dataset has now, from the API the table reads. */
async function exampleTotal(page: Page): Promise<number> {
  const res = await page.request.get(`/api/datasets/${datasetId(page)}/examples?limit=1`);
  return ((await res.json()) as { total: number }).total;
}

const fmt = (n: number) => n.toLocaleString("en-US");

test("the table shows every example with its previews, messages, split and issues", async ({ page }) => {
  const table = await openSample(page);
  const total = await exampleTotal(page);
  expect(total).toBeGreaterThanOrEqual(18);
  // Every row counts in the table's size; only those near the viewport are in the DOM (virtualized).
  await expect(table).toHaveAttribute("aria-rowcount", String(total + 1));
  await expect(dataRows(table).nth(Math.min(total, 15) - 1)).toBeVisible();
  await expect(page.getByText(new RegExp(`^${fmt(total)}\\s+examples$`))).toBeVisible();
  const first = dataRows(table).first();
  await expect(first).toContainText("I forgot my password");
  await expect(first).toContainText("No problem");
  await expect(first.getByRole("cell").nth(1)).toHaveText("1");
  await expect(first).toContainText(/train|validation|test/);
  for (const name of ["#", "First user message", "Reply", "Msgs", "Tokens", "Split", "Issues"]) {
    await expect(table.getByRole("columnheader", { name })).toBeVisible();
  }
  await expect(table.getByRole("columnheader", { name: "#" })).toHaveAttribute("aria-sort", "ascending");
  await page.screenshot({ path: "e2e/artifacts/datasets-table.png" });
});

test("clicking a header sorts on the server, and the sort stays in the URL", async ({ page }) => {
  const table = await openSample(page);
  // The sample's tokens are counted when it is created.
  const tokens = table.getByRole("columnheader", { name: "Tokens" });
  const api = await page.request.get(`/api/datasets/${datasetId(page)}/examples?sort=tokens&dir=desc&limit=200`);
  const expected = ((await api.json()) as { rows: { position: number }[] }).rows.map((r) => String(r.position + 1));

  // Two quick clicks: ascending, then descending (the second builds on the first before the URL catches up).
  await tokens.getByRole("button").dblclick();
  await expect(tokens).toHaveAttribute("aria-sort", "descending");
  await expect(page).toHaveURL(/sort=tokens&dir=desc|dir=desc&sort=tokens/);
  await expect(table.getByRole("columnheader", { name: "#" })).toHaveAttribute("aria-sort", "none");
  await expect(dataRows(table).first().getByRole("cell").nth(1)).toHaveText(expected[0]!);
  const numbers = await dataRows(table).evaluateAll((rows) => rows.map((r) => r.querySelectorAll("td")[1]?.textContent ?? ""));
  // The rendered rows (a virtualized window from the top) are the API's order from the start.
  expect(numbers.length).toBeGreaterThanOrEqual(Math.min(expected.length, 15));
  expect(numbers).toEqual(expected.slice(0, numbers.length));
  expect(expected).not.toEqual([...expected].sort((a, b) => Number(a) - Number(b)));

  await page.reload();
  await expect(table.getByRole("columnheader", { name: "Tokens" })).toHaveAttribute("aria-sort", "descending");
});

test("search and the split filter narrow the rows, and Clear filters brings them back", async ({ page }) => {
  const table = await openSample(page);
  const api = await page.request.get(`/api/datasets/${datasetId(page)}/examples?q=password`);
  const expected = ((await api.json()) as { total: number }).total;
  expect(expected).toBeGreaterThan(0);
  const total = await exampleTotal(page);
  expect(expected).toBeLessThan(total);

  await page.getByRole("searchbox", { name: "Search examples" }).fill("password");
  await expect(page).toHaveURL(/q=password/);
  await expect(dataRows(table)).toHaveCount(expected);
  await expect(page.getByText(new RegExp(`^${expected}\\s+of ${fmt(total)} examples$`))).toBeVisible();

  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(table).toHaveAttribute("aria-rowcount", String(total + 1));

  await page.getByRole("combobox", { name: "Split" }).selectOption("validation");
  await expect(page).toHaveURL(/split=validation/);
  const rows = dataRows(table);
  await expect(rows.first()).toBeVisible();
  const splits = await rows.evaluateAll((rs) => rs.map((r) => r.querySelectorAll("td")[7]?.querySelector("[data-split]")?.getAttribute("data-split") ?? ""));
  expect(splits.length).toBeGreaterThan(0);
  expect(splits.length).toBeLessThan(total);
  for (const s of splits) expect(s).toBe("validation");

  await page.reload();
  await expect(page.getByRole("combobox", { name: "Split" })).toHaveValue("validation");
  await expect(dataRows(table)).toHaveCount(splits.length);

  await page.getByRole("searchbox", { name: "Search examples" }).fill("zzzz-no-such-words");
  await expect(page.getByRole("heading", { name: "No examples match these filters" })).toBeVisible();
  await page.screenshot({ path: "e2e/artifacts/datasets-table-no-matches.png" });
  await page.getByRole("button", { name: "Clear filters" }).first().click();
  await expect(table).toHaveAttribute("aria-rowcount", String(total + 1));
});

test("ArrowDown moves the active row and Enter opens it in the URL", async ({ page }) => {
  const table = await openSample(page);
  const api = await page.request.get(`/api/datasets/${datasetId(page)}/examples?limit=3`);
  const ids = ((await api.json()) as { rows: { id: string }[] }).rows.map((r) => r.id);

  await dataRows(table).first().focus();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowUp");
  await expect(dataRows(table).nth(1)).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`example=${ids[1]}`));
  await expect(dataRows(table).nth(1)).toHaveAttribute("aria-current", "true");
  await page.screenshot({ path: "e2e/artifacts/datasets-table-editor.png" });
});

test("selecting rows shows the bulk actions; Shift+click selects a range; the header box selects all", async ({ page }) => {
  const table = await openSample(page);
  await table.getByRole("checkbox", { name: "Select example 2", exact: true }).check();
  await expect(page.getByRole("region", { name: "Bulk actions" })).toBeVisible();
  await expect(page.getByText(/examples · 1\s+selected/)).toBeVisible();
  await table.getByRole("checkbox", { name: "Select example 5", exact: true }).click({ modifiers: ["Shift"] });
  await expect(page.getByText(/examples · 4\s+selected/)).toBeVisible();
  for (const n of [2, 3, 4, 5]) await expect(table.getByRole("checkbox", { name: `Select example ${n}`, exact: true })).toBeChecked();
  // Selecting does not open the editor.
  expect(page.url()).not.toContain("example=");

  await page.screenshot({ path: "e2e/artifacts/datasets-table-selected.png" });

  const all = table.getByRole("checkbox", { name: "Select all loaded examples" });
  await all.check();
  await expect(page.getByText(new RegExp(`examples · ${fmt(await exampleTotal(page))}\\s+selected`))).toBeVisible();
  await all.uncheck();
  await expect(page.getByRole("region", { name: "Bulk actions" })).toHaveCount(0);
});

test("New example creates a blank example at the end and opens it in the editor", async ({ page, request }) => {
  await openSample(page);
  await page.getByRole("button", { name: "+ New example" }).click();
  await page.waitForURL(/example=/);
  const id = new URL(page.url()).searchParams.get("example");
  await expect(page.getByRole("table", { name: "Examples" }).getByRole("checkbox", { name: "Select example 19", exact: true })).toBeVisible();
  // The blank pair shows its errors in the editor (empty content is an error, not silently accepted).
  await expect(page.getByRole("dialog", { name: "Edit example 19" })).toContainText("missing_content");
  // Leave the sample as it was for the specs after this one (DELETE through the API, as the editor does).
  const datasetId = new URL(page.url()).pathname.split("/").pop();
  expect((await request.delete(`/api/datasets/${datasetId}/examples/${id}`)).ok()).toBe(true);
});

test.describe("a table larger than a page", () => {
  // Virtualization over a dataset larger than a page: 5,000 rows written straight into the e2e server's
  // database (the table only reads them), then scrolled to the end, jumped with the keyboard and re-sorted.

  const ROWS = 5000;
  let datasetId = "";

  test.beforeAll(async () => {
    datasetId = `scroll-${Date.now()}`;
    await withDb(async (c) => {
      // analyzed_revision = revision: analysed, so the table does not wait for counts.
      await c.query(`INSERT INTO datasets (id, name, updated_at, analyzed_revision) VALUES ($1, $2, now(), 0)`, [datasetId, `Scroll test ${datasetId}`]);
      await c.query(
        `INSERT INTO examples (id, dataset_id, position, messages, content_hash, token_count, message_count, prompt_preview,
                               reply_preview, search_text, split, tags, updated_at, issues, issue_codes, error_count, warning_count)
         SELECT $1 || '-' || i, $1, i,
                jsonb_build_array(jsonb_build_object('role', 'user', 'content', 'Scroll row ' || i),
                                  jsonb_build_object('role', 'assistant', 'content', 'Reply number ' || i)),
                md5(i::text), 20 + (i * 37) % 500, 2, 'Scroll row ' || i, 'Reply number ' || i,
                'Scroll row ' || i || E'\\n' || 'Reply number ' || i,
                (CASE WHEN i % 10 = 0 THEN 'validation' ELSE 'train' END)::split,
                CASE WHEN i % 7 = 0 THEN ARRAY['seventh'] ELSE ARRAY[]::text[] END, now(),
                -- Every 50th row (from 3) is flagged a duplicate, every 97th (from 5) lacks its reply.
                CASE WHEN i % 50 = 3 THEN '[{"code":"exact_duplicate","severity":"warning","message":"Same as an earlier example."}]'::jsonb
                     WHEN i % 97 = 5 THEN '[{"code":"example_missing_assistant_message","severity":"error","message":"No assistant message."}]'::jsonb
                     ELSE '[]'::jsonb END,
                CASE WHEN i % 50 = 3 THEN ARRAY['exact_duplicate'] WHEN i % 97 = 5 THEN ARRAY['example_missing_assistant_message'] ELSE ARRAY[]::text[] END,
                CASE WHEN i % 50 <> 3 AND i % 97 = 5 THEN 1 ELSE 0 END,
                CASE WHEN i % 50 = 3 THEN 1 ELSE 0 END
         FROM generate_series(0, $2::int - 1) AS i`,
        [datasetId, ROWS],
      );
      // Searchable at once (the analysis would add these entries in the background).
      await c.query(`INSERT INTO example_search (example_id, dataset_id, text) SELECT id, dataset_id, search_text FROM examples WHERE dataset_id = $1`, [datasetId]);
    });
  });

  test.afterAll(async () => {
    await withDb((c) => c.query(`DELETE FROM datasets WHERE id = $1`, [datasetId]));
  });

  test("issue badges, the Duplicates toggle and the status menu filter over all 5,000 rows", async ({ page }) => {
    await page.goto(`/datasets/${datasetId}`);
    const table = page.getByRole("table", { name: "Examples" });
    const row = (n: number) => table.getByRole("row").filter({ has: page.getByRole("checkbox", { name: `Select example ${n}`, exact: true }) });
    await expect(row(4).getByText("1 warning")).toHaveAttribute("title", /exact_duplicate/);
    await expect(row(6).getByText("1 error")).toHaveAttribute("title", /example_missing_assistant_message/);
    await expect(row(1)).toContainText("✓ clean");
    await page.screenshot({ path: "e2e/artifacts/datasets-table-issues.png" });

    await page.getByLabel("Duplicates only").check();
    await expect(page).toHaveURL(/duplicates=true/);
    await expect(page.getByText(/^100\s+of 5,000 examples$/)).toBeVisible();
    await page.getByLabel("Duplicates only").uncheck();
    await page.getByRole("searchbox", { name: "Search examples" }).fill("row 4321");
    await expect(page.getByText(/^1\s+of 5,000 examples$/)).toBeVisible();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.getByRole("combobox", { name: "Status" }).selectOption("errors");
    await expect(page.getByText(/^51\s+of 5,000 examples$/)).toBeVisible();
    await expect(row(6)).toBeVisible();
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
    const tokens = table.getByRole("columnheader", { name: "Tokens" });
    await tokens.getByRole("button").click();
    await expect(tokens).toHaveAttribute("aria-sort", "ascending");
    await tokens.getByRole("button").click();
    await expect(tokens).toHaveAttribute("aria-sort", "descending");
    const firstRow = table.getByRole("row").filter({ has: page.getByRole("checkbox", { name: /^Select example \d+$/ }) }).first();
    await expect(firstRow.getByRole("cell").nth(5)).toHaveText("519");
    expect(await scroller.evaluate((el) => el.scrollTop)).toBe(0);

    // A tag filter over all 5,000 rows counts every match, not just the loaded ones.
    await page.getByRole("combobox", { name: "Tag" }).selectOption("seventh");
    await expect(page.getByText(/^715\s+of 5,000 examples$/)).toBeVisible();
  });
});

test("uncounted tokens read \"counting…\" while the analysis is pending, and fill in without a reload", async ({ page }) => {
  const id = `counting-${Date.now()}`;
  // No analysis job runs for a dataset written straight to the database, so it stays pending until the test
  // writes the counts itself, as the analysis would.
  await withDb(async (c) => {
    await c.query(`INSERT INTO datasets (id, name, updated_at, revision) VALUES ($1, $2, now(), 1)`, [id, `Counting test ${id}`]);
    await c.query(
      `INSERT INTO examples (id, dataset_id, position, messages, content_hash, message_count, prompt_preview, reply_preview, search_text, updated_at)
       SELECT $1 || '-' || i, $1, i, '[]'::jsonb, md5(i::text), 2, 'Question ' || i, 'Answer ' || i, 'Question ' || i, now()
       FROM generate_series(0, 2) AS i`,
      [id],
    );
  });
  try {
    await page.goto(`/datasets/${id}`);
    const table = page.getByRole("table", { name: "Examples" });
    await expect(table.getByText("counting…")).toHaveCount(3);
    await expect(page.getByText(/^Counting tokens…/)).toBeVisible();
    await withDb(async (c) => {
      await c.query(`UPDATE examples SET token_count = 100 + position WHERE dataset_id = $1`, [id]);
      await c.query(`UPDATE datasets SET analyzed_revision = 1 WHERE id = $1`, [id]);
    });
    await expect(table.getByRole("cell", { name: "102", exact: true })).toBeVisible();
    await expect(table.getByText("counting…")).toHaveCount(0);
    await expect(page.getByText(/^Counting tokens…/)).toHaveCount(0);
  } finally {
    await withDb((c) => c.query(`DELETE FROM datasets WHERE id = $1`, [id]));
  }
});

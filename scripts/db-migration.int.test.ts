import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { isEmptyDiff, prismaDiff } from "./lib/migration";

// Runs `npm run db:migration`'s script for real (Prisma's WASM engine, the pg adapter, the test database's
// server) on temporary copies of the schema and migrations, so prisma/ itself is never touched.

const root = path.resolve(import.meta.dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tuneforge-migration-"));
const migrations = path.join(tmp, "migrations");
const schema = path.join(tmp, "schema.prisma");
const databaseUrl = process.env.DATABASE_URL ?? "";

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runScript(name: string) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/db-migration.ts", name, "--schema", schema, "--migrations", migrations], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
}

describe("prisma/schema.prisma", () => {
  it("has a migration for every change (the snapshot of the last migration matches it)", { timeout: 90_000 }, () => {
    const current = fs.readFileSync(path.join(root, "prisma/schema.prisma"), "utf8");
    const snapshot = fs.readFileSync(path.join(root, "prisma/migrations/schema.snapshot.prisma"), "utf8");
    if (current === snapshot) return;
    // Text differs (maybe only comments or formatting): ask Prisma whether the SQL would.
    const sql = prismaDiff({
      root,
      databaseUrl,
      from: ["--from-schema-datamodel", path.join(root, "prisma/migrations/schema.snapshot.prisma")],
      to: path.join(root, "prisma/schema.prisma"),
    });
    expect(isEmptyDiff(sql), `schema changes without a migration; run: npm run db:migration -- <name>\n${sql}`).toBe(true);
  });
});

describe("db:migration", () => {
  fs.cpSync(path.join(root, "prisma/migrations"), migrations, { recursive: true });
  const original = fs.readFileSync(path.join(root, "prisma/schema.prisma"), "utf8");

  it("writes nothing when the schema matches the last migration", { timeout: 90_000 }, () => {
    fs.writeFileSync(schema, original);
    const before = fs.readdirSync(migrations).sort();
    const run = runScript("nothing");
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("no changes");
    expect(fs.readdirSync(migrations).sort()).toEqual(before);
  });

  it("writes the diff as the next timestamped migration, and the SQL applies", { timeout: 90_000 }, async () => {
    const changed = original.replace(/(model Dataset \{\n)/, "$1  throwawayField Int? @map(\"throwaway_field\")\n");
    expect(changed).not.toBe(original);
    fs.writeFileSync(schema, changed);

    const run = runScript("Add throwaway field");
    expect(run.status, run.stderr).toBe(0);
    const added = fs.readdirSync(migrations).filter((d) => /^\d{14}_add_throwaway_field$/.test(d));
    expect(added).toHaveLength(1);
    const dir = added[0] ?? "";
    expect(dir > "20261129010000_init").toBe(true);
    const sql = fs.readFileSync(path.join(migrations, dir, "migration.sql"), "utf8");
    expect(sql).toMatch(/ALTER TABLE "datasets" ADD COLUMN\s+"throwaway_field" INTEGER;/);
    // The snapshot now describes the new last migration.
    expect(fs.readFileSync(path.join(migrations, "schema.snapshot.prisma"), "utf8")).toBe(changed);

    // The SQL is valid against the migrated test database (inside a transaction that is rolled back).
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query("begin");
      await client.query(sql);
      const cols = await client.query("select 1 from information_schema.columns where table_name = 'datasets' and column_name = 'throwaway_field'");
      expect(cols.rowCount).toBe(1);
    } finally {
      await client.query("rollback");
      await client.end();
    }

    // Running again with nothing changed writes nothing more.
    const again = runScript("add throwaway field");
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain("no changes");
    expect(fs.readdirSync(migrations).filter((d) => d.includes("throwaway"))).toHaveLength(1);
  });
});

import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { migrateDeploy, migrationNames, pendingMigrations, recreateDatabase } from "./database";

// The Prisma CLI for real, on a database of this file's own: migrateDeploy stops it once it reports every migration
// applied (it would otherwise stay 10 s on its schema engine's timer), so what it reports must already be committed.

const base = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tuneforge_test");
const probe = new URL(base);
probe.pathname = `/tuneforge_test_migrate_${process.pid}`;
const url = probe.toString();

afterAll(async () => {
  const admin = new pg.Client({ connectionString: Object.assign(new URL(base), { pathname: "/postgres" }).toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${probe.pathname.slice(1)}" WITH (FORCE)`);
  await admin.end();
});

describe("migrateDeploy", () => {
  it("applies every migration to a new database, all recorded as finished when it resolves, and then none", async () => {
    await recreateDatabase(url);
    expect(await pendingMigrations(url)).toEqual(migrationNames("prisma/migrations"));
    await migrateDeploy(url, { quiet: true });
    expect(await pendingMigrations(url)).toEqual([]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL");
    const tables = await client.query("SELECT to_regclass('public.examples') AS t");
    await client.end();
    expect(rows[0]!.n).toBe(migrationNames("prisma/migrations").length);
    expect(tables.rows[0].t).toBe("examples");
    // Nothing pending: the CLI says so and it resolves the same way.
    await migrateDeploy(url, { quiet: true });
  });

  it("rejects with the CLI's own words when the database cannot be reached", async () => {
    const nowhere = Object.assign(new URL(url), { port: "1" }).toString();
    await expect(migrateDeploy(nowhere, { quiet: true })).rejects.toThrow(/prisma migrate deploy failed \(exit code 1\):[\s\S]*(ECONNREFUSED|Can't reach|connect)/i);
  });
});

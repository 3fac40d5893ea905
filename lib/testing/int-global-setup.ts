import { ensureDatabase, migrateDeploy, pendingMigrations } from "../../scripts/lib/database";

// Integration tests run against a real database; make sure it exists and is migrated once per run.
// (`npm test` recreates and migrates it first; running vitest alone reuses it.) The Prisma CLI is started only when a
// migration is pending: it takes about 12 s even with nothing to do (its schema engine leaves a 10 s timer behind),
// and the int and emu projects each run this set-up.
export default async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tuneforge_test";
  await ensureDatabase(url);
  if ((await pendingMigrations(url)).length > 0) await migrateDeploy(url, { quiet: true });
}

import { ensureDatabase, migrateDeploy } from "../../scripts/lib/database";

// Integration tests run against a real database; make sure it exists and is migrated once per run.
// (`npm test` recreates it empty first; running vitest alone reuses it.)
export default async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tuneforge_test";
  await ensureDatabase(url);
  migrateDeploy(url, { quiet: true });
}

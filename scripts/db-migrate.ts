import { env } from "../lib/env";
import { prepareDatabase } from "./lib/database";
import { logger } from "./lib/log";
import { ensurePostgres } from "./lib/services";

// `npm run db:migrate`: creates the database of DATABASE_URL when missing and applies pending migrations.
// (`npm start` does the same on every start; this is for applying a migration you just wrote.)

const log = logger("db", "blue");

async function main(): Promise<void> {
  const url = env().DATABASE_URL;
  await ensurePostgres({ databaseUrl: url, log });
  await prepareDatabase({ url, log });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);

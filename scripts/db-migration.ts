import path from "node:path";
import { parseArgs } from "node:util";
import { env } from "../lib/env";
import { ROOT } from "./lib/app";
import { logger } from "./lib/log";
import { SNAPSHOT_FILE, writeMigration } from "./lib/migration";
import { ensurePostgres } from "./lib/services";

// `npm run db:migration -- <name>`: writes prisma/migrations/<UTC timestamp>_<name>/migration.sql from the
// difference between the schema as of the last migration and prisma/schema.prisma (see lib/migration.ts).
// Review the SQL, then `npm run db:migrate` applies it. The path flags let tests work on temporary copies:
//   --schema <file>  --migrations <dir>  --snapshot <file>

const log = logger("db", "blue");

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { schema: { type: "string" }, migrations: { type: "string" }, snapshot: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) {
    log.error("usage: npm run db:migration -- <name>   (for example: npm run db:migration -- add_job_tags)");
    return 2;
  }
  const migrationsDir = path.resolve(values.migrations ?? path.join(ROOT, "prisma/migrations"));
  // The engine connects to check the server version even for a schema-to-schema diff; the maintenance
  // database always exists, so the app's database need not have been created yet.
  const admin = new URL(env().DATABASE_URL);
  admin.pathname = "/postgres";
  await ensurePostgres({ databaseUrl: admin.toString(), log });

  const result = writeMigration({
    name: positionals[0] ?? "",
    root: ROOT,
    schema: path.resolve(values.schema ?? path.join(ROOT, "prisma/schema.prisma")),
    migrationsDir,
    snapshot: path.resolve(values.snapshot ?? path.join(migrationsDir, SNAPSHOT_FILE)),
    databaseUrl: admin.toString(),
  });
  if (!result.written) {
    log.info("no changes: the schema matches the last migration; nothing written");
    return 0;
  }
  log.info(`wrote ${path.relative(process.cwd(), path.join(result.dir, "migration.sql"))}:`);
  console.log(result.sql.trim());
  log.info("review it, then apply it with: npm run db:migrate");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);

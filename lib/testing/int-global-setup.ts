import { prepareDatabase } from "../../scripts/lib/database";

// Integration tests run against a real database; make sure it exists and is migrated once per run (`npm test`
// recreates and migrates it first; running vitest alone reuses it). prepareDatabase starts the Prisma CLI only when a
// migration is pending, and the int and emu projects each run this set-up.
const quiet = { info: () => undefined, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

export default async function setup(): Promise<void> {
  await prepareDatabase({ url: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tuneforge_test", log: quiet });
}

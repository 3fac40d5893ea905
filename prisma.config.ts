import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";
import { createPgPool } from "./lib/db/pg-pool";

// Offline recipe (shared/notes/offline-toolchain.md): the JS/WASM schema engine over the pg adapter,
// so the CLI never downloads a native engine binary.
const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/tuneforge";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
    return new PrismaPg(createPgPool(url, { max: 2, allowExitOnIdle: true }));
  },
});

import fs from "node:fs";
import { access, readdir } from "node:fs/promises";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { scanModels } from "../models/scan";
import { withTimeout } from "./timeout";

// Checks of the machine around tuneforge, for `tuneforge doctor`: Node, applied migrations, the models directory
// (Chromium's check is in chromium.ts).

export const MIN_NODE_VERSION = "20.9.0";

/** True when `version` (e.g. "20.20.2" or "v22.1.0") is at least `min`. */
export function satisfiesMinVersion(version: string, min: string): boolean {
  const parse = (v: string) => v.replace(/^v/, "").split(/[.-]/).slice(0, 3).map((n) => Number.parseInt(n, 10) || 0);
  const a = parse(version);
  const b = parse(min);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

export type MigrationStatus = { applied: string[]; pending: string[]; failed: string[]; unknown: string[] };

/** Migration folders in the checkout (each holds a migration.sql), oldest first. */
export async function migrationDirs(root: string): Promise<string[]> {
  const dir = path.join(root, "prisma", "migrations");
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, "migration.sql")))
    .map((e) => e.name)
    .sort();
}

/**
 * Compares Prisma's ledger (_prisma_migrations) with the folders in prisma/migrations: pending ones still
 * need `migrate deploy`, failed ones need attention, unknown ones were applied by a newer checkout.
 */
export async function migrationStatus(db: PrismaClient, root: string, timeoutMs: number): Promise<MigrationStatus> {
  const dirs = await migrationDirs(root);
  const rows = await withTimeout(
    (async () => {
      const [table] = await db.$queryRaw<{ exists: boolean }[]>`select to_regclass('public._prisma_migrations') is not null as "exists"`;
      if (!table?.exists) return [];
      return db.$queryRaw<{ name: string; finished: boolean; rolledBack: boolean }[]>`
        select migration_name as "name", finished_at is not null as "finished", rolled_back_at is not null as "rolledBack"
        from _prisma_migrations`;
    })(),
    timeoutMs,
    "database",
  );
  const applied = new Set(rows.filter((r) => r.finished && !r.rolledBack).map((r) => r.name));
  const failed = [...new Set(rows.filter((r) => !r.finished && !r.rolledBack).map((r) => r.name))].sort();
  return {
    applied: dirs.filter((d) => applied.has(d)),
    pending: dirs.filter((d) => !applied.has(d)),
    failed,
    unknown: [...applied].filter((n) => !dirs.includes(n)).sort(),
  };
}

export type ModelsDirStatus = { path: string; exists: boolean; readable: boolean; models: number; error?: string };

/** The models directory: present, readable, and how many sub-folders look like HF models (config.json). */
export async function modelsDirStatus(dir: string): Promise<ModelsDirStatus> {
  if (!fs.existsSync(dir)) return { path: dir, exists: false, readable: false, models: 0 };
  try {
    await access(dir, fs.constants.R_OK | fs.constants.X_OK);
  } catch (err) {
    return { path: dir, exists: true, readable: false, models: 0, error: (err as Error).message };
  }
  try {
    const scan = await scanModels({ dir });
    return { path: dir, exists: true, readable: true, models: scan.models.length };
  } catch (err) {
    return { path: dir, exists: true, readable: false, models: 0, error: (err as Error).message };
  }
}

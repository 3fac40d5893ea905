import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NATIVE_ADDON_ENV, NATIVE_NOT_BUILT_MESSAGE } from "../../native/index";
import { nativeAddonDisplayPath, nativeStatus, NATIVE_ADDON_RELATIVE_PATH } from "./native";
import { migrationDirs, modelsDirStatus, satisfiesMinVersion } from "./system";
import { errorMessage } from "./timeout";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tf-health-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("satisfiesMinVersion", () => {
  it("compares major, minor and patch numerically", () => {
    expect(satisfiesMinVersion("v20.9.0", "20.9.0")).toBe(true);
    expect(satisfiesMinVersion("v20.20.2", "20.9.0")).toBe(true);
    expect(satisfiesMinVersion("v22.0.0", "20.9.0")).toBe(true);
    expect(satisfiesMinVersion("v20.8.1", "20.9.0")).toBe(false);
    expect(satisfiesMinVersion("v18.19.0", "20.9.0")).toBe(false);
    expect(satisfiesMinVersion("20.9.0-rc.1", "20.9.0")).toBe(true);
  });
});

describe("nativeStatus", () => {
  it("reports not built when the build output is missing", () => {
    expect(nativeStatus(tmp)).toEqual({ ok: false, built: false, backendsBuilt: [], cudaDevices: [], cudaReason: null, cudaGemms: null, message: NATIVE_NOT_BUILT_MESSAGE });
  });

  it(`with ${NATIVE_ADDON_ENV} naming a missing file, says so; doctor names that file`, () => {
    const before = process.env[NATIVE_ADDON_ENV];
    process.env[NATIVE_ADDON_ENV] = path.join(tmp, "nope.node");
    try {
      expect(nativeStatus(tmp)).toMatchObject({ ok: false, built: false, message: `${NATIVE_ADDON_ENV} names ${path.join(tmp, "nope.node")}, which does not exist` });
      expect(nativeAddonDisplayPath(tmp)).toBe(path.join(tmp, "nope.node"));
    } finally {
      if (before === undefined) delete process.env[NATIVE_ADDON_ENV];
      else process.env[NATIVE_ADDON_ENV] = before;
    }
    expect(nativeAddonDisplayPath(tmp)).toBe(NATIVE_ADDON_RELATIVE_PATH);
  });

  it("reports a build output that does not load", () => {
    const root = path.join(tmp, "broken");
    const file = path.join(root, NATIVE_ADDON_RELATIVE_PATH);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "not an ELF file");
    const s = nativeStatus(root);
    expect(s.built).toBe(true);
    expect(s.ok).toBe(false);
    expect(s.message).toMatch(/failed to load/);
  });
});

describe("migrationDirs", () => {
  it("lists folders holding a migration.sql, oldest first", async () => {
    const root = path.join(tmp, "repo");
    for (const name of ["20260102000000_b", "20260101000000_a"]) {
      fs.mkdirSync(path.join(root, "prisma", "migrations", name), { recursive: true });
      fs.writeFileSync(path.join(root, "prisma", "migrations", name, "migration.sql"), "select 1;");
    }
    fs.mkdirSync(path.join(root, "prisma", "migrations", "empty"));
    fs.writeFileSync(path.join(root, "prisma", "migrations", "migration_lock.toml"), "");
    expect(await migrationDirs(root)).toEqual(["20260101000000_a", "20260102000000_b"]);
  });

  it("matches the checkout's own migrations", async () => {
    const dirs = await migrationDirs(process.cwd());
    expect(dirs.length).toBeGreaterThan(0);
    expect(dirs[0]).toMatch(/^\d{14}_/);
  });
});

describe("modelsDirStatus", () => {
  it("says when the directory is missing", async () => {
    expect(await modelsDirStatus(path.join(tmp, "nope"))).toEqual({ path: path.join(tmp, "nope"), exists: false, readable: false, models: 0 });
  });

  it("counts sub-folders that hold a config.json", async () => {
    const dir = path.join(tmp, "models");
    fs.mkdirSync(path.join(dir, "tiny-llama"), { recursive: true });
    fs.writeFileSync(path.join(dir, "tiny-llama", "config.json"), JSON.stringify({ model_type: "llama" }));
    fs.mkdirSync(path.join(dir, "not-a-model"), { recursive: true });
    expect(await modelsDirStatus(dir)).toEqual({ path: dir, exists: true, readable: true, models: 1 });
  });
});

describe("errorMessage", () => {
  it("keeps the driver's message out of Prisma's multi-line wrapper", () => {
    const err = new Error("\nInvalid `prisma.$queryRaw()` invocation:\n\n\nRaw query failed. Code: `3D000`. Message: `database \"x\" does not exist`");
    expect(errorMessage(err)).toBe('database "x" does not exist');
    expect(errorMessage(new Error("\nInvalid `prisma.$queryRaw()` invocation:\n\nCan't reach database server at 127.0.0.1:5499"))).toBe(
      "Can't reach database server at 127.0.0.1:5499",
    );
    const framed = "\nInvalid `prisma.fineTuneJob.findMany()` invocation in\n/x/reconcile.ts:28:25\n\n  27 const [jobs] = await\n→ 28   db.fineTuneJob.findMany(\nCan't reach database server at 127.0.0.1:5499";
    expect(errorMessage(new Error(framed))).toBe("Can't reach database server at 127.0.0.1:5499");
    expect(errorMessage(new AggregateError([new Error("connect ECONNREFUSED ::1:6379")]))).toBe("connect ECONNREFUSED ::1:6379");
  });
});

import os from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";

// Test tiers by file name: *.test.ts = pure logic; *.int.test.ts = real Postgres + Redis
// (own database tuneforge_test and Redis db 1; files run one at a time). e2e lives in e2e/ (Playwright).
// *.emu.test.ts = the cuda paths of the TypeScript side (binding, GPU worker, CLI) on the addon linked against the
// CUDA emulator (native/cuda/emu/addon.cmake); `npm run test:native` runs them after building it, with
// TUNEFORGE_NATIVE_ADDON pointing at it, so the unit and int projects exclude them.
const testEnv = {
  NODE_ENV: "test" as const,
  DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tuneforge_test",
  REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/1",
  TUNEFORGE_DATA_DIR: process.env.TEST_DATA_DIR ?? path.resolve("data/test"),
  // = VITEST_QUEUE_PREFIX in scripts/lib/test-env.ts (a literal: the config loader takes no extensionless TS import);
  // the e2e stack uses another prefix on the same Redis database, and scripts/lib/test-redis.int.test.ts checks both.
  TUNEFORGE_QUEUE_PREFIX: "tuneforge-test",
  TUNEFORGE_SECRET: "test-secret-0123456789abcdef0123456789abcdef",
  // Unit and int tests use the in-tree addon path whatever the shell exports: native/index.test.ts writes a broken
  // file where the addon is looked for, which with an operator's TUNEFORGE_NATIVE_ADDON was that addon. (Empty
  // means unset to the loader; the emu project sets its own.)
  TUNEFORGE_NATIVE_ADDON: "",
};

// *.emu.test.ts files that use Postgres, Redis or the queues (the GPU worker's): run apart from the rest (below).
const EMU_WITH_SERVICES = ["workers/gpu-jobs-cuda.emu.test.ts"];
const emuProject = {
  env: { ...testEnv, TUNEFORGE_NATIVE_ADDON: process.env.TUNEFORGE_NATIVE_ADDON ?? path.resolve("native/build/cmake/tuneforge_native_emu.node") },
  globalSetup: ["lib/testing/int-global-setup.ts"],
  // Emulated kernels run thousands of times slower than a GPU's, and `npm test` runs these beside the e2e tier at
  // low priority (scripts/test.ts): a test that took 29 s alone took 100 s there.
  testTimeout: 300_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  resolve: { alias: { "@": path.resolve(".") } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{lib,workers,cli,native,scripts,components,app,test}/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/*.emu.test.ts", "node_modules/**"],
          env: testEnv,
          // A worker's files share its process and loaded modules; each starts with the project's environment.
          isolate: false,
          setupFiles: ["lib/testing/unit-file-setup.ts"],
          // One file per core: vitest's default leaves a core free, which on a 2-core machine is one at a time
          // (85 s against 48 s here). Unit tests share no database, port or fixed path.
          maxWorkers: os.availableParallelism(),
        },
      },
      {
        extends: true,
        test: {
          name: "int",
          include: ["{lib,workers,cli,native,scripts,app,test}/**/*.int.test.ts"],
          env: testEnv,
          fileParallelism: false,
          // One process for all files (no per-file module reload); lib/testing/int-file-setup.ts gives each file a
          // clean environment.
          isolate: false,
          setupFiles: ["lib/testing/int-file-setup.ts"],
          globalSetup: ["lib/testing/int-global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          ...emuProject,
          name: "emu",
          include: ["{lib,workers,cli,native}/**/*.emu.test.ts"],
          exclude: [...EMU_WITH_SERVICES, "node_modules/**"],
          // The emulator runs each kernel on one core, so these files (each in its own temporary folder, with no
          // Postgres or Redis) run one per core. Vitest's own default leaves a core free: one at a time on 2 cores.
          maxWorkers: os.availableParallelism(),
        },
      },
      {
        extends: true,
        test: {
          ...emuProject,
          name: "emu-services",
          include: EMU_WITH_SERVICES,
          // Real Postgres, Redis and GPU worker processes, like the int project: one file at a time, and after the
          // files above (a later group), so its workers' timing never shares the CPU with another emulated run.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

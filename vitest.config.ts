import path from "node:path";
import { defineConfig } from "vitest/config";

// Test tiers by file name: *.test.ts = pure logic; *.int.test.ts = real Postgres + Redis
// (own database tuneforge_test and Redis db 1; files run one at a time). e2e lives in e2e/ (Playwright).
const testEnv = {
  NODE_ENV: "test" as const,
  DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tuneforge_test",
  REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/1",
  TUNEFORGE_DATA_DIR: process.env.TEST_DATA_DIR ?? path.resolve("data/test"),
  TUNEFORGE_QUEUE_PREFIX: "tuneforge-test",
  TUNEFORGE_SECRET: "test-secret-0123456789abcdef0123456789abcdef",
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
          exclude: ["**/*.int.test.ts", "node_modules/**"],
          env: testEnv,
        },
      },
      {
        extends: true,
        test: {
          name: "int",
          include: ["{lib,workers,cli,native,scripts,app,test}/**/*.int.test.ts"],
          env: testEnv,
          fileParallelism: false,
          globalSetup: ["lib/testing/int-global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});

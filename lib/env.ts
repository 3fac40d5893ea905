import path from "node:path";
import { z } from "zod";

// The one place that reads process.env. Every process (web, workers, CLI, scripts) gets a validated,
// typed view; numbers and booleans are coerced here so nobody else parses strings.

const booleanish = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/tuneforge"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /// Data directory: frozen dataset versions, adapters, the generated secret key.
  TUNEFORGE_DATA_DIR: z.string().min(1).default("./data"),
  /// Directory scanned for Hugging Face model folders; every model path is confined to it.
  TUNEFORGE_MODELS_DIR: z.string().min(1).default("./models"),
  /// 32+ chars; when absent a key is generated into <data dir>/secret.key (mode 0600).
  TUNEFORGE_SECRET: z.string().min(32, "TUNEFORGE_SECRET must be at least 32 characters").optional(),
  /// Required when HOST is not loopback.
  TUNEFORGE_PASSWORD: z.string().min(8, "TUNEFORGE_PASSWORD must be at least 8 characters").optional(),
  /// Prefix of every BullMQ key, so several installations (or tests) can share one Redis.
  TUNEFORGE_QUEUE_PREFIX: z.string().min(1).default("tuneforge"),
  /// Base URL the CLI talks to.
  TUNEFORGE_URL: z.string().url().default("http://127.0.0.1:3000"),
  TUNEFORGE_API_TOKEN: z.string().optional(),
  /// Skip creating the sample dataset on first start.
  TUNEFORGE_NO_SAMPLE: booleanish.default(false),
  /// Hosted jobs: poll interval (ms) while a remote job is running; tests set it low.
  TUNEFORGE_OPENAI_POLL_MS: z.coerce.number().int().min(10).max(600_000).default(750),
  /// Hosted jobs: the slower pace (ms) while files process or the job is validating/queued.
  TUNEFORGE_OPENAI_SLOW_POLL_MS: z.coerce.number().int().min(10).max(600_000).default(3000),
  /// Hosted jobs: longest wait (ms) between retries of a rate-limited or failing provider call.
  TUNEFORGE_OPENAI_BACKOFF_MAX_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
  /// Workers re-enqueue unfinished jobs from Postgres this often (ms), so a flushed Redis loses no work.
  TUNEFORGE_RECONCILE_MS: z.coerce.number().int().min(50).max(3_600_000).default(30_000),
  /// BullMQ lock of an active job (ms): a killed worker's job is taken over at most about this long later.
  TUNEFORGE_WORKER_LOCK_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /// How often (ms) workers look for jobs whose lock expired (their worker died).
  TUNEFORGE_WORKER_STALLED_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /// GPU worker: the device index this process trains on (becomes CUDA_VISIBLE_DEVICES); unset = device 0 / CPU.
  TUNEFORGE_GPU_DEVICE: z.coerce.number().int().min(0).max(1023).optional(),
  /// GPU worker: compute backend for local jobs that ask for "auto" (cpu on a machine without CUDA).
  TUNEFORGE_LOCAL_BACKEND: z.enum(["auto", "cpu", "cuda"]).default("auto"),
  /// GPU worker: CPU threads of the CPU backend (0 = all cores).
  TUNEFORGE_LOCAL_THREADS: z.coerce.number().int().min(0).max(1024).default(0),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  /// API keys for evaluations' endpoint:<base url>#<model> specs: "<base url>=<key>" pairs separated by commas
  /// or newlines. A key is sent only to the base URL it is listed with (lib/eval/models/endpoint-keys.ts).
  TUNEFORGE_ENDPOINT_KEYS: z.string().optional(),
  OPENAI_ORG_ID: z.string().optional(),
  OPENAI_PROJECT_ID: z.string().optional(),
});

export type Env = z.infer<typeof envSchema>;

/** Parses an environment; throws one readable error listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Treat empty strings as unset so `FOO= npm start` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  return result.data;
}

let cached: Env | undefined;

/** The validated environment of this process. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Forgets the parsed environment, so the next env() reads process.env again (test files share one process). */
export function forgetEnv(): void {
  cached = undefined;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Auth is required whenever the server listens beyond loopback. */
export function authRequired(e: Env = env()): boolean {
  return !isLoopbackHost(e.HOST);
}

export function dataDir(e: Env = env()): string {
  return path.resolve(e.TUNEFORGE_DATA_DIR);
}

export function modelsDir(e: Env = env()): string {
  return path.resolve(e.TUNEFORGE_MODELS_DIR);
}

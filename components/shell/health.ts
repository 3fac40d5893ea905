// The GET /api/health body, as agreed with the health endpoint. Kept here (not imported from lib/health)
// because client bundles must not pull in server modules.

export type ServiceCheck = { ok: boolean; latencyMs: number; error?: string };

export type HealthReport = {
  ok: boolean;
  checkedAt: string;
  database: ServiceCheck;
  redis: ServiceCheck;
  workers: {
    ok: boolean;
    online: number;
    workers: { id: string; hostname: string; pid: number; queues: string[]; startedAt: string; lastSeenAt: string }[];
  };
  native: { ok: boolean; built: boolean; backendsBuilt: string[]; cudaDevices: { index: number; name: string; totalBytes: number; sm: number }[]; cudaReason: string | null; cudaGemms: string | null; message: string };
  queues: { name: string; waiting: number; active: number; failed: number; consumers: number }[];
};

export type HealthTone = "ok" | "warn" | "danger";

/** Nothing works without the database; Redis or workers missing means jobs will not run. */
export function healthTone(h: HealthReport): HealthTone {
  if (!h.database.ok) return "danger";
  if (!h.redis.ok || h.workers.online === 0) return "warn";
  return "ok";
}

export function isHealthReport(body: unknown): body is HealthReport {
  const b = body as Partial<HealthReport> | null;
  return !!b && typeof b === "object" && !!b.database && !!b.redis && !!b.workers;
}

/** Fetches the health report. A 503 still carries a report (database down), so the body decides. */
export async function fetchHealth(signal?: AbortSignal): Promise<HealthReport> {
  let res: Response;
  try {
    res = await fetch("/api/health", { cache: "no-store", signal });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new Error("The tuneforge server is not reachable.");
  }
  const body: unknown = await res.json().catch(() => null);
  if (isHealthReport(body)) return body;
  const message = (body as { error?: { message?: string } } | null)?.error?.message;
  throw new Error(message ?? `Health check failed (HTTP ${res.status}).`);
}

// The GET /api/health body, as agreed with the health endpoint. Kept here (not imported from lib/health/index.ts)
// because client bundles must not pull in server modules; lib/health/gpu-words.ts has none.
import { describeCudaDevice, describeGemms, gemmsHint } from "@/lib/health/gpu-words";

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

/** One row of the status popover: a label, what it says, and an optional muted (or warning) line under it. */
export type StatusLine = { label: string; text: string; detail?: string; tone?: "bad" | "warn" };

/**
 * The popover's rows about the native trainer, one fact each: the build and its backends, the GPUs it found (or why
 * none, so training runs on the CPU), and where their matrix products run, with doctor's warning when that is slower
 * than it could be. (The server's one-line `message` says the same for doctor and logs.)
 */
export function nativeLines(n: HealthReport["native"]): StatusLine[] {
  if (!n.built) return [{ label: "Native addon", text: "Not built", detail: n.message, tone: "bad" }];
  if (!n.ok) return [{ label: "Native addon", text: "Built, but not usable", detail: n.message, tone: "bad" }];
  const lines: StatusLine[] = [{ label: "Native addon", text: `Built with ${n.backendsBuilt.join(", ")}` }];
  if (!n.backendsBuilt.includes("cuda")) {
    lines.push({ label: "GPU", text: "Not in this build", detail: "Built without nvcc, so training runs on the CPU; rebuild with the CUDA toolkit installed (npm run native:build) to train on a GPU." });
    return lines;
  }
  if (n.cudaDevices.length === 0) {
    const why = n.cudaReason ?? "no CUDA device";
    lines.push({ label: "GPU", text: "None found", detail: `${why.charAt(0).toUpperCase()}${why.slice(1)}; training runs on the CPU.` });
    return lines;
  }
  lines.push({ label: n.cudaDevices.length === 1 ? "GPU" : "GPUs", text: n.cudaDevices.map(describeCudaDevice).join(", ") });
  if (n.cudaGemms) {
    const hint = gemmsHint(n);
    // "unusable": TF_CUDA_GEMM asks for what cannot run, so every GPU job would fail; otherwise only slower.
    const tone = n.cudaGemms.startsWith("unusable (") ? ("bad" as const) : ("warn" as const);
    lines.push({ label: "GEMMs", text: describeGemms(n.cudaGemms), ...(hint ? { detail: hint, tone } : {}) });
  }
  return lines;
}

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

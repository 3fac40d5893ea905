// Browser-side helper for the JSON API. Every error body is `{ error: { code, message, details? } }`;
// the message is what the UI shows.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function errorMessage(body: unknown, res: Response): { code: string; message: string } {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (err && typeof err.message === "string") return { code: typeof err.code === "string" ? err.code : "error", message: err.message };
  return { code: "http_error", message: `Request failed: ${res.status} ${res.statusText}`.trim() };
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export async function apiFetch<T>(url: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? "GET",
      // JSON bodies only: a cross-site form cannot send this content type without a CORS preflight.
      headers: init.body !== undefined ? { "content-type": "application/json" } : undefined,
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      cache: "no-store",
      credentials: "same-origin",
      signal: init.signal,
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, "network_error", "Cannot reach the tuneforge server. Is it running?");
  }
  const body = await readJson(res);
  if (!res.ok) {
    const { code, message } = errorMessage(body, res);
    throw new ApiError(res.status, code, message);
  }
  return body as T;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

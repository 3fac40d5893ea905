import { APIError } from "openai";
import type { HostedTiming } from "./context";

// How long to wait before retrying a transient failure: the provider's retry-after when it sends one
// (OpenAI does on 429), otherwise exponential from the poll interval, capped.

export function retryAfterMs(err: unknown): number | null {
  if (!(err instanceof APIError) || !err.headers) return null;
  const ms = Number(err.headers.get("retry-after-ms"));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = err.headers.get("retry-after");
  if (!raw) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(raw); // an HTTP date
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** `failures` counts from 1 (the first failure waits the base interval). */
export function retryDelayMs(err: unknown, failures: number, timing: HostedTiming): number {
  const exponential = Math.min(timing.backoffMaxMs, Math.max(timing.pollMs, 250) * 2 ** Math.max(0, failures - 1));
  const asked = retryAfterMs(err);
  return asked === null ? exponential : Math.min(Math.max(asked, timing.pollMs), Math.max(timing.backoffMaxMs, asked));
}

export function retryMessage(reason: string, delayMs: number, failures: number): string {
  const wait = delayMs < 1000 ? `${Math.round(delayMs)} ms` : `${Math.round(delayMs / 100) / 10} s`;
  return `${reason} Retrying in ${wait} (attempt ${failures + 1}).`;
}

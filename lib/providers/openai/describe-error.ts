import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from "openai";

// Turns SDK errors into one plain sentence for the dashboard. Messages from the server are kept (they
// carry OpenAI's reason, e.g. `training_not_available`); OpenAI already masks keys in its 401 text.

export function describeOpenAIError(err: unknown, baseUrl: string): string {
  if (err instanceof APIConnectionTimeoutError) return `Timed out waiting for ${baseUrl}.`;
  if (err instanceof APIConnectionError) {
    const code = causeCode(err);
    return `Cannot reach ${baseUrl}${code ? ` (${code})` : ""}. Check the base URL and that the server is running.`;
  }
  if (err instanceof APIError) {
    const detail = serverMessage(err);
    const code = err.code ? ` [${err.code}]` : "";
    if (err instanceof AuthenticationError) return `Invalid API key (401)${code}: ${detail}`;
    if (err instanceof PermissionDeniedError) return `Access denied (403)${code}: ${detail}`;
    if (err instanceof NotFoundError) {
      return `Not found (404) at ${baseUrl}: ${detail} Is the base URL right? It usually ends with /v1.`;
    }
    if (err instanceof RateLimitError) return `Rate limited or out of quota (429)${code}: ${detail}`;
    if (typeof err.status === "number" && err.status >= 500) return `${baseUrl} failed (${err.status}): ${detail}`;
    return `Request failed (${err.status ?? "no status"})${code}: ${detail}`;
  }
  return `Unexpected error: ${err instanceof Error ? err.message : String(err)}`;
}

function serverMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  if (body && typeof body.message === "string" && body.message) return body.message;
  return err.message.replace(/^\d{3}\s*/, "") || "no details";
}

// fetch wraps the socket error (ECONNREFUSED, ENOTFOUND, …) a few levels deep.
function causeCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

import { APIConnectionError, APIError } from "openai";
import type { ErrorClassification } from "../../types";
import { OPENAI_DEFAULT_BASE_URL } from "../client";
import { describeOpenAIError } from "../describe-error";
import { WIND_DOWN_EXPLANATION } from "../wind-down";

export { WIND_DOWN_EXPLANATION };

// Decides what the worker does with an SDK error that survived the SDK's own retries: fail the job with
// OpenAI's own words (permanent), or try again later with backoff (transient).

const PERMANENT = new Set([400, 401, 403, 404, 422]);

export function classifyOpenAIError(err: unknown, baseUrl = OPENAI_DEFAULT_BASE_URL): ErrorClassification {
  if (err instanceof APIConnectionError) return { retry: true, code: null, message: describeOpenAIError(err, baseUrl) };
  if (err instanceof APIError) {
    const code = typeof err.code === "string" ? err.code : null;
    const status = err.status;
    if (typeof status === "number" && PERMANENT.has(status)) {
      const verbatim = providerMessage(err);
      const message = code === "training_not_available" ? `${verbatim}\n\n${WIND_DOWN_EXPLANATION}` : verbatim;
      return { retry: false, code, message };
    }
    const retry = status === 408 || status === 409 || status === 429 || (typeof status === "number" && status >= 500);
    return { retry, code, message: describeOpenAIError(err, baseUrl) };
  }
  return { retry: false, code: null, message: err instanceof Error ? err.message : String(err) };
}

function providerMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  if (body && typeof body.message === "string" && body.message) return body.message;
  return err.message.replace(/^\d{3}\s*/, "");
}

import OpenAI from "openai";
import { resolveOpenAIConfig, type ResolvedOpenAIConfig, type SettingsOptions } from "../../settings/credentials";
import { HttpError } from "../../http/errors";

// Builds the official SDK client from our resolved configuration. Every option is passed explicitly
// (null included) because the SDK otherwise falls back to process.env on its own — settings saved in
// the dashboard must win, and lib/env is the only reader of the environment.

export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

export type OpenAIClientOptions = {
  /** Per-request timeout; the SDK's own default is 10 minutes, far too long for a dashboard. */
  timeoutMs?: number;
  /** SDK retries on 408/409/429/5xx and connection errors (default 2). */
  maxRetries?: number;
};

export function effectiveBaseUrl(config: Pick<ResolvedOpenAIConfig, "baseUrl">): string {
  return config.baseUrl ?? OPENAI_DEFAULT_BASE_URL;
}

export function createOpenAIClient(config: ResolvedOpenAIConfig, opts: OpenAIClientOptions = {}): OpenAI {
  return new OpenAI({
    apiKey: config.apiKey,
    baseURL: effectiveBaseUrl(config),
    organization: config.organization ?? null,
    project: config.project ?? null,
    timeout: opts.timeoutMs ?? 120_000,
    maxRetries: opts.maxRetries ?? 2,
  });
}

/** The configured client, or a 400 telling the user to add a key in Settings. */
export async function openAIClient(opts: SettingsOptions & OpenAIClientOptions = {}): Promise<OpenAI> {
  const config = await resolveOpenAIConfig(opts);
  if (!config) throw notConfigured();
  return createOpenAIClient(config, opts);
}

export const notConfigured = () =>
  new HttpError(400, "openai_not_configured", "No OpenAI API key is configured. Add one in Settings or set OPENAI_API_KEY.");

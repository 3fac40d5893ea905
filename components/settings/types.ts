// Bodies of the /api/settings endpoints, as agreed with the settings API.

export type OpenAICredentialView = {
  configured: boolean;
  source: "database" | "env" | null;
  apiKeyMasked: string | null;
  baseUrl: string | null;
  organization: string | null;
  project: string | null;
  lastTestedAt: string | null;
  lastTestOk: boolean | null;
  lastTestMessage: string | null;
};

export type CredentialsResponse = { openai: OpenAICredentialView };

export type OpenAICredentialUpdate = {
  apiKey?: string;
  baseUrl?: string | null;
  organization?: string | null;
  project?: string | null;
};

export type ConnectionTestResult = { ok: boolean; message: string; latencyMs: number; modelCount?: number };

export type ApiTokenSummary = { id: string; name: string; prefix: string; createdAt: string; lastUsedAt: string | null };

export type TokensResponse = { tokens: ApiTokenSummary[] };

export type CreatedToken = { id: string; name: string; prefix: string; token: string };

export const CREDENTIALS_KEY = ["settings", "credentials"] as const;
export const TOKENS_KEY = ["settings", "tokens"] as const;

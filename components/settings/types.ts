// Bodies of the /api/settings endpoints, as agreed with the settings API.

// The credential shapes are owned by lib/settings (type-only imports: nothing server-side reaches the bundle).
import type { CredentialView, OpenAICredentialInput, OpenAICredentialView } from "@/lib/settings/credentials";

export type { OpenAICredentialView };
export type CredentialsResponse = CredentialView;
export type OpenAICredentialUpdate = OpenAICredentialInput;

export type ConnectionTestResult = { ok: boolean; message: string; latencyMs: number; modelCount?: number };

export type ApiTokenSummary = { id: string; name: string; prefix: string; createdAt: string; lastUsedAt: string | null };

export type TokensResponse = { tokens: ApiTokenSummary[] };

export type CreatedToken = { id: string; name: string; prefix: string; token: string };

export const CREDENTIALS_KEY = ["settings", "credentials"] as const;
export const TOKENS_KEY = ["settings", "tokens"] as const;

import type { PrismaClient, ProviderCredential } from "@prisma/client";
import { prisma } from "../db/client";
import { decryptSecret, encryptSecret } from "../crypto/secret-box";
import { env as defaultEnv, type Env } from "../env";
import { HttpError } from "../http/errors";
import { lastFour, maskApiKey } from "./mask";
import { readEnvTestStatus, type TestStatus } from "./test-status";

// Provider credentials: the API key is encrypted at rest, only its last four characters are stored in
// clear, and nothing here returns the key except resolveOpenAIConfig(), which providers call server-side.
// Environment variables (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID) are defaults:
// the key is used when nothing is stored, and each optional field falls back to its variable when unset.

export type SettingsOptions = { db?: PrismaClient; env?: Env };

/** AAD for the key's ciphertext: a box copied from another row or column will not open here. */
export const OPENAI_KEY_CONTEXT = "provider_credentials:openai:api_key";

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

export type CredentialView = { openai: OpenAICredentialView };

export type OpenAICredentialInput = {
  /** Absent or empty: keep the stored key (so the form can change only the base URL). */
  apiKey?: string;
  /** undefined: keep; null or "": clear (falls back to the environment default). */
  baseUrl?: string | null;
  organization?: string | null;
  project?: string | null;
};

/** Server-only: the decrypted configuration a provider client is built from. */
export type ResolvedOpenAIConfig = {
  source: "database" | "env";
  apiKey: string;
  baseUrl: string | null;
  organization: string | null;
  project: string | null;
  /** For a stored credential, its updatedAt: results are recorded only if the row is unchanged since. */
  revision: Date | null;
};

export async function getCredentialView(opts: SettingsOptions = {}): Promise<CredentialView> {
  const db = opts.db ?? prisma();
  const e = opts.env ?? defaultEnv();
  const row = await findOpenAIRow(db);
  if (row) {
    return {
      openai: {
        configured: true,
        source: "database",
        apiKeyMasked: maskApiKey(row.apiKeyLast4),
        ...withEnvDefaults(row, e),
        ...testStatusView({
          at: row.lastTestedAt,
          ok: row.lastTestOk,
          message: row.lastTestMessage,
        }),
      },
    };
  }
  if (e.OPENAI_API_KEY) {
    const fields = withEnvDefaults({ baseUrl: null, organization: null, project: null }, e);
    const status = await readEnvTestStatus(db, envFingerprint(e));
    return {
      openai: {
        configured: true,
        source: "env",
        apiKeyMasked: maskApiKey(lastFour(e.OPENAI_API_KEY)),
        ...fields,
        ...testStatusView(status),
      },
    };
  }
  return {
    openai: {
      configured: false,
      source: null,
      apiKeyMasked: null,
      baseUrl: null,
      organization: null,
      project: null,
      lastTestedAt: null,
      lastTestOk: null,
      lastTestMessage: null,
    },
  };
}

export async function saveOpenAICredential(input: OpenAICredentialInput, opts: SettingsOptions = {}): Promise<CredentialView> {
  const db = opts.db ?? prisma();
  const e = opts.env ?? defaultEnv();
  const apiKey = input.apiKey?.trim() || undefined;
  const fields = {
    ...(input.baseUrl !== undefined && { baseUrl: normalizeBaseUrl(input.baseUrl) }),
    ...(input.organization !== undefined && { organization: input.organization?.trim() || null }),
    ...(input.project !== undefined && { project: input.project?.trim() || null }),
  };
  const keyFields = apiKey
    ? { apiKeyCiphertext: encryptSecret(apiKey, { env: e, context: OPENAI_KEY_CONTEXT }), apiKeyLast4: lastFour(apiKey) }
    : undefined;
  // A new key or endpoint makes the last test result meaningless.
  const resetTest = { lastTestedAt: null, lastTestOk: null, lastTestMessage: null };

  const existing = await findOpenAIRow(db);
  if (!existing) {
    if (!keyFields) {
      throw new HttpError(
        400,
        "api_key_required",
        "Enter an API key: no OpenAI key is stored yet (a key from OPENAI_API_KEY is never copied into the database).",
      );
    }
    await db.providerCredential.create({ data: { provider: "openai", ...keyFields, ...fields } });
  } else {
    const changed = keyFields !== undefined || Object.entries(fields).some(([k, v]) => existing[k as keyof typeof fields] !== v);
    await db.providerCredential.update({
      where: { provider: "openai" },
      data: { ...keyFields, ...fields, ...(changed ? resetTest : {}) },
    });
  }
  return getCredentialView({ db, env: e });
}

/** Removes the stored credential; environment defaults (if any) apply again. */
export async function deleteOpenAICredential(opts: SettingsOptions = {}): Promise<CredentialView> {
  const db = opts.db ?? prisma();
  await db.providerCredential.deleteMany({ where: { provider: "openai" } });
  return getCredentialView(opts);
}

/** The effective OpenAI configuration (decrypted), or null when no key is configured anywhere. */
export async function resolveOpenAIConfig(opts: SettingsOptions = {}): Promise<ResolvedOpenAIConfig | null> {
  const db = opts.db ?? prisma();
  const e = opts.env ?? defaultEnv();
  const row = await findOpenAIRow(db);
  if (row) {
    const apiKey = decryptSecret(row.apiKeyCiphertext, { env: e, context: OPENAI_KEY_CONTEXT });
    return { source: "database", apiKey, ...withEnvDefaults(row, e), revision: row.updatedAt };
  }
  if (!e.OPENAI_API_KEY) return null;
  return {
    source: "env",
    apiKey: e.OPENAI_API_KEY,
    ...withEnvDefaults({ baseUrl: null, organization: null, project: null }, e),
    revision: null,
  };
}

/** Identifies the environment configuration a stored test result belongs to, without key material. */
export function envFingerprint(e: Env): string {
  return [lastFour(e.OPENAI_API_KEY ?? ""), e.OPENAI_BASE_URL ?? "", e.OPENAI_ORG_ID ?? "", e.OPENAI_PROJECT_ID ?? ""].join("|");
}

export function normalizeBaseUrl(value: string | null): string | null {
  const v = value?.trim();
  if (!v) return null;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new HttpError(400, "invalid_base_url", `Base URL is not a valid URL: ${v}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HttpError(400, "invalid_base_url", "Base URL must start with http:// or https://");
  }
  if (url.username || url.password) {
    throw new HttpError(400, "invalid_base_url", "Base URL must not contain credentials; enter the API key separately");
  }
  return v.replace(/\/+$/, "");
}

function findOpenAIRow(db: PrismaClient): Promise<ProviderCredential | null> {
  return db.providerCredential.findUnique({ where: { provider: "openai" } });
}

function withEnvDefaults(
  f: { baseUrl: string | null; organization: string | null; project: string | null },
  e: Env,
): { baseUrl: string | null; organization: string | null; project: string | null } {
  return {
    baseUrl: f.baseUrl ?? e.OPENAI_BASE_URL?.replace(/\/+$/, "") ?? null,
    organization: f.organization ?? e.OPENAI_ORG_ID ?? null,
    project: f.project ?? e.OPENAI_PROJECT_ID ?? null,
  };
}

function testStatusView(s: TestStatus | null) {
  return {
    lastTestedAt: s?.at ? s.at.toISOString() : null,
    lastTestOk: s?.ok ?? null,
    lastTestMessage: s?.message ?? null,
  };
}

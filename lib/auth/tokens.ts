import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { notFound } from "../http/errors";
import { randomToken, sha256Hex } from "./hash";

// API tokens for the CLI and scripts: "tf_<43 chars base64url>" (256 random bits). Only the sha256 is
// stored; the token is shown once at creation. The prefix is kept so the user can tell tokens apart.

export const TOKEN_PREFIX = "tf_";
const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 6;
// lastUsedAt is informational; writing it on every request would turn reads into writes.
const LAST_USED_RESOLUTION_MS = 60_000;

type Db = { db?: PrismaClient };

export type ApiTokenView = { id: string; name: string; prefix: string; createdAt: string; lastUsedAt: string | null };
export type CreatedApiToken = { id: string; name: string; prefix: string; token: string };

export function generateApiToken(): { token: string; tokenHash: string; prefix: string } {
  const token = `${TOKEN_PREFIX}${randomToken(32)}`;
  return { token, tokenHash: sha256Hex(token), prefix: token.slice(0, DISPLAY_PREFIX_LENGTH) };
}

export async function createApiToken(input: { name: string }, opts: Db = {}): Promise<CreatedApiToken> {
  const db = opts.db ?? prisma();
  const { token, tokenHash, prefix } = generateApiToken();
  const row = await db.apiToken.create({ data: { name: input.name.trim(), tokenHash, prefix } });
  return { id: row.id, name: row.name, prefix: row.prefix, token };
}

/** Active (not revoked) tokens, newest first. */
export async function listApiTokens(opts: Db = {}): Promise<{ tokens: ApiTokenView[] }> {
  const db = opts.db ?? prisma();
  const rows = await db.apiToken.findMany({ where: { revokedAt: null }, orderBy: { createdAt: "desc" } });
  return {
    tokens: rows.map((r) => ({
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      createdAt: r.createdAt.toISOString(),
      lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    })),
  };
}

/** Revokes a token (kept for the record, refused from now on). */
export async function revokeApiToken(id: string, opts: Db = {}): Promise<void> {
  const db = opts.db ?? prisma();
  const { count } = await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  if (count === 0) throw notFound("API token");
}

/** The token's id when it is valid and not revoked; records when it was last used. */
export async function verifyApiToken(token: string, opts: Db = {}): Promise<{ tokenId: string } | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const db = opts.db ?? prisma();
  const row = await db.apiToken.findUnique({ where: { tokenHash: sha256Hex(token) } });
  if (!row || row.revokedAt) return null;
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { tokenId: row.id };
}

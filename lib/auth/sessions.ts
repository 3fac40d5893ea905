import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { env as defaultEnv, type Env } from "../env";
import { SESSION_TTL_SECONDS } from "./cookies";
import { sha256Hex } from "./hash";
import { hasValidSignature, newSignedSessionValue } from "./signed-cookie";

// Browser sessions. The cookie carries 256 random bits (signed, see signed-cookie.ts); the database keeps
// only a sha256 of the value, so a leaked database dump cannot be replayed as a cookie.

type Db = { db?: PrismaClient; env?: Env };

export async function createSession(opts: Db = {}): Promise<{ sessionId: string; cookieValue: string; expiresAt: Date }> {
  const db = opts.db ?? prisma();
  const expiresAt = new Date(Date.now() + SESSION_TTL_SECONDS * 1000);
  const cookieValue = newSignedSessionValue(expiresAt, opts.env ?? defaultEnv());
  // Housekeeping at sign-in keeps the table small without a scheduled job.
  await db.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  const row = await db.session.create({ data: { tokenHash: sha256Hex(cookieValue), expiresAt } });
  return { sessionId: row.id, cookieValue, expiresAt };
}

export async function verifySession(cookieValue: string, opts: Db = {}): Promise<{ sessionId: string } | null> {
  // Forged or expired values are refused before touching the database.
  if (!cookieValue || !hasValidSignature(cookieValue, opts.env ?? defaultEnv())) return null;
  const db = opts.db ?? prisma();
  const row = await db.session.findUnique({ where: { tokenHash: sha256Hex(cookieValue) } });
  if (!row || row.expiresAt.getTime() <= Date.now()) return null;
  return { sessionId: row.id };
}

export async function deleteSession(cookieValue: string, opts: Db = {}): Promise<void> {
  if (!cookieValue) return;
  const db = opts.db ?? prisma();
  await db.session.deleteMany({ where: { tokenHash: sha256Hex(cookieValue) } });
}

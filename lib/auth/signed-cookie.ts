import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { encryptionKey } from "../crypto/key";
import { env as defaultEnv, type Env } from "../env";
import { randomToken } from "./hash";

// Session cookie values are "<random>.<expires unix s>.<hmac>". The database still decides (a session can
// be signed out), but the signature lets proxy.ts reject forged or expired cookies without a database
// round trip — a layout-level check alone does not stop a page from rendering (Next docs, "Layouts and
// auth checks"). The MAC key is derived from the same secret as the encryption key, for another purpose.

const keys = new Map<Buffer, Buffer>();

function macKey(e: Env): Buffer {
  const base = encryptionKey(e);
  let key = keys.get(base);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", base, "tuneforge/session-cookie", "hmac-sha256 v1", 32));
    keys.set(base, key);
  }
  return key;
}

function mac(payload: string, e: Env): string {
  return createHmac("sha256", macKey(e)).update(payload).digest("base64url");
}

export function newSignedSessionValue(expiresAt: Date, e: Env = defaultEnv()): string {
  const payload = `${randomToken(32)}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return `${payload}.${mac(payload, e)}`;
}

/** True when the value carries our signature and has not expired. Says nothing about sign-out. */
export function hasValidSignature(value: string, e: Env = defaultEnv(), now = Date.now()): boolean {
  const parts = value.split(".");
  if (parts.length !== 3) return false;
  const [random, exp, given] = parts as [string, string, string];
  const expected = mac(`${random}.${exp}`, e);
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return false;
  const expSeconds = Number(exp);
  return Number.isInteger(expSeconds) && expSeconds * 1000 > now;
}

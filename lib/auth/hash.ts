import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

// Bearer tokens and session cookies are high-entropy random strings, so a plain sha256 is the right
// storage form (no salt/KDF needed: there is nothing to brute-force). Passwords are compared, not stored.

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** Constant-time string equality; hashing first makes the comparison length-independent too. */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a, "utf8").digest(), createHash("sha256").update(b, "utf8").digest());
}

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { env as defaultEnv, type Env } from "../env";
import { encryptionKey } from "./key";

// Authenticated encryption for secrets at rest (provider API keys). Format:
//   "v1:<iv b64>:<tag b64>:<ciphertext b64>"
// The version prefix lets a future format (or key rotation) coexist with rows written today.

const VERSION = "v1";
const IV_BYTES = 12; // GCM's native nonce size; random per message
const TAG_BYTES = 16;

export type SecretBoxOptions = {
  env?: Env;
  /**
   * Additional authenticated data, e.g. "provider_credentials:openai". A box only opens with the same
   * context, so a ciphertext copied into another row or column is refused instead of silently used.
   */
  context?: string;
};

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

export function encryptSecret(plaintext: string, opts: SecretBoxOptions = {}): string {
  const key = encryptionKey(opts.env ?? defaultEnv());
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  if (opts.context) cipher.setAAD(Buffer.from(opts.context, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64"), tag.toString("base64"), ciphertext.toString("base64")].join(":");
}

export function decryptSecret(box: string, opts: SecretBoxOptions = {}): string {
  const { iv, tag, ciphertext } = parseBox(box);
  const key = encryptionKey(opts.env ?? defaultEnv());
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  if (opts.context) decipher.setAAD(Buffer.from(opts.context, "utf8"));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretBoxError(
      "Cannot decrypt a stored secret: authentication failed. Either the encryption key changed " +
        "(TUNEFORGE_SECRET or <data dir>/secret.key) or the stored value was tampered with. Save the secret again.",
    );
  }
}

export function isSecretBox(value: string): boolean {
  try {
    parseBox(value);
    return true;
  } catch {
    return false;
  }
}

function parseBox(box: string): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const parts = box.split(":");
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new SecretBoxError(`Stored secret is not in the expected "${VERSION}:iv:tag:ciphertext" format.`);
  }
  const [, ivB64, tagB64, ctB64] = parts as [string, string, string, string];
  const iv = Buffer.from(ivB64, "base64");
  const tag = Buffer.from(tagB64, "base64");
  const ciphertext = Buffer.from(ctB64, "base64");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretBoxError("Stored secret is malformed (bad IV or authentication tag length).");
  }
  return { iv, tag, ciphertext };
}

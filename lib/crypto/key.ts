import { hkdfSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir, env as defaultEnv, type Env } from "../env";

// Where the AES-256 key comes from. TUNEFORGE_SECRET wins (operators can keep it in a secret store);
// otherwise a random key is generated once into <data dir>/secret.key so a fresh install needs no setup.

export const KEY_BYTES = 32;
export const KEY_FILE_NAME = "secret.key";

// Derivation parameters are part of the on-disk format: changing them makes stored secrets unreadable.
const HKDF_SALT = "tuneforge/secret-box";
const HKDF_INFO = "aes-256-gcm v1";

export type KeySource = { kind: "env" } | { kind: "file"; path: string };

const cache = new Map<string, Buffer>();

/** The 32-byte encryption key for this environment (cached per source). */
export function encryptionKey(e: Env = defaultEnv()): Buffer {
  const cacheKey = e.TUNEFORGE_SECRET ? `env:${e.TUNEFORGE_SECRET}` : `file:${keyFilePath(e)}`;
  let key = cache.get(cacheKey);
  if (!key) {
    key = e.TUNEFORGE_SECRET ? deriveKey(e.TUNEFORGE_SECRET) : loadOrCreateKeyFile(keyFilePath(e));
    cache.set(cacheKey, key);
  }
  return key;
}

export function keySource(e: Env = defaultEnv()): KeySource {
  return e.TUNEFORGE_SECRET ? { kind: "env" } : { kind: "file", path: keyFilePath(e) };
}

export function keyFilePath(e: Env = defaultEnv()): string {
  return path.join(dataDir(e), KEY_FILE_NAME);
}

export function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), HKDF_SALT, HKDF_INFO, KEY_BYTES));
}

/** Reads the key file, creating it (mode 0600) when missing. Refuses a readable-by-others or malformed file. */
export function loadOrCreateKeyFile(file: string): Buffer {
  if (!fs.existsSync(file)) createKeyFile(file);
  return readKeyFile(file);
}

function createKeyFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Web and worker processes may start together: write a private temp file, then link() it into place,
  // which fails atomically if another process won the race — nobody ever reads a half-written key.
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, randomBytes(KEY_BYTES), { mode: 0o600, flag: "wx" });
  try {
    fs.chmodSync(tmp, 0o600); // in case a umask or ACL widened it
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function readKeyFile(file: string): Buffer {
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw new Error(`Secret key ${file} is not a regular file.`);
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
    throw new Error(
      `Secret key ${file} has permissions ${mode}; it must be readable by its owner only. Run: chmod 600 ${file}`,
    );
  }
  const key = fs.readFileSync(file);
  if (key.length !== KEY_BYTES) {
    throw new Error(
      `Secret key ${file} is ${key.length} bytes; expected ${KEY_BYTES}. Restore the original file ` +
        `(stored credentials cannot be decrypted without it) or set TUNEFORGE_SECRET.`,
    );
  }
  return key;
}

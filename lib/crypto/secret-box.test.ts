import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseEnv } from "../env";
import { KEY_FILE_NAME } from "./key";
import { decryptSecret, encryptSecret, isSecretBox } from "./secret-box";

const tmpDirs: string[] = [];
function tmpDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-crypto-"));
  tmpDirs.push(dir);
  return path.join(dir, "data"); // not created yet: the key file step must create it
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const secretEnv = (secret: string) => parseEnv({ TUNEFORGE_SECRET: secret, TUNEFORGE_DATA_DIR: tmpDataDir() });

describe("secret box with TUNEFORGE_SECRET", () => {
  const e = secretEnv("a".repeat(40));

  it("round-trips and uses the v1 format with a fresh IV each time", () => {
    const a = encryptSecret("sk-test-hello-ünïcode", { env: e });
    const b = encryptSecret("sk-test-hello-ünïcode", { env: e });
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(Buffer.from(a.split(":")[1]!, "base64")).toHaveLength(12);
    expect(a).not.toBe(b);
    expect(a).not.toContain("hello");
    expect(decryptSecret(a, { env: e })).toBe("sk-test-hello-ünïcode");
    expect(isSecretBox(a)).toBe(true);
    expect(isSecretBox("sk-plain")).toBe(false);
  });

  it("detects tampering with the ciphertext, tag or IV", () => {
    const box = encryptSecret("sk-test-secret-value", { env: e });
    const [v, iv, tag, ct] = box.split(":") as [string, string, string, string];
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, "base64");
      buf[0] = buf[0]! ^ 1;
      return buf.toString("base64");
    };
    for (const bad of [[v, iv, tag, flip(ct)], [v, iv, flip(tag), ct], [v, flip(iv), tag, ct]]) {
      expect(() => decryptSecret(bad.join(":"), { env: e })).toThrow(/authentication failed/);
    }
    expect(() => decryptSecret("v2:abc", { env: e })).toThrow(/expected "v1:iv:tag:ciphertext" format/);
  });

  it("fails with another key", () => {
    const box = encryptSecret("sk-test-secret-value", { env: e });
    expect(() => decryptSecret(box, { env: secretEnv("b".repeat(40)) })).toThrow(/authentication failed/);
  });

  it("binds the box to its context", () => {
    const box = encryptSecret("sk-test-x", { env: e, context: "provider_credentials:openai" });
    expect(decryptSecret(box, { env: e, context: "provider_credentials:openai" })).toBe("sk-test-x");
    expect(() => decryptSecret(box, { env: e, context: "other" })).toThrow(/authentication failed/);
  });
});

describe("secret box with a generated key file", () => {
  it("creates <data dir>/secret.key with mode 0600 on first use and reuses it", () => {
    const dir = tmpDataDir();
    const e = parseEnv({ TUNEFORGE_DATA_DIR: dir });
    const box = encryptSecret("sk-test-file-key", { env: e });
    const file = path.join(dir, KEY_FILE_NAME);
    const stat = fs.statSync(file);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(stat.size).toBe(32);
    expect(decryptSecret(box, { env: e })).toBe("sk-test-file-key");
    expect(fs.readdirSync(dir)).toEqual([KEY_FILE_NAME]); // no temp files left behind
  });

  it("refuses a key file readable by others", () => {
    const dir = tmpDataDir();
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, KEY_FILE_NAME);
    fs.writeFileSync(file, Buffer.alloc(32, 7), { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    expect(() => encryptSecret("x", { env: parseEnv({ TUNEFORGE_DATA_DIR: dir }) })).toThrow(
      /permissions 0644.*chmod 600/,
    );
  });

  it("refuses a key file of the wrong length", () => {
    const dir = tmpDataDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, KEY_FILE_NAME), Buffer.alloc(16, 7), { mode: 0o600 });
    expect(() => encryptSecret("x", { env: parseEnv({ TUNEFORGE_DATA_DIR: dir }) })).toThrow(/16 bytes; expected 32/);
  });

  it("a different key file cannot open the box", () => {
    const box = encryptSecret("sk-test-x", { env: parseEnv({ TUNEFORGE_DATA_DIR: tmpDataDir() }) });
    expect(() => decryptSecret(box, { env: parseEnv({ TUNEFORGE_DATA_DIR: tmpDataDir() }) })).toThrow(
      /authentication failed/,
    );
  });
});

import { describe, expect, it } from "vitest";
import { parseEnv } from "../env";
import { clearedSessionCookie, isHttps, readCookie, sessionCookie } from "./cookies";
import { constantTimeEqual, sha256Hex } from "./hash";
import { isPublicPath, loginPath, safeNextPath } from "./paths";
import { hasValidSignature, newSignedSessionValue } from "./signed-cookie";
import { assertAuthConfigured } from "./startup";
import { FailureThrottle } from "./throttle";
import { generateApiToken } from "./tokens";

const e = parseEnv({ TUNEFORGE_SECRET: "s".repeat(40) });

describe("API tokens", () => {
  it("are tf_ + 43 base64url chars, stored as their sha256, with a short display prefix", () => {
    const t = generateApiToken();
    expect(t.token).toMatch(/^tf_[A-Za-z0-9_-]{43}$/);
    expect(t.tokenHash).toBe(sha256Hex(t.token));
    expect(t.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(t.tokenHash).not.toContain(t.token.slice(3, 12));
    expect(t.token.startsWith(t.prefix)).toBe(true);
    expect(t.prefix).toHaveLength(9);
    expect(generateApiToken().token).not.toBe(t.token);
  });
});

describe("constantTimeEqual", () => {
  it("compares strings of any length", () => {
    expect(constantTimeEqual("correct horse", "correct horse")).toBe(true);
    expect(constantTimeEqual("correct horse", "correct hors")).toBe(false);
    expect(constantTimeEqual("", "x")).toBe(false);
  });
});

describe("signed session cookie values", () => {
  it("verify when untouched and unexpired", () => {
    const v = newSignedSessionValue(new Date(Date.now() + 60_000), e);
    expect(v.split(".")).toHaveLength(3);
    expect(hasValidSignature(v, e)).toBe(true);
  });
  it("fail when forged, altered, expired or signed with another secret", () => {
    const v = newSignedSessionValue(new Date(Date.now() + 60_000), e);
    const [r, exp, mac] = v.split(".") as [string, string, string];
    expect(hasValidSignature("anything", e)).toBe(false);
    expect(hasValidSignature(`${r}.${Number(exp) + 1000}.${mac}`, e)).toBe(false);
    expect(hasValidSignature(`${r}x.${exp}.${mac}`, e)).toBe(false);
    expect(hasValidSignature(v, e, Date.now() + 120_000)).toBe(false);
    expect(hasValidSignature(v, parseEnv({ TUNEFORGE_SECRET: "t".repeat(40) }))).toBe(false);
  });
});

describe("cookies", () => {
  it("set the session cookie httpOnly, SameSite=Lax, Path=/, Secure only over https", () => {
    expect(sessionCookie("abc", { secure: false })).toBe("tuneforge_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000");
    expect(sessionCookie("abc", { secure: true })).toMatch(/; Secure$/);
    expect(clearedSessionCookie({ secure: false })).toMatch(/^tuneforge_session=; .*Max-Age=0/);
  });
  it("read a cookie among others", () => {
    const r = new Request("http://x/", { headers: { cookie: "a=1; tuneforge_session=v.1.m; b=2" } });
    expect(readCookie(r, "tuneforge_session")).toBe("v.1.m");
    expect(readCookie(r, "missing")).toBeUndefined();
  });
  it("detect https directly or behind a proxy", () => {
    expect(isHttps(new Request("https://x/"))).toBe(true);
    expect(isHttps(new Request("http://x/", { headers: { "x-forwarded-proto": "https" } }))).toBe(true);
    expect(isHttps(new Request("http://x/"))).toBe(false);
  });
});

describe("paths", () => {
  it("lists the public paths", () => {
    for (const p of ["/login", "/api/auth/login", "/api/auth/session", "/api/health", "/_next/static/chunks/a.js", "/icon.svg"]) {
      expect(isPublicPath(p)).toBe(true);
    }
    for (const p of ["/", "/settings", "/api/settings/credentials", "/api/healthz", "/loginx"]) {
      expect(isPublicPath(p)).toBe(false);
    }
  });
  it("only allows relative post-login destinations", () => {
    expect(safeNextPath("/jobs?x=1")).toBe("/jobs?x=1");
    for (const bad of ["https://evil.example", "//evil.example", "/\\evil.example", "/login?next=/x", null]) {
      expect(safeNextPath(bad)).toBe("/");
    }
    expect(loginPath("/jobs/1")).toBe("/login?next=%2Fjobs%2F1");
    expect(loginPath("/")).toBe("/login");
  });
});

describe("FailureThrottle", () => {
  it("blocks after max failures within the window, then lets attempts through again", () => {
    let now = 0;
    const t = new FailureThrottle(3, 1000, () => now);
    for (let i = 0; i < 3; i++) t.recordFailure();
    expect(t.retryAfterMs()).toBe(1000);
    now = 400;
    expect(t.retryAfterMs()).toBe(600);
    now = 1000;
    expect(t.retryAfterMs()).toBe(0);
  });
});

describe("assertAuthConfigured", () => {
  it("requires a password beyond loopback only", () => {
    expect(() => assertAuthConfigured(parseEnv({ HOST: "127.0.0.1" }))).not.toThrow();
    expect(() => assertAuthConfigured(parseEnv({ HOST: "0.0.0.0" }))).toThrow(/HOST=0\.0\.0\.0 .*Set TUNEFORGE_PASSWORD/);
    expect(() => assertAuthConfigured(parseEnv({ HOST: "0.0.0.0", TUNEFORGE_PASSWORD: "long-enough" }))).not.toThrow();
  });
});

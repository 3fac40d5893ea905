import { describe, expect, it } from "vitest";
import { checkSameOrigin, isLoopbackHostHeader, isSafeMethod } from "./origin";

const req = (headers: Record<string, string>, url = "http://tf.example:3000/api/x") =>
  new Request(url, { method: "POST", headers });

describe("checkSameOrigin (CSRF)", () => {
  it("accepts an Origin that names the Host", () => {
    expect(checkSameOrigin(req({ host: "tf.example:3000", origin: "http://tf.example:3000" }), { requireHeader: true })).toEqual({ ok: true });
  });

  it("refuses another host, another port, and the opaque origin", () => {
    for (const origin of ["https://evil.example", "http://tf.example:4000", "null"]) {
      const v = checkSameOrigin(req({ host: "tf.example:3000", origin }), { requireHeader: true });
      expect(v.ok).toBe(false);
    }
  });

  it("falls back to the Referer when Origin is absent", () => {
    expect(checkSameOrigin(req({ host: "tf.example:3000", referer: "http://tf.example:3000/settings" }), { requireHeader: true }).ok).toBe(true);
    expect(checkSameOrigin(req({ host: "tf.example:3000", referer: "http://evil.example/page" }), { requireHeader: true }).ok).toBe(false);
  });

  it("refuses a missing Origin and Referer only when required (cookie auth)", () => {
    expect(checkSameOrigin(req({ host: "tf.example:3000" }), { requireHeader: true })).toEqual({
      ok: false,
      reason: "Missing Origin header on a state-changing request",
    });
    expect(checkSameOrigin(req({ host: "tf.example:3000" }), { requireHeader: false }).ok).toBe(true);
  });

  it("accepts the host a TLS-terminating proxy forwarded", () => {
    const r = req({ host: "127.0.0.1:3000", "x-forwarded-host": "tf.example", origin: "https://tf.example" });
    expect(checkSameOrigin(r, { requireHeader: true }).ok).toBe(true);
  });

  it("uses the URL's host when there is no Host header (direct calls)", () => {
    expect(checkSameOrigin(req({ origin: "http://tf.example:3000" }), { requireHeader: true }).ok).toBe(true);
  });
});

describe("isSafeMethod", () => {
  it("treats only GET, HEAD and OPTIONS as safe", () => {
    expect(["GET", "head", "OPTIONS"].every(isSafeMethod)).toBe(true);
    expect(["POST", "PUT", "PATCH", "DELETE"].some(isSafeMethod)).toBe(false);
  });
});

describe("isLoopbackHostHeader (DNS rebinding)", () => {
  it("accepts loopback names with or without port", () => {
    for (const h of ["127.0.0.1:3000", "localhost", "LOCALHOST:3000", "[::1]:3000", "app.localhost:3000", null]) {
      expect(isLoopbackHostHeader(h)).toBe(true);
    }
  });
  it("refuses other names", () => {
    for (const h of ["evil.example:3000", "10.0.0.5:3000", "localhost.evil.example", "[::2]:3000"]) {
      expect(isLoopbackHostHeader(h)).toBe(false);
    }
  });
});

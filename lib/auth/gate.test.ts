import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../env";
import { newSignedSessionValue } from "./signed-cookie";
import { proxyGate } from "./gate";

const loopback = parseEnv({ HOST: "127.0.0.1", TUNEFORGE_SECRET: "g".repeat(40) });
const network = parseEnv({ HOST: "0.0.0.0", TUNEFORGE_PASSWORD: "password-123", TUNEFORGE_SECRET: "g".repeat(40) });

const request = (url: string, headers: Record<string, string> = {}) =>
  new NextRequest(url, { headers: { host: new URL(url).host, ...headers } });

describe("proxy gate", () => {
  it("lets everything through on loopback and tells pages their path", () => {
    const res = proxyGate(request("http://127.0.0.1:3000/jobs?x=1"), loopback);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-middleware-request-x-tuneforge-path")).toBe("/jobs?x=1");
  });

  it("refuses non-loopback Host names on loopback (DNS rebinding)", async () => {
    const res = proxyGate(request("http://rebind.evil.example:3000/"), loopback);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("host_not_allowed");
  });

  it("redirects signed-out pages to /login?next=…", () => {
    const res = proxyGate(request("http://tf.example:3000/datasets/abc?tab=2"), network);
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toBe("http://tf.example:3000/login?next=%2Fdatasets%2Fabc%3Ftab%3D2");
  });

  it("answers signed-out API calls with 401 JSON", async () => {
    const res = proxyGate(request("http://tf.example:3000/api/settings/credentials"), network);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it("keeps /login, /api/auth/*, /api/health and static assets public", () => {
    for (const p of ["/login?next=%2F", "/api/auth/login", "/api/auth/session", "/api/health", "/_next/static/x.js"]) {
      expect(proxyGate(request(`http://tf.example:3000${p}`), network).status).toBe(200);
    }
  });

  it("passes a validly signed cookie, refuses a forged one", () => {
    const good = newSignedSessionValue(new Date(Date.now() + 60_000), network);
    expect(proxyGate(request("http://tf.example:3000/", { cookie: `tuneforge_session=${good}` }), network).status).toBe(200);
    expect(proxyGate(request("http://tf.example:3000/", { cookie: "tuneforge_session=forged" }), network).status).toBe(307);
  });

  it("passes Bearer API calls on to full verification", () => {
    const res = proxyGate(request("http://tf.example:3000/api/datasets", { authorization: "Bearer tf_abc" }), network);
    expect(res.status).toBe(200);
  });
});

import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as login } from "@/app/api/auth/login/route";
import { POST as logout } from "@/app/api/auth/logout/route";
import { GET as sessionRoute } from "@/app/api/auth/session/route";
import { GET as getCredentials } from "@/app/api/settings/credentials/route";
import { DELETE as revokeToken } from "@/app/api/settings/tokens/[id]/route";
import { GET as listTokens, POST as createToken } from "@/app/api/settings/tokens/route";
import { disconnectPrisma, prisma } from "../db/client";
import { authRequired, env, parseEnv } from "../env";
import { sha256Hex } from "./hash";
import { authenticateRequest } from "./request";
import { loginThrottle } from "./throttle";

// This file runs the server as if it listened beyond loopback. lib/env caches the environment on first
// use; none of the modules above reads it at import time, so stubbing here takes effect for the file.
vi.stubEnv("HOST", "0.0.0.0");
vi.stubEnv("TUNEFORGE_PASSWORD", "correct horse battery");

const BASE = "http://tf.example:3000";
type Init = { method?: string; cookie?: string; bearer?: string; origin?: string | null; body?: unknown; url?: string };

function req(path: string, init: Init = {}): Request {
  const headers = new Headers({ "content-type": "application/json" });
  if (init.cookie) headers.set("cookie", `tuneforge_session=${init.cookie}`);
  if (init.bearer) headers.set("authorization", `Bearer ${init.bearer}`);
  const origin = init.origin === undefined ? BASE : init.origin;
  if (origin) headers.set("origin", origin);
  return new Request(`${init.url ?? BASE}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

const ctx = (id: string) => ({ params: Promise.resolve({ id }) });

async function signIn(): Promise<string> {
  const res = await login(req("/api/auth/login", { method: "POST", body: { password: "correct horse battery" } }));
  expect(res.status).toBe(200);
  const cookie = res.headers.get("set-cookie")!;
  return /tuneforge_session=([^;]+)/.exec(cookie)![1]!;
}

beforeEach(() => loginThrottle.reset());
afterAll(async () => {
  await disconnectPrisma();
  vi.unstubAllEnvs();
});

describe("auth beyond loopback", () => {
  it("is in effect for this file", () => {
    expect(authRequired(env())).toBe(true);
  });

  it("refuses requests without a session or token", async () => {
    for (const res of [await getCredentials(req("/api/settings/credentials")), await listTokens(req("/api/settings/tokens"))]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
    expect(await (await sessionRoute(req("/api/auth/session"))).json()).toEqual({ authRequired: true, signedIn: false });
  });

  it("refuses a wrong password, then throttles repeated failures", async () => {
    const wrong = await login(req("/api/auth/login", { method: "POST", body: { password: "nope" } }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    for (let i = 0; i < 9; i++) await login(req("/api/auth/login", { method: "POST", body: { password: "nope" } }));
    const blocked = await login(req("/api/auth/login", { method: "POST", body: { password: "correct horse battery" } }));
    expect(blocked.status).toBe(429);
  });

  it("signs in with the password: httpOnly SameSite=Lax cookie, only its hash stored", async () => {
    const res = await login(req("/api/auth/login", { method: "POST", body: { password: "correct horse battery" } }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ authRequired: true, signedIn: true });
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^tuneforge_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const value = /tuneforge_session=([^;]+)/.exec(setCookie)![1]!;
    const row = await prisma().session.findUnique({ where: { tokenHash: sha256Hex(value) } });
    expect(row).not.toBeNull();
    expect(await prisma().session.count({ where: { tokenHash: value } })).toBe(0);

    const https = await login(
      req("/api/auth/login", { method: "POST", url: "https://tf.example", origin: "https://tf.example", body: { password: "correct horse battery" } }),
    );
    expect(https.headers.get("set-cookie")).toMatch(/; Secure$/);
  });

  it("accepts the session cookie and refuses a forged one", async () => {
    const cookie = await signIn();
    expect((await getCredentials(req("/api/settings/credentials", { cookie }))).status).toBe(200);
    expect(await (await sessionRoute(req("/api/auth/session", { cookie }))).json()).toEqual({ authRequired: true, signedIn: true });
    const forged = await getCredentials(req("/api/settings/credentials", { cookie: "x.9999999999.y" }));
    expect(forged.status).toBe(401);
  });

  it("refuses cookie mutations from another origin or without an Origin", async () => {
    const cookie = await signIn();
    const cross = await createToken(req("/api/settings/tokens", { method: "POST", cookie, origin: "https://evil.example", body: { name: "x" } }));
    expect(cross.status).toBe(403);
    expect(((await cross.json()) as { error: { code: string } }).error.code).toBe("cross_origin");
    const none = await createToken(req("/api/settings/tokens", { method: "POST", cookie, origin: null, body: { name: "x" } }));
    expect(none.status).toBe(403);
    const crossLogin = await login(req("/api/auth/login", { method: "POST", origin: "https://evil.example", body: { password: "correct horse battery" } }));
    expect(crossLogin.status).toBe(403);
  });

  it("creates, uses and revokes API tokens", async () => {
    const cookie = await signIn();
    const created = await createToken(req("/api/settings/tokens", { method: "POST", cookie, body: { name: "ci" } }));
    expect(created.status).toBe(201);
    const token = (await created.json()) as { id: string; name: string; prefix: string; token: string };
    expect(token).toMatchObject({ name: "ci" });
    expect(token.token).toMatch(/^tf_[A-Za-z0-9_-]{43}$/);
    expect(token.token.startsWith(token.prefix)).toBe(true);

    const row = await prisma().apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(row.tokenHash).toBe(sha256Hex(token.token));
    expect(JSON.stringify(row)).not.toContain(token.token);

    // Bearer works for reads and for mutations without an Origin (CLI), and records its use.
    expect((await getCredentials(req("/api/settings/credentials", { bearer: token.token, origin: null }))).status).toBe(200);
    const viaToken = await createToken(req("/api/settings/tokens", { method: "POST", bearer: token.token, origin: null, body: { name: "cli-made" } }));
    expect(viaToken.status).toBe(201);
    expect((await prisma().apiToken.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt).not.toBeNull();

    const listed = (await (await listTokens(req("/api/settings/tokens", { cookie }))).json()) as { tokens: Record<string, unknown>[] };
    const entry = listed.tokens.find((t) => t.id === token.id);
    expect(entry).toEqual({ id: token.id, name: "ci", prefix: token.prefix, createdAt: expect.any(String), lastUsedAt: expect.any(String) });
    expect(JSON.stringify(listed)).not.toContain(token.token);

    const revoked = await revokeToken(req(`/api/settings/tokens/${token.id}`, { method: "DELETE", cookie }), ctx(token.id));
    expect(revoked.status).toBe(200);
    const after = await getCredentials(req("/api/settings/credentials", { bearer: token.token, origin: null }));
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe("invalid_token");
    const again = await revokeToken(req(`/api/settings/tokens/${token.id}`, { method: "DELETE", cookie }), ctx(token.id));
    expect(again.status).toBe(404);
    expect((await getCredentials(req("/api/settings/credentials", { bearer: "tf_made-up", origin: null }))).status).toBe(401);
  });

  it("signs out: the session stops working and the cookie is cleared", async () => {
    const cookie = await signIn();
    const res = await logout(req("/api/auth/logout", { method: "POST", cookie }));
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/^tuneforge_session=; .*Max-Age=0/);
    expect((await getCredentials(req("/api/settings/credentials", { cookie }))).status).toBe(401);
  });
});

describe("auth on loopback (explicit Env)", () => {
  const loopback = parseEnv({ ...process.env, HOST: "127.0.0.1" });

  it("needs no sign-in but refuses foreign Host names and cross-origin mutations", async () => {
    const local = new Request("http://127.0.0.1:3000/api/x", { headers: { host: "127.0.0.1:3000" } });
    expect(await authenticateRequest(local, { env: loopback })).toEqual({ kind: "loopback" });
    const rebound = new Request("http://127.0.0.1:3000/api/x", { headers: { host: "rebind.evil.example:3000" } });
    await expect(authenticateRequest(rebound, { env: loopback })).rejects.toMatchObject({ status: 403, code: "host_not_allowed" });
    const cross = new Request("http://127.0.0.1:3000/api/x", { method: "POST", headers: { origin: "https://evil.example" } });
    await expect(authenticateRequest(cross, { env: loopback })).rejects.toMatchObject({ status: 403, code: "cross_origin" });
    const cli = new Request("http://127.0.0.1:3000/api/x", { method: "POST" });
    expect(await authenticateRequest(cli, { env: loopback })).toEqual({ kind: "loopback" });
  });
});

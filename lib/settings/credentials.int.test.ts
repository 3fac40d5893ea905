import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GET as getCredentials } from "@/app/api/settings/credentials/route";
import { DELETE as deleteOpenAI, PUT as putOpenAI } from "@/app/api/settings/credentials/openai/route";
import { POST as testOpenAI } from "@/app/api/settings/credentials/openai/test/route";
import { disconnectPrisma, prisma } from "../db/client";
import { parseEnv } from "../env";
import { startOpenAIEmulator, type OpenAIEmulator } from "../../test/openai-emulator/server";
import { testOpenAIConnection } from "../providers/openai/test-connection";
import { getCredentialView, resolveOpenAIConfig } from "./credentials";

// Settings API against real Postgres and the OpenAI emulator, through the exported route handlers.
// The server runs on loopback here (vitest env), so no sign-in is involved.

const KEY = "sk-test-integration-SECRET-0123456789-wxyz";
const BASE = "http://127.0.0.1:3000";
let emu: OpenAIEmulator;

const call = (handler: (req: Request) => Promise<Response>, method: string, path: string, body?: unknown) =>
  handler(
    new Request(`${BASE}${path}`, {
      method,
      headers: { "content-type": "application/json", origin: BASE },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );

async function json<T>(res: Response): Promise<{ status: number; text: string; body: T }> {
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as T };
}

type View = Awaited<ReturnType<typeof getCredentialView>>;

beforeAll(async () => {
  emu = await startOpenAIEmulator();
});
afterAll(async () => {
  await emu.close();
  await prisma().providerCredential.deleteMany({ where: { provider: "openai" } });
  await disconnectPrisma();
});
beforeEach(async () => {
  await prisma().providerCredential.deleteMany({ where: { provider: "openai" } });
  await prisma().appState.deleteMany({ where: { key: { startsWith: "settings.openai." } } });
});

describe("OpenAI credential storage", () => {
  it("stores the key encrypted: the raw row never contains it", async () => {
    const res = await json<View>(await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: KEY, baseUrl: emu.url }));
    expect(res.status).toBe(200);

    const rows = await prisma().$queryRaw<Record<string, unknown>[]>`select * from provider_credentials where provider = 'openai'`;
    expect(rows).toHaveLength(1);
    const raw = JSON.stringify(rows[0]);
    expect(raw).not.toContain(KEY);
    expect(raw).not.toContain("SECRET-0123456789");
    expect(rows[0]!.api_key_ciphertext).toMatch(/^v1:[^:]+:[^:]+:[^:]+$/);
    expect(rows[0]!.api_key_last4).toBe("wxyz");
    expect((await resolveOpenAIConfig())?.apiKey).toBe(KEY);
  });

  it("returns only the masked form, from PUT and GET alike", async () => {
    const put = await json<View>(await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: KEY, baseUrl: `${emu.url}/` }));
    const get = await json<View>(await call(getCredentials, "GET", "/api/settings/credentials"));
    for (const r of [put, get]) {
      expect(r.text).not.toContain(KEY);
      expect(r.text).not.toContain("v1:");
      expect(r.body).toEqual({
        openai: {
          configured: true,
          source: "database",
          apiKeyMasked: "…wxyz",
          baseUrl: emu.url, // trailing slash trimmed
          organization: null,
          project: null,
          lastTestedAt: null,
          lastTestOk: null,
          lastTestMessage: null,
        },
      });
    }
  });

  it("keeps the stored key when updating without one, and clears fields set to null", async () => {
    await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: KEY, baseUrl: emu.url, organization: "org-1" });
    const before = await prisma().providerCredential.findUniqueOrThrow({ where: { provider: "openai" } });
    const res = await json<View>(
      await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { baseUrl: "http://127.0.0.1:9/v1", organization: null, project: "proj_9" }),
    );
    expect(res.body.openai).toMatchObject({ apiKeyMasked: "…wxyz", baseUrl: "http://127.0.0.1:9/v1", organization: null, project: "proj_9" });
    const after = await prisma().providerCredential.findUniqueOrThrow({ where: { provider: "openai" } });
    expect(after.apiKeyCiphertext).toBe(before.apiKeyCiphertext);
    expect((await resolveOpenAIConfig())?.apiKey).toBe(KEY);
  });

  it("requires a key the first time and validates the base URL", async () => {
    const first = await json<{ error: { code: string } }>(await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { baseUrl: emu.url }));
    expect(first.status).toBe(400);
    expect(first.body.error.code).toBe("api_key_required");
    const badUrl = await json<{ error: { code: string } }>(
      await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: KEY, baseUrl: "ftp://x" }),
    );
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.code).toBe("invalid_base_url");
    const unknownField = await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: KEY, apiKeyCiphertext: "x" });
    expect(unknownField.status).toBe(400);
  });

  it("deletes the credential", async () => {
    await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: KEY });
    const res = await json<View>(await call(deleteOpenAI, "DELETE", "/api/settings/credentials/openai"));
    expect(res.body.openai).toMatchObject({ configured: false, source: null, apiKeyMasked: null });
    expect(await prisma().providerCredential.count()).toBe(0);
  });

  it("refuses a cross-origin change even on loopback", async () => {
    const res = await putOpenAI(
      new Request(`${BASE}/api/settings/credentials/openai`, {
        method: "PUT",
        headers: { "content-type": "text/plain", origin: "https://evil.example" },
        body: JSON.stringify({ apiKey: KEY, baseUrl: "https://evil.example/v1" }),
      }),
    );
    expect(res.status).toBe(403);
    expect(await prisma().providerCredential.count()).toBe(0);
  });
});

describe("test connection (real SDK against the emulator)", () => {
  type Result = { ok: boolean; message: string; latencyMs: number; modelCount?: number };

  it("succeeds with the right key and remembers the result", async () => {
    await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: KEY, baseUrl: emu.url });
    const res = await json<Result>(await call(testOpenAI, "POST", "/api/settings/credentials/openai/test"));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, modelCount: emu.state.models.size });
    expect(res.body.message).toMatch(new RegExp(`^Connected to ${emu.url} in \\d+ ms; \\d+ models available\\.$`));
    expect(res.body.latencyMs).toBeGreaterThanOrEqual(0);

    const view = (await getCredentialView()).openai;
    expect(view.lastTestOk).toBe(true);
    expect(view.lastTestMessage).toBe(res.body.message);
    expect(Date.parse(view.lastTestedAt!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("fails clearly with a wrong key, without echoing it", async () => {
    const wrong = "sk-wrong-0000000000000000000000-abcd";
    await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: wrong, baseUrl: emu.url });
    const res = await json<Result>(await call(testOpenAI, "POST", "/api/settings/credentials/openai/test"));
    expect(res.body.ok).toBe(false);
    expect(res.body.message).toMatch(/^Invalid API key \(401\) \[invalid_api_key\]: Incorrect API key provided: sk-\*+abcd\./);
    expect(res.body.message).not.toContain(wrong);
    expect((await getCredentialView()).openai).toMatchObject({ lastTestOk: false, lastTestMessage: res.body.message });
  });

  it("says it cannot reach a closed port", async () => {
    const closed = await startOpenAIEmulator();
    await closed.close();
    await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: KEY, baseUrl: closed.url });
    const res = await json<Result>(await call(testOpenAI, "POST", "/api/settings/credentials/openai/test"));
    expect(res.body).toMatchObject({ ok: false });
    expect(res.body.message).toBe(`Cannot reach ${closed.url} (ECONNREFUSED). Check the base URL and that the server is running.`);
  });

  it("forgets the last result when the key changes", async () => {
    await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: KEY, baseUrl: emu.url });
    await call(testOpenAI, "POST", "/api/settings/credentials/openai/test");
    await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: `${KEY}2` });
    expect((await getCredentialView()).openai.lastTestOk).toBeNull();
  });
});

describe("environment defaults", () => {
  const e = parseEnv({ ...process.env, OPENAI_API_KEY: "sk-test-from-env-000000001234", OPENAI_ORG_ID: "org-env" });

  it("are used when nothing is stored, masked, and testable", async () => {
    const withUrl = parseEnv({ ...process.env, OPENAI_API_KEY: "sk-test-from-env-000000001234", OPENAI_BASE_URL: emu.url });
    const view = (await getCredentialView({ env: withUrl })).openai;
    expect(view).toMatchObject({ configured: true, source: "env", apiKeyMasked: "…1234", baseUrl: emu.url, lastTestOk: null });
    expect(JSON.stringify(view)).not.toContain("from-env");

    const result = await testOpenAIConnection({ env: withUrl });
    expect(result.ok).toBe(true);
    expect((await getCredentialView({ env: withUrl })).openai.lastTestOk).toBe(true);
    // A different env configuration does not inherit that result.
    expect((await getCredentialView({ env: e })).openai.lastTestOk).toBeNull();
  });

  it("fill the optional fields of a stored credential that leaves them unset", async () => {
    await call(putOpenAI, "PUT", "/api/settings/credentials/openai", { apiKey: KEY, baseUrl: emu.url });
    const resolved = await resolveOpenAIConfig({ env: e });
    expect(resolved).toMatchObject({ source: "database", apiKey: KEY, baseUrl: emu.url, organization: "org-env" });
  });
});

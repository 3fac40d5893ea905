import OpenAI, { AuthenticationError, NotFoundError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIEmulator, type OpenAIEmulator } from "./server";

// The emulator is exercised through the real SDK, so its shapes are checked by the code that will consume them.

let emu: OpenAIEmulator;
beforeAll(async () => {
  emu = await startOpenAIEmulator();
});
afterAll(() => emu.close());

const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: emu.url, maxRetries: 0, timeout: 5000 });

describe("OpenAI emulator", () => {
  it("serves a URL ending in /v1", () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it("lists models in OpenAI's shape with a request id", async () => {
    const { data: page, response, request_id } = await client("sk-test-abc").models.list().withResponse();
    expect(page.data.length).toBeGreaterThan(0);
    for (const m of page.data) {
      expect(m).toEqual({ id: expect.any(String), object: "model", created: expect.any(Number), owned_by: expect.any(String) });
    }
    expect(page.data.map((m) => m.id)).toContain("gpt-4o-mini-2024-07-18");
    expect(request_id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get("content-type")).toBe("application/json");
  });

  it("retrieves one model and 404s an unknown one", async () => {
    const c = client("sk-test-abc");
    expect((await c.models.retrieve("gpt-4.1-mini-2025-04-14")).id).toBe("gpt-4.1-mini-2025-04-14");
    const err = await c.models.retrieve("nope").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).code).toBe("model_not_found");
  });

  it("rejects a wrong key with OpenAI's 401 body, masking the key", async () => {
    const err = await client("sk-wrong-key-0123456789wxyz").models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    const e = err as AuthenticationError;
    expect(e.status).toBe(401);
    expect(e.code).toBe("invalid_api_key");
    expect(e.type).toBe("invalid_request_error");
    expect(e.param).toBeNull();
    expect(e.message).toMatch(/^401 Incorrect API key provided: sk-\*+wxyz\. /);
    expect(e.message).not.toContain("0123456789");
    expect(e.requestID).toMatch(/^req_/);
  });

  it("answers a missing key and an unknown route the way OpenAI does (raw HTTP)", async () => {
    const missing = await fetch(`${emu.url}/models`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/didn't provide an API key/);

    const unknown = await fetch(`${emu.url}/nothing-here`, { headers: { Authorization: "Bearer sk-test-abc" } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("x-request-id")).toMatch(/^req_/);
    expect(await unknown.json()).toEqual({
      error: { message: "Invalid URL (GET /v1/nothing-here)", type: "invalid_request_error", param: null, code: null },
    });
  });

  it("accepts exactly the configured keys when given", async () => {
    const strict = await startOpenAIEmulator({ apiKeys: ["sk-live-only-this-one"] });
    try {
      const ok = new OpenAI({ apiKey: "sk-live-only-this-one", baseURL: strict.url, maxRetries: 0 });
      expect((await ok.models.list()).data.length).toBeGreaterThan(0);
      const bad = new OpenAI({ apiKey: "sk-test-otherwise-fine", baseURL: strict.url, maxRetries: 0 });
      await expect(bad.models.list()).rejects.toBeInstanceOf(AuthenticationError);
    } finally {
      await strict.close();
    }
  });
});

import { describe, expect, it } from "vitest";
import { startOpenAIEmulator } from "../../../test/openai-emulator/server";
import { generationSchema } from "../types";
import { endpointKeyFor, EndpointKeysError, NO_ENDPOINT_KEY, parseEndpointKeys } from "./endpoint-keys";
import { openGenerator } from "./index";

describe("TUNEFORGE_ENDPOINT_KEYS", () => {
  it("maps each base URL (trailing slashes ignored) to its key, split by commas or newlines", () => {
    const keys = parseEndpointKeys(" http://gpu-box:8000/v1/=sk-vllm-1 ,\nhttps://gw.example/v1?team=a=tok-2\n");
    expect([...keys]).toEqual([
      ["http://gpu-box:8000/v1", "sk-vllm-1"],
      ["https://gw.example/v1?team=a", "tok-2"],
    ]);
    expect(parseEndpointKeys(undefined).size).toBe(0);
    expect(parseEndpointKeys("  ").size).toBe(0);
  });

  it("sends a key only to the base URL it is listed with", () => {
    const raw = "http://gpu-box:8000/v1=sk-vllm-1";
    expect(endpointKeyFor("http://gpu-box:8000/v1/", raw)).toBe("sk-vllm-1");
    expect(endpointKeyFor("http://gpu-box:8001/v1", raw)).toBe(NO_ENDPOINT_KEY);
    expect(endpointKeyFor("http://evil.example/v1", raw)).toBe(NO_ENDPOINT_KEY);
  });

  it("names the malformed entry", () => {
    expect(() => parseEndpointKeys("http://a/v1=k1, http://b/v1")).toThrow(new EndpointKeysError('entry 2 is not "<base url>=<key>"'));
    expect(() => parseEndpointKeys("not a url=k")).toThrow(/entry 1 starts with "not a url", which is not a URL/);
    expect(() => parseEndpointKeys("http://a/v1=")).toThrow(/entry 1 is not/);
  });

  it("an endpoint that checks keys answers when its key is configured, and refuses the placeholder", async () => {
    const server = await startOpenAIEmulator({ apiKeys: ["sk-vllm-secret"], chatLatencyMs: 0 });
    const model = { where: "remote", provider: "endpoint", baseUrl: server.url, model: "llama-3-8b", label: "endpoint" } as const;
    const ask = [{ role: "user", content: "What color is the sky?" }];
    const settings = generationSchema.parse({ maxTokens: 32 });
    try {
      const keyed = await openGenerator(model, { db: null as never, concurrency: 1, maxRetries: 0, endpointKeys: `${server.url}=sk-vllm-secret` });
      expect((await keyed.generate(ask, settings)).text.length).toBeGreaterThan(0);
      const unkeyed = await openGenerator(model, { db: null as never, concurrency: 1, maxRetries: 0, endpointKeys: "" });
      await expect(unkeyed.generate(ask, settings)).rejects.toMatchObject({ status: 401 });
    } finally {
      await server.close();
    }
  });
});

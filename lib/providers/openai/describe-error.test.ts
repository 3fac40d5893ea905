import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { describe, expect, it } from "vitest";
import { describeOpenAIError } from "./describe-error";

const base = "http://127.0.0.1:9/v1";
const apiError = (status: number, code: string | null, message: string) =>
  APIError.generate(status, { error: { message, type: "invalid_request_error", param: null, code } }, undefined, new Headers());

describe("describeOpenAIError", () => {
  it("names the usual HTTP failures plainly", () => {
    expect(describeOpenAIError(apiError(401, "invalid_api_key", "Incorrect API key provided: sk-***abcd."), base)).toBe(
      "Invalid API key (401) [invalid_api_key]: Incorrect API key provided: sk-***abcd.",
    );
    expect(describeOpenAIError(apiError(403, "training_not_available", "OpenAI is winding down…"), base)).toMatch(
      /^Access denied \(403\) \[training_not_available\]: OpenAI is winding down/,
    );
    expect(describeOpenAIError(apiError(404, null, "Invalid URL (GET /models)"), base)).toMatch(/base URL right/);
    expect(describeOpenAIError(apiError(429, "insufficient_quota", "quota"), base)).toMatch(/^Rate limited/);
    expect(describeOpenAIError(apiError(502, null, "bad gateway"), base)).toBe(`${base} failed (502): bad gateway`);
  });

  it("says the server cannot be reached, with the socket error code", () => {
    const cause = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) });
    expect(describeOpenAIError(new APIConnectionError({ cause }), base)).toBe(
      `Cannot reach ${base} (ECONNREFUSED). Check the base URL and that the server is running.`,
    );
    expect(describeOpenAIError(new APIConnectionTimeoutError(), base)).toBe(`Timed out waiting for ${base}.`);
  });
});

import { describe, expect, it } from "vitest";
import { authRequired, isLoopbackHost, parseEnv } from "./env";

describe("parseEnv", () => {
  it("fills the documented defaults", () => {
    const e = parseEnv({});
    expect(e.DATABASE_URL).toBe("postgresql://postgres@127.0.0.1:5432/tuneforge");
    expect(e.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(e.HOST).toBe("127.0.0.1");
    expect(e.PORT).toBe(3000);
    expect(e.TUNEFORGE_NO_SAMPLE).toBe(false);
  });

  it("coerces numbers and booleans", () => {
    const e = parseEnv({ PORT: "4000", TUNEFORGE_NO_SAMPLE: "1" });
    expect(e.PORT).toBe(4000);
    expect(e.TUNEFORGE_NO_SAMPLE).toBe(true);
    expect(parseEnv({ TUNEFORGE_NO_SAMPLE: "false" }).TUNEFORGE_NO_SAMPLE).toBe(false);
  });

  it("defaults and bounds the worker's poll, reconcile and lock settings", () => {
    const e = parseEnv({});
    expect([e.TUNEFORGE_OPENAI_POLL_MS, e.TUNEFORGE_OPENAI_SLOW_POLL_MS, e.TUNEFORGE_RECONCILE_MS, e.TUNEFORGE_WORKER_LOCK_MS, e.TUNEFORGE_WORKER_STALLED_MS]).toEqual([750, 3000, 30_000, 30_000, 30_000]);
    expect(parseEnv({ TUNEFORGE_OPENAI_POLL_MS: "50", TUNEFORGE_RECONCILE_MS: "300" })).toMatchObject({ TUNEFORGE_OPENAI_POLL_MS: 50, TUNEFORGE_RECONCILE_MS: 300 });
    expect(() => parseEnv({ TUNEFORGE_OPENAI_POLL_MS: "0" })).toThrow(/TUNEFORGE_OPENAI_POLL_MS/);
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ PORT: "", REDIS_URL: "" }).PORT).toBe(3000);
  });

  it("lists every invalid variable in one error", () => {
    expect(() => parseEnv({ PORT: "abc", DATABASE_URL: "not a url", TUNEFORGE_SECRET: "short" })).toThrowError(
      /PORT[\s\S]*DATABASE_URL|DATABASE_URL[\s\S]*PORT/,
    );
    try {
      parseEnv({ PORT: "70000", TUNEFORGE_SECRET: "short" });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain("PORT");
      expect(message).toContain("TUNEFORGE_SECRET must be at least 32 characters");
    }
  });
});

describe("loopback and auth", () => {
  it("recognizes loopback hosts", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["0.0.0.0", "192.168.1.4", "example.com", "::"]) expect(isLoopbackHost(h)).toBe(false);
  });

  it("requires auth only beyond loopback", () => {
    expect(authRequired(parseEnv({ HOST: "127.0.0.1" }))).toBe(false);
    expect(authRequired(parseEnv({ HOST: "0.0.0.0" }))).toBe(true);
  });
});

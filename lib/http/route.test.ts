import { afterEach, describe, expect, it, vi } from "vitest";
import { route } from "./route";

// A request whose client went away while it was read ends quietly; a fault of the server is still logged.

const econnreset = () => Object.assign(new Error("aborted"), { code: "ECONNRESET" });

describe("route() and a client that went away", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answers 499 without logging when the request was aborted while its body was read", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const client = new AbortController();
    const handler = route({ public: true }, async () => {
      client.abort();
      throw econnreset();
    });
    const res = await handler(new Request("http://127.0.0.1/api/jobs/estimate", { method: "POST", signal: client.signal }));
    expect(res.status).toBe(499);
    expect(logged).not.toHaveBeenCalled();
  });

  it("still logs and answers 500 for the same error when the client is there, and for another error of an aborted request", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const reset = econnreset();
    const present = await route({ public: true }, async () => {
      throw reset;
    })(new Request("http://127.0.0.1/api/x", { method: "POST" }));
    expect(present.status).toBe(500);
    expect(logged).toHaveBeenCalledWith("[api] unhandled error:", reset);

    const client = new AbortController();
    const bug = new TypeError("cannot read properties of undefined");
    const aborted = await route({ public: true }, async () => {
      client.abort();
      throw bug;
    })(new Request("http://127.0.0.1/api/x", { method: "POST", signal: client.signal }));
    expect(aborted.status).toBe(500);
    expect(logged).toHaveBeenCalledWith("[api] unhandled error:", bug);
  });
});

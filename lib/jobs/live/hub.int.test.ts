import { afterAll, describe, expect, it } from "vitest";
import { createRedis } from "../../redis";
import { LiveHub } from "./hub";

// The hub on a real Redis connection, in the moment the web process first uses it: connected, but ioredis still
// in its handshake (status "connect"), where a SUBSCRIBE goes out at once (it is allowed while Redis loads) and the
// ready check that follows is then refused on a connection already in subscriber mode.

const publisher = createRedis("client");
afterAll(() => publisher.quit());

async function until<T>(what: string, check: () => T | undefined, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("LiveHub", () => {
  it("delivers to a listener that subscribed while the connection was still in its handshake", async () => {
    const redis = createRedis("client");
    const errors: string[] = [];
    const hub = new LiveHub(redis);
    redis.on("error", (err: Error) => errors.push(err.message));
    const channel = `tf-test-hub-handshake-${process.pid}-${Date.now()}`;
    const got: string[] = [];
    try {
      const subscribed = new Promise<() => void>((resolve, reject) => {
        redis.once("connect", () => {
          expect(redis.status).toBe("connect");
          hub.subscribe(channel, { message: (raw) => got.push(raw) }).then(resolve, reject);
        });
      });
      const unsubscribe = await subscribed;
      expect(redis.status).toBe("ready");
      // Published once the subscription is confirmed: it must arrive, on the first connection.
      expect(await publisher.publish(channel, "first")).toBe(1);
      await until("the message", () => (got.length > 0 ? got : undefined));
      expect(got).toEqual(["first"]);
      expect(errors).toEqual([]);
      unsubscribe();
    } finally {
      await hub.close();
    }
  });
});

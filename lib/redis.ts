import { Redis, type RedisOptions } from "ioredis";
import { env } from "./env";

// Redis connections come in three profiles because their callers want opposite things when Redis is down:
// - "bullmq": BullMQ workers block on Redis and must wait out a restart, so requests never give up
//   (BullMQ refuses a Worker connection unless maxRetriesPerRequest is null).
// - "client": short commands of long-lived processes (heartbeats, enqueue from the web): reconnect
//   forever, but a single command fails after a few retries instead of piling up.
// - "probe": health checks must answer "Redis is down" quickly, so no offline queue, a short connect
//   timeout and no reconnect loop; one attempt, then the connection ends.
export type RedisProfile = "bullmq" | "client" | "probe";

export const PROBE_CONNECT_TIMEOUT_MS = 1500;

export function redisOptions(profile: RedisProfile): RedisOptions {
  switch (profile) {
    case "bullmq":
      return { maxRetriesPerRequest: null, enableReadyCheck: true };
    case "client":
      return { maxRetriesPerRequest: 3, connectTimeout: 5000 };
    case "probe":
      return {
        lazyConnect: true,
        enableOfflineQueue: false,
        connectTimeout: PROBE_CONNECT_TIMEOUT_MS,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        // The probe reports failures itself; ioredis would otherwise print "Unhandled error event".
        reconnectOnError: () => false,
      };
  }
}

/**
 * Opens a Redis connection for `url` (redis://[user:pass@]host:port[/db]; the db index comes from the path).
 * Callers own the connection and must `quit()` it.
 */
export function createRedis(profile: RedisProfile, url: string = env().REDIS_URL): Redis {
  const client = new Redis(url, { ...redisOptions(profile), connectionName: `tuneforge-${profile}` });
  // Without a listener ioredis logs every reconnect failure as an unhandled error; the owners of the
  // connection (health, workers) report errors in their own words.
  if (profile === "probe") client.on("error", () => {});
  return client;
}

/** Redis URL with any password masked, for logs and doctor output. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid REDIS_URL)";
  }
}

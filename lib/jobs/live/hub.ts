import type { Redis } from "ioredis";
import { createRedis } from "../../redis";

// One Redis subscriber connection per process, fanned out to every listener (each open SSE stream), so a
// hundred open browser tabs cost one Redis connection, not a hundred. A channel is SUBSCRIBEd while it has
// listeners and UNSUBSCRIBEd when the last one leaves. `subscribe` resolves once Redis has confirmed the
// subscription: anything published after that moment reaches the listener, which is what lets the stream
// read history from Postgres afterwards without a gap.

export type HubListener = {
  message: (raw: string) => void;
  /** The connection dropped: hold what arrives after it comes back until `resync` has re-read Postgres. */
  interrupted?: () => void;
  /** The subscriber reconnected: messages may have been lost meanwhile, so re-read from Postgres. */
  resync?: () => void;
};

type ChannelEntry = { listeners: Set<HubListener>; ready: Promise<void> };

export class LiveHub {
  private readonly channels = new Map<string, ChannelEntry>();
  private connectedOnce: boolean;

  constructor(private readonly redis: Redis) {
    // A connection handed over already open has had its first "ready": the next one is a reconnect.
    this.connectedOnce = redis.status === "ready";
    redis.on("message", (channel: string, raw: string) => {
      const entry = this.channels.get(channel);
      if (!entry) return;
      for (const l of entry.listeners) l.message(raw);
    });
    redis.on("close", () => {
      for (const entry of this.channels.values()) for (const l of entry.listeners) l.interrupted?.();
    });
    redis.on("ready", () => {
      if (this.connectedOnce) void this.afterReconnect();
      this.connectedOnce = true;
    });
    redis.on("error", (err: Error) => console.error(`[live] subscriber: ${err.message}`));
  }

  /**
   * What was published while the connection was down is gone. Subscribe again (ioredis does too; this
   * one we can await) and only then tell the listeners to re-read Postgres, so nothing published after
   * their read can be missed.
   */
  private async afterReconnect(): Promise<void> {
    const channels = [...this.channels.keys()];
    if (channels.length === 0) return;
    try {
      await this.redis.subscribe(...channels);
    } catch (err) {
      console.error(`[live] re-subscribe after reconnect: ${(err as Error).message}`);
    }
    for (const channel of channels) for (const l of this.channels.get(channel)?.listeners ?? []) l.resync?.();
  }

  /**
   * Resolves once the connection is ready. ioredis writes a SUBSCRIBE at once while the connection is still in its
   * handshake (status "connect": the command is allowed while Redis loads), and its ready check (INFO) after that is
   * refused on a connection now in subscriber mode, so the first stream after the web process started could wait
   * forever for messages. In any other state than "connect" the SUBSCRIBE would wait in the offline queue anyway.
   */
  private connected(): Promise<void> {
    if (this.redis.status !== "connect") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        this.redis.off("ready", onReady);
        this.redis.off("end", onEnd);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onEnd = () => done(new Error("the live-update connection to Redis closed before it was ready"));
      this.redis.on("ready", onReady);
      this.redis.on("end", onEnd);
    });
  }

  /** Adds a listener; resolves (with its unsubscribe function) once the channel is subscribed. */
  async subscribe(channel: string, listener: HubListener): Promise<() => void> {
    let entry = this.channels.get(channel);
    if (!entry) {
      const ready = this.connected().then(() => this.redis.subscribe(channel)).then(() => undefined);
      entry = { listeners: new Set(), ready };
      this.channels.set(channel, entry);
    }
    entry.listeners.add(listener);
    const own = entry;
    try {
      await own.ready;
    } catch (err) {
      this.remove(channel, own, listener);
      throw err;
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.remove(channel, own, listener);
    };
  }

  private remove(channel: string, entry: ChannelEntry, listener: HubListener): void {
    entry.listeners.delete(listener);
    if (entry.listeners.size > 0 || this.channels.get(channel) !== entry) return;
    this.channels.delete(channel);
    // Commands on one connection run in order, so a later SUBSCRIBE of the same channel lands after this; both wait
    // for the handshake the same way, so one still pending goes out before this.
    this.connected()
      .then(() => this.redis.unsubscribe(channel))
      .catch((err: Error) => console.error(`[live] unsubscribe ${channel}: ${err.message}`));
  }

  /** Channels with at least one listener (for tests and diagnostics). */
  activeChannels(): string[] {
    return [...this.channels.keys()];
  }

  listenerCount(channel: string): number {
    return this.channels.get(channel)?.listeners.size ?? 0;
  }

  async close(): Promise<void> {
    this.channels.clear();
    await this.redis.quit().catch(() => undefined);
  }
}

// Next reloads modules in development; the hub lives on globalThis so a reload does not leak a connection.
const globalForHub = globalThis as unknown as { tuneforgeLiveHub?: LiveHub };

/** The process's hub, connected on first use. */
export function liveHub(): LiveHub {
  globalForHub.tuneforgeLiveHub ??= new LiveHub(createRedis("client"));
  return globalForHub.tuneforgeLiveHub;
}

/** Closes the process's hub (tests, shutdown); the next liveHub() opens a new one. */
export async function closeLiveHub(): Promise<void> {
  const hub = globalForHub.tuneforgeLiveHub;
  globalForHub.tuneforgeLiveHub = undefined;
  await hub?.close();
}

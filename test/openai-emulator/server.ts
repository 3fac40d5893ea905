import { randomBytes } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { authenticate, keyPolicy } from "./auth";
import { CONTROL_PREFIX, handleControl } from "./control";
import { manualClock, realClock, type EmulatorClock } from "./clock";
import { EmulatorError, invalidUrl } from "./errors";
import { noFaults, type EmulatorFaults, type RequestLogEntry } from "./faults";
import { compileRoutes, matchRoute, type EmulatorRoute } from "./router";
import { fileRoutes, syncFiles } from "./routes/files";
import { chatRoutes } from "./routes/chat";
import { fineTuningRoutes } from "./routes/fine-tuning";
import { modelRoutes } from "./routes/models";
import { syncAll } from "./simulator";
import { createState, type EmulatorState, type SimulationTiming } from "./state";

// A stand-in for api.openai.com that the real `openai` SDK talks to (tests, e2e, offline demos).
// node:http only; responses follow OpenAI's documented shapes and headers closely enough that the SDK's
// error classes, request ids and retries behave as they do against the real service.

export type OpenAIEmulatorOptions = {
  /** 0 or absent: an ephemeral port. */
  port?: number;
  host?: string;
  /** Accepted API keys; when absent any key starting with "sk-test-" is accepted. */
  apiKeys?: string[];
  /** Model ids listed by GET /v1/models; defaults to OpenAI's fine-tunable base models. */
  models?: string[];
  /** A clock the caller moves with emulator.advance(ms); real time when false or absent. */
  manualClock?: boolean;
  /** Phase lengths of simulated files and jobs (see DEFAULT_TIMING). */
  timing?: Partial<SimulationTiming>;
  faults?: Partial<EmulatorFaults>;
  /** Latency of each chat completion in ms (default 2); the bench sets a realistic one. */
  chatLatencyMs?: number;
};

export type OpenAIEmulator = {
  /** Base URL for the SDK's `baseURL`, ending with /v1. */
  url: string;
  port: number;
  state: EmulatorState;
  clock: EmulatorClock;
  /** Mutable switches: set fields to make the next requests fail the ways OpenAI does. */
  faults: EmulatorFaults;
  /** Every request seen, oldest first. */
  requests: RequestLogEntry[];
  /** Moves a manual clock forward and brings files and jobs up to date. */
  advance(ms: number): void;
  close(): Promise<void>;
};

const ROUTES: EmulatorRoute[] = [...modelRoutes, ...fileRoutes, ...fineTuningRoutes, ...chatRoutes];

export async function startOpenAIEmulator(opts: OpenAIEmulatorOptions = {}): Promise<OpenAIEmulator> {
  const host = opts.host ?? "127.0.0.1";
  const clock = opts.manualClock ? manualClock() : realClock();
  const state = createState({ models: opts.models, clock, timing: opts.timing });
  if (opts.chatLatencyMs !== undefined) state.chat.latencyMs = opts.chatLatencyMs;
  const faults: EmulatorFaults = { ...noFaults(), ...opts.faults };
  const requests: RequestLogEntry[] = [];
  const sync = () => {
    syncFiles(state, faults.stallFileProcessing);
    syncAll(state);
  };
  const advance = (ms: number) => {
    clock.advance(ms);
    sync();
  };
  const accepts = keyPolicy(opts.apiKeys);
  const routes = compileRoutes(ROUTES);

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      // A bug in a route must still answer like OpenAI would (500 server_error), never hang the client.
      console.error("[openai-emulator] route failed:", err);
      if (!res.headersSent) {
        send(res, 500, new EmulatorError(500, "The server had an error while processing your request.", "server_error").toBody());
      } else {
        res.end();
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://emulator");
    res.setHeader("x-request-id", `req_${randomBytes(16).toString("hex")}`);
    res.setHeader("openai-version", "2020-10-01");
    res.setHeader("openai-organization", state.organization);
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      try {
        sync();
        send(res, 200, await handleControl(req, url.pathname, { state, faults, clock, advance }));
      } catch (err) {
        if (!(err instanceof EmulatorError)) throw err;
        send(res, err.status, err.toBody());
      }
      return;
    }
    const log: RequestLogEntry = {
      method,
      path: url.pathname,
      status: 0,
      retryCount: Number(req.headers["x-stainless-retry-count"] ?? 0),
    };
    requests.push(log);
    try {
      const apiKey = authenticate(req, accepts); // OpenAI checks the key before routing
      injectFault(faults, res);
      const found = matchRoute(routes, method, url.pathname);
      if (!found) throw invalidUrl(method, url.pathname);
      sync();
      const started = Date.now();
      const result = await found.route.handler({ req, params: found.params, query: url.searchParams, state, apiKey, faults });
      if (result.drop) {
        log.status = -1;
        req.socket.destroy();
        return;
      }
      res.setHeader("openai-processing-ms", String(Date.now() - started));
      log.status = result.status ?? 200;
      if (result.stream) await sendStream(req, res, result.stream);
      else if (result.raw) sendRaw(res, log.status, result.raw.data, result.raw.contentType);
      else send(res, log.status, result.body, result.headers);
    } catch (err) {
      if (!(err instanceof EmulatorError)) throw err;
      log.status = err.status;
      send(res, err.status, err.toBody());
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    state,
    clock,
    faults,
    requests,
    advance,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}

/** Counting-down 429 and 500 switches; they hit before routing, as a gateway's would. */
function injectFault(faults: EmulatorFaults, res: ServerResponse): void {
  if (faults.rateLimitNext > 0) {
    faults.rateLimitNext -= 1;
    res.setHeader("retry-after", String(faults.retryAfterSeconds));
    throw new EmulatorError(429, "Rate limit reached for requests. Please try again in " + faults.retryAfterSeconds + "s.", "requests", "rate_limit_exceeded");
  }
  if (faults.serverErrorNext > 0) {
    faults.serverErrorNext -= 1;
    throw new EmulatorError(500, "The server had an error while processing your request. Sorry about that!", "server_error");
  }
}

/** OpenAI's streaming shape: text/event-stream, one `data: {chunk}` event each, ended by `data: [DONE]`. A client
 * that hangs up mid-way (Stop) ends it: nothing more is written. */
async function sendStream(req: IncomingMessage, res: ServerResponse, stream: { chunks: unknown[]; gapMs: number }): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  for (const chunk of stream.chunks) {
    if (req.socket.destroyed) return;
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    if (stream.gapMs > 0) await new Promise((r) => setTimeout(r, stream.gapMs));
  }
  res.end("data: [DONE]\n\n");
}

function sendRaw(res: ServerResponse, status: number, data: Buffer, contentType: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": data.length });
  res.end(data);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
  });
  res.end(json);
}

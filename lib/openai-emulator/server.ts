import { randomBytes } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { authenticate, keyPolicy } from "./auth";
import { EmulatorError, invalidUrl } from "./errors";
import { compileRoutes, matchRoute, type EmulatorRoute } from "./router";
import { modelRoutes } from "./routes/models";
import { createState, type EmulatorState } from "./state";

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
};

export type OpenAIEmulator = {
  /** Base URL for the SDK's `baseURL`, ending with /v1. */
  url: string;
  port: number;
  state: EmulatorState;
  close(): Promise<void>;
};

const ROUTES: EmulatorRoute[] = [...modelRoutes];

export async function startOpenAIEmulator(opts: OpenAIEmulatorOptions = {}): Promise<OpenAIEmulator> {
  const host = opts.host ?? "127.0.0.1";
  const state = createState({ models: opts.models });
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
    try {
      const apiKey = authenticate(req, accepts); // OpenAI checks the key before routing
      const found = matchRoute(routes, method, url.pathname);
      if (!found) throw invalidUrl(method, url.pathname);
      const started = Date.now();
      const result = await found.route.handler({ req, params: found.params, query: url.searchParams, state, apiKey });
      res.setHeader("openai-processing-ms", String(Date.now() - started));
      send(res, result.status ?? 200, result.body, result.headers);
    } catch (err) {
      if (!(err instanceof EmulatorError)) throw err;
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
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

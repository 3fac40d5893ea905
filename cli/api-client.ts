// The HTTP side every server-backed CLI command shares (`import`, `jobs …`): one request function that
// turns "no server there" into Unreachable with what to do, and one reader that turns a non-tuneforge
// answer or a sign-in demand into Unreachable too. Commands map Unreachable to exit code 2.

export class Unreachable extends Error {}

export type ApiRequestInit = { json?: unknown; body?: ReadableStream; query?: Record<string, string | undefined> };

export async function sendApiRequest(base: string, token: string | undefined, method: string, pathname: string, init: ApiRequestInit = {}): Promise<Response> {
  const url = new URL(pathname, base);
  for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.json !== undefined) headers["content-type"] = "application/json";
  if (init.body) headers["content-type"] = "application/octet-stream";
  try {
    return await fetch(url, {
      method,
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      ...(init.body ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Unreachable(
      `cannot reach tuneforge at ${base} (${cause?.code ?? cause?.message ?? (err as Error).message}). Start it with \`npm start\`, or point TUNEFORGE_URL (or --url) at the server`,
    );
  }
}

/** The parsed JSON body of any status but 401; `what` names the call in the message when it is not JSON. */
export async function readApiJson(res: Response, base: string, what: string): Promise<unknown> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new Unreachable(`${new URL(base).origin} answered ${what} with ${res.status} and something that is not tuneforge's JSON API; check TUNEFORGE_URL`);
  }
  if (res.status === 401) {
    const message = (body as { error?: { message?: string } }).error?.message ?? "unauthorized";
    throw new Unreachable(`the server requires sign-in: ${message}. Create an API token in Settings and set TUNEFORGE_API_TOKEN`);
  }
  return body;
}

// Keys for `endpoint:` specs. An OpenAI-compatible server started with a key (vLLM --api-key, a gateway)
// refuses requests without it, but a spec is stored on the run and shown in the browser, so the key cannot live
// in it. It is configured on the server instead (TUNEFORGE_ENDPOINT_KEYS), one key per base URL, and sent only to
// that base URL — typing a spec for another host never hands it a key meant for someone else.

/** The SDK insists on some key; servers that check none accept anything. */
export const NO_ENDPOINT_KEY = "unused";

const normalize = (url: string) => url.trim().replace(/\/+$/, "");

export class EndpointKeysError extends Error {
  constructor(message: string) {
    super(`TUNEFORGE_ENDPOINT_KEYS: ${message}. Write "<base url>=<key>" pairs separated by commas or newlines.`);
    this.name = "EndpointKeysError";
  }
}

/** "<base url>=<key>, …" → base URL (no trailing slash) → key. */
export function parseEndpointKeys(raw: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  if (!raw?.trim()) return keys;
  raw
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter(Boolean)
    .forEach((entry, i) => {
      // The key follows the last "=": base URLs may carry "=" in a query, keys do not.
      const eq = entry.lastIndexOf("=");
      if (eq <= 0 || eq === entry.length - 1) throw new EndpointKeysError(`entry ${i + 1} is not "<base url>=<key>"`);
      const url = normalize(entry.slice(0, eq));
      try {
        new URL(url);
      } catch {
        throw new EndpointKeysError(`entry ${i + 1} starts with "${url}", which is not a URL`);
      }
      keys.set(url, entry.slice(eq + 1).trim());
    });
  return keys;
}

/** The key configured for exactly this base URL, or the placeholder. */
export function endpointKeyFor(baseUrl: string, raw: string | undefined): string {
  return parseEndpointKeys(raw).get(normalize(baseUrl)) ?? NO_ENDPOINT_KEY;
}

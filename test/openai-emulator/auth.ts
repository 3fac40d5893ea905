import type { IncomingMessage } from "node:http";
import { EmulatorError } from "./errors";

// Bearer auth as OpenAI does it: a missing header and a wrong key are both 401, with OpenAI's wording
// (the real API echoes a masked form of the rejected key, never the key itself).

export type KeyPolicy = (key: string) => boolean;

/** Exact keys when given; otherwise any key starting with "sk-test-" (handy for tests and e2e). */
export function keyPolicy(apiKeys?: readonly string[]): KeyPolicy {
  if (apiKeys && apiKeys.length > 0) {
    const accepted = new Set(apiKeys);
    return (key) => accepted.has(key);
  }
  return (key) => key.startsWith("sk-test-") && key.length > "sk-test-".length;
}

/** OpenAI's style: the first few characters, stars, the last four. */
export function maskKeyLikeOpenAI(key: string): string {
  if (key.length <= 8) return "*".repeat(key.length);
  return `${key.slice(0, 3)}${"*".repeat(Math.min(key.length - 7, 40))}${key.slice(-4)}`;
}

export function authenticate(req: IncomingMessage, accepts: KeyPolicy): string {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) {
    throw new EmulatorError(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer " +
        "auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from " +
        "https://platform.openai.com/account/api-keys.",
    );
  }
  const key = match[1]!.trim();
  if (!accepts(key)) {
    throw new EmulatorError(
      401,
      `Incorrect API key provided: ${maskKeyLikeOpenAI(key)}. You can find your API key at ` +
        "https://platform.openai.com/account/api-keys.",
      "invalid_request_error",
      "invalid_api_key",
    );
  }
  return key;
}

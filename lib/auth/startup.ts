import { authRequired, type Env } from "../env";

/** Called by the start script before serving: beyond loopback, a password is mandatory. */
export function assertAuthConfigured(e: Env): void {
  if (authRequired(e) && !e.TUNEFORGE_PASSWORD) {
    throw new Error(
      `HOST=${e.HOST} is reachable from other machines, so tuneforge requires a sign-in password. ` +
        "Set TUNEFORGE_PASSWORD (at least 8 characters), or listen on loopback only with HOST=127.0.0.1.",
    );
  }
}

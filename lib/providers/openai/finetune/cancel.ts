import { APIError } from "openai";
import type OpenAI from "openai";
import type { RemoteJobState } from "../../types";
import { toRemoteJobState } from "./status";

// Cancel is idempotent for us: OpenAI answers 400 when the job already finished (or was cancelled), and
// a user clicking cancel twice, or a worker retrying after a lost response, must not turn into an error.

const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

export async function cancelJob(client: OpenAI, remoteJobId: string): Promise<RemoteJobState> {
  const before = await client.fineTuning.jobs.retrieve(remoteJobId);
  if (TERMINAL.has(String(before.status))) return toRemoteJobState(before);
  try {
    return toRemoteJobState(await client.fineTuning.jobs.cancel(remoteJobId));
  } catch (err) {
    // It may have finished between our retrieve and the cancel: report the state rather than fail.
    if (err instanceof APIError && err.status === 400) {
      const now = await client.fineTuning.jobs.retrieve(remoteJobId);
      if (TERMINAL.has(String(now.status))) return toRemoteJobState(now);
    }
    throw err;
  }
}

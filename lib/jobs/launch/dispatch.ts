import { checkLaunch } from "./check";
import { launchJob } from "./create";
import { checkLocalLaunch, launchLocalJob } from "./local";

// POST /api/jobs and /api/jobs/estimate take one body for every provider; "provider" picks the path.
const isLocal = (raw: unknown) => typeof raw === "object" && raw !== null && (raw as { provider?: unknown }).provider === "local";

export function launchAnyJob(raw: unknown) {
  return isLocal(raw) ? launchLocalJob(raw) : launchJob(raw);
}

export async function estimateAnyLaunch(raw: unknown) {
  return isLocal(raw) ? (await checkLocalLaunch(raw)).estimate : (await checkLaunch(raw)).estimate;
}

// One loop per job per process. The reconciler may re-enqueue a job whose BullMQ entry vanished (flushed
// Redis) while its loop still runs here; the second BullMQ job then joins the running loop instead of
// polling the same remote job twice and racing it on the cursor.

const running = new Map<string, Promise<unknown>>();

export function runExclusive<T>(jobId: string, run: () => Promise<T>): { joined: boolean; done: Promise<T> } {
  const current = running.get(jobId) as Promise<T> | undefined;
  if (current) return { joined: true, done: current };
  const done = run().finally(() => running.delete(jobId));
  running.set(jobId, done);
  return { joined: false, done };
}

export const isRunningHere = (jobId: string) => running.has(jobId);

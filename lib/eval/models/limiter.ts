// A counting semaphore: at most `limit` calls of `run` in flight; the rest wait in arrival order. The eval
// runner starts many samples at once and lets each model's limiter decide how many reach the provider.

export type Limiter = { run<T>(fn: () => Promise<T>): Promise<T>; readonly active: number };

export function createLimiter(limit: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    get active() {
      return active;
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      active += 1;
      try {
        return await fn();
      } finally {
        active -= 1;
        waiting.shift()?.();
      }
    },
  };
}

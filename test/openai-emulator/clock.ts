// The emulator's notion of "now". Real time by default (e2e, demos); a manual clock lets tests jump a
// fine-tuning job forward in milliseconds instead of waiting for it. Jobs and files are advanced lazily
// from this clock on every request, so no timers run and close() never has anything to cancel.

export type EmulatorClock = {
  readonly manual: boolean;
  now(): number;
  /** Manual clocks only: moves time forward by `ms`. */
  advance(ms: number): void;
};

export function realClock(): EmulatorClock {
  return {
    manual: false,
    now: () => Date.now(),
    advance: () => {
      throw new Error("advance() needs a manual clock: startOpenAIEmulator({ manualClock: true })");
    },
  };
}

export function manualClock(startMs = Date.UTC(2026, 0, 1)): EmulatorClock {
  let t = startMs;
  return {
    manual: true,
    now: () => t,
    advance: (ms) => {
      if (!(ms >= 0)) throw new Error(`advance(ms) needs ms >= 0, got ${ms}`);
      t += ms;
    },
  };
}

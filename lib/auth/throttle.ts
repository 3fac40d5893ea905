// Slows down password guessing: after `max` failed sign-ins within `windowMs`, further attempts are
// refused until the window moves on. Counted per process and globally (not per IP): client addresses are
// unreliable behind proxies, and locking the sign-in form for a minute does not affect existing sessions.

export class FailureThrottle {
  private failures: number[] = [];

  constructor(
    private readonly max = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until another attempt is allowed; 0 when allowed now. */
  retryAfterMs(): number {
    this.prune();
    if (this.failures.length < this.max) return 0;
    return this.failures[0]! + this.windowMs - this.now();
  }

  recordFailure(): void {
    this.prune();
    this.failures.push(this.now());
  }

  reset(): void {
    this.failures = [];
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    while (this.failures.length > 0 && this.failures[0]! <= cutoff) this.failures.shift();
  }
}

export const loginThrottle = new FailureThrottle();

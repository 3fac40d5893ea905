// OpenAI's self-serve fine-tuning stops taking new jobs on 2027-01-06 (reference section 0). The banner
// counts down from the real clock so it stays right without a deploy.

export const OPENAI_FT_SHUTDOWN = new Date("2027-01-06T00:00:00Z");

/** Whole days until the shutdown, rounded up; 0 on and after the day itself. */
export function daysUntilOpenAIShutdown(now: Date = new Date()): number {
  const ms = OPENAI_FT_SHUTDOWN.getTime() - now.getTime();
  return ms <= 0 ? 0 : Math.ceil(ms / 86_400_000);
}

// Switches tests flip on a running emulator (emulator.faults) or pass at start (options.faults). Counters
// count down once per request they affect, so "the next N requests" means exactly that.

export type EmulatorFaults = {
  /** Job creation answers OpenAI's 403 training_not_available (the fine-tuning wind-down). */
  trainingNotAvailable: boolean;
  /** The next N requests get 429 rate_limit_exceeded with a retry-after header. */
  rateLimitNext: number;
  /** Seconds sent in retry-after (the SDK honours 0–60 s). */
  retryAfterSeconds: number;
  /** The next N requests get 500 server_error. */
  serverErrorNext: number;
  /** The next N job creations create the job, then destroy the connection without answering. */
  dropJobCreateResponses: number;
  /** The next N uploaded files end in status "error" (with status_details) instead of "processed". */
  failFileProcessingNext: number;
  /** While on, uploaded files stay "uploaded", as a stuck file does; switching it off lets them finish. */
  stallFileProcessing: boolean;
};

export const noFaults = (): EmulatorFaults => ({
  trainingNotAvailable: false,
  rateLimitNext: 0,
  retryAfterSeconds: 1,
  serverErrorNext: 0,
  dropJobCreateResponses: 0,
  failFileProcessingNext: 0,
  stallFileProcessing: false,
});

/** One line per request the emulator saw, so tests can check the SDK's retries. */
export type RequestLogEntry = { method: string; path: string; status: number; retryCount: number };

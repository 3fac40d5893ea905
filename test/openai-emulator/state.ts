import { newChatControl, type ChatControl } from "./chat/control";
import { realClock, type EmulatorClock } from "./clock";
import type { StoredFile } from "./routes/files";
import type { JobRecord } from "./simulator";

// In-memory state of one emulator instance. Files and fine-tuning jobs hang off this object so every
// route sees the same world and tests can inspect or seed it.

export type EmulatedModel = { id: string; object: "model"; created: number; owned_by: string };

export type EmulatorState = {
  models: Map<string, EmulatedModel>;
  /** Organization id reported in `openai-organization` and on owned resources. */
  organization: string;
  files: Map<string, StoredFile>;
  jobs: Map<string, JobRecord>;
  clock: EmulatorClock;
  timing: SimulationTiming;
  /** Feeds ids; a counter keeps ids unique and their order stable. */
  seq: number;
  /** Scripted rules, latency and counters of chat completions. */
  chat: ChatControl;
};

/** How long each simulated phase lasts on the emulator's clock. */
export type SimulationTiming = {
  fileProcessingMs: number;
  validatingMs: number;
  queuedMs: number;
  stepMs: number;
};

export const DEFAULT_TIMING: SimulationTiming = { fileProcessingMs: 500, validatingMs: 2000, queuedMs: 2000, stepMs: 200 };

// Base models OpenAI has listed as fine-tunable, with their real `created` timestamps where known.
const DEFAULT_MODELS: ReadonlyArray<[id: string, created: number, ownedBy: string]> = [
  ["gpt-4.1-2025-04-14", 1744315746, "system"],
  ["gpt-4.1-mini-2025-04-14", 1744317547, "system"],
  ["gpt-4.1-nano-2025-04-14", 1744321025, "system"],
  ["gpt-4o-2024-08-06", 1722814719, "system"],
  ["gpt-4o-mini-2024-07-18", 1721172717, "system"],
  ["gpt-3.5-turbo-0125", 1706048358, "system"],
  ["babbage-002", 1692634615, "system"],
  ["davinci-002", 1692634301, "system"],
];

export function createState(
  opts: { models?: readonly string[]; organization?: string; clock?: EmulatorClock; timing?: Partial<SimulationTiming> } = {},
): EmulatorState {
  const models = new Map<string, EmulatedModel>();
  const entries = opts.models
    ? opts.models.map((id) => [id, 1700000000, "system"] as const)
    : DEFAULT_MODELS;
  for (const [id, created, owned_by] of entries) models.set(id, { id, object: "model", created, owned_by });
  return {
    models,
    organization: opts.organization ?? "org-tuneforge-emulator",
    files: new Map(),
    jobs: new Map(),
    clock: opts.clock ?? realClock(),
    timing: { ...DEFAULT_TIMING, ...opts.timing },
    seq: 0,
    chat: newChatControl(),
  };
}

/** An OpenAI-looking id ("file-…", "ftjob-…"): a counter in base 36 padded with a fixed tail, so it sorts. */
export function nextId(state: EmulatorState, prefix: string): string {
  state.seq += 1;
  return `${prefix}${state.seq.toString(36).padStart(6, "0")}Emu${(state.seq * 2654435761 % 4294967296).toString(36)}`;
}

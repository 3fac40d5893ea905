// In-memory state of one emulator instance. Resources added later (files, fine-tuning jobs) hang off
// this object so every route sees the same world and tests can inspect or seed it.

export type EmulatedModel = { id: string; object: "model"; created: number; owned_by: string };

export type EmulatorState = {
  models: Map<string, EmulatedModel>;
  /** Organization id reported in `openai-organization` and on owned resources. */
  organization: string;
};

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

export function createState(opts: { models?: readonly string[]; organization?: string } = {}): EmulatorState {
  const models = new Map<string, EmulatedModel>();
  const entries = opts.models
    ? opts.models.map((id) => [id, 1700000000, "system"] as const)
    : DEFAULT_MODELS;
  for (const [id, created, owned_by] of entries) models.set(id, { id, object: "model", created, owned_by });
  return { models, organization: opts.organization ?? "org-tuneforge-emulator" };
}

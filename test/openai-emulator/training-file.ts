// A basic version of OpenAI's training-file check. The upload itself always succeeds; problems surface
// later as the job's `error` (status "failed"), with the codes and wording OpenAI uses.

export type TrainingFileCheck = {
  format: "chat" | "dpo" | "unknown";
  examples: number;
  /** Rough token count (4 characters a token), used for trained_tokens. */
  tokens: number;
  /** First problem found, phrased like OpenAI's "Invalid file format. Example N, …" detail. */
  problem: string | null;
};

const CHAT_ROLES = new Set(["system", "user", "assistant", "tool", "function"]);

export function checkTrainingFile(content: Buffer): TrainingFileCheck {
  const lines = content.toString("utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
  let format: TrainingFileCheck["format"] = "unknown";
  let problem: string | null = null;
  lines.forEach((line, i) => {
    if (problem) return;
    const n = i + 1;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      problem = `Invalid file format. Line ${n}, not valid JSON`;
      return;
    }
    const r = (row ?? {}) as Record<string, unknown>;
    const kind = Array.isArray(r.messages) ? "chat" : r.input && r.preferred_output ? "dpo" : "unknown";
    if (format === "unknown") format = kind;
    if (kind === "unknown") {
      problem = `Invalid file format. Example ${n}, missing 'messages'`;
      return;
    }
    const messages = kind === "chat" ? (r.messages as unknown[]) : ((r.input as { messages?: unknown[] }).messages ?? []);
    if (kind === "chat" && messages.length === 0) problem = `Invalid file format. Example ${n}, 'messages' is empty`;
    messages.forEach((msg, j) => {
      const role = (msg as { role?: unknown } | null)?.role;
      if (problem) return;
      if (role === undefined) problem = `Invalid file format. Example ${n}, message ${j + 1} Discriminator 'role' is missing in value`;
      else if (typeof role !== "string" || !CHAT_ROLES.has(role)) problem = `Invalid file format. Example ${n}, message ${j + 1} has an unsupported role '${String(role)}'`;
    });
  });
  const tokens = lines.reduce((sum, l) => sum + Math.ceil(l.length / 4), 0);
  return { format, examples: lines.length, tokens, problem };
}

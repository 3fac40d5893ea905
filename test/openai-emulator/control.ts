import type { IncomingMessage } from "node:http";
import { readJson } from "./body";
import type { EmulatorClock } from "./clock";
import { applyChatControl, newChatControl } from "./chat/control";
import { EmulatorError } from "./errors";
import { noFaults, type EmulatorFaults } from "./faults";
import type { EmulatorState, SimulationTiming } from "./state";

// Loopback-only switches under /_emulator/ so e2e specs, demos and a shell can steer a running emulator
// without importing it: flip faults, change phase lengths, move a manual clock, and read what it holds.
//   GET  /_emulator/state                 clock, timing, faults, files and jobs (ids, statuses, progress)
//   POST /_emulator/faults  {…EmulatorFaults} merge switches (unknown keys and wrong types are a 400)
//   POST /_emulator/faults/reset           every switch off
//   POST /_emulator/timing  {stepMs?, fileProcessingMs?, validatingMs?, queuedMs?}
//   POST /_emulator/advance {ms}           manual clock only
//   GET  /_emulator/chat                  chat rules, latency and answered completions per model
//   POST /_emulator/chat {rules?, latencyMs?, streamGapMs?, resetCounts?}  script chat completions (chat/control.ts)
//   POST /_emulator/chat/reset             no rules, default latency, counters at zero
// They are not OpenAI endpoints, need no API key, and are left out of emulator.requests.

export const CONTROL_PREFIX = "/_emulator/";

export type ControlTarget = { state: EmulatorState; faults: EmulatorFaults; clock: EmulatorClock; advance(ms: number): void };

export function isLoopback(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? "";
  return a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}

export async function handleControl(req: IncomingMessage, path: string, target: ControlTarget): Promise<unknown> {
  if (!isLoopback(req)) throw new EmulatorError(403, "The /_emulator/ control endpoints answer loopback clients only.");
  const route = `${req.method ?? "GET"} ${path.replace(/\/+$/, "")}`;
  switch (route) {
    case "GET /_emulator/state":
      return snapshot(target);
    case "POST /_emulator/faults":
      Object.assign(target.faults, parseFaults(await readJson(req)));
      return { faults: target.faults };
    case "POST /_emulator/faults/reset":
      Object.assign(target.faults, noFaults());
      return { faults: target.faults };
    case "POST /_emulator/timing":
      Object.assign(target.state.timing, parseTiming(await readJson(req)));
      return { timing: target.state.timing };
    case "POST /_emulator/advance": {
      const { ms } = await readJson(req);
      if (!target.clock.manual) throw new EmulatorError(400, "advance needs a manual clock: start the emulator with --manual-clock.", "invalid_request_error", null, "ms");
      if (typeof ms !== "number" || !(ms >= 0)) throw new EmulatorError(400, "'ms' must be a number >= 0.", "invalid_request_error", null, "ms");
      target.advance(ms);
      return { now: target.clock.now() };
    }
    case "GET /_emulator/chat":
      return { chat: target.state.chat };
    case "POST /_emulator/chat":
      return { chat: applyChatControl(target.state.chat, await readJson(req)) };
    case "POST /_emulator/chat/reset":
      target.state.chat = newChatControl();
      return { chat: target.state.chat };
    default:
      throw new EmulatorError(404, `Unknown control endpoint ${route}. Try GET /_emulator/state, POST /_emulator/faults, /faults/reset, /timing, /advance or /chat.`);
  }
}

function snapshot(t: ControlTarget) {
  return {
    clock: { manual: t.clock.manual, now: t.clock.now() },
    timing: t.state.timing,
    faults: t.faults,
    chat: t.state.chat,
    files: [...t.state.files.values()].map(({ file }) => ({ id: file.id, filename: file.filename, purpose: file.purpose, status: file.status, bytes: file.bytes })),
    jobs: [...t.state.jobs.values()].map((r) => ({
      id: r.job.id,
      status: r.job.status,
      model: r.job.model,
      fine_tuned_model: r.job.fine_tuned_model,
      metadata: r.job.metadata,
      steps_done: r.stepsDone,
      total_steps: r.totalSteps,
    })),
  };
}

const bad = (field: string, rule: string) => new EmulatorError(400, `'${field}' ${rule}.`, "invalid_request_error", "invalid_value", field);

/** A partial EmulatorFaults from a JSON body: each key must be a known switch of the right type. */
export function parseFaults(body: Record<string, unknown>): Partial<EmulatorFaults> {
  const template = noFaults() as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!(key in template)) throw bad(key, `is not a fault switch; known: ${Object.keys(template).join(", ")}`);
    if (typeof template[key] === "boolean") {
      if (typeof value !== "boolean") throw bad(key, "must be true or false");
    } else if (typeof value !== "number" || !(value >= 0)) {
      throw bad(key, "must be a number >= 0");
    }
    out[key] = value;
  }
  return out as Partial<EmulatorFaults>;
}

export function parseTiming(body: Record<string, unknown>): Partial<SimulationTiming> {
  const known = ["stepMs", "fileProcessingMs", "validatingMs", "queuedMs"];
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!known.includes(key)) throw bad(key, `is not a timing field; known: ${known.join(", ")}`);
    if (typeof value !== "number" || !(value >= 0) || (key === "stepMs" && value === 0)) throw bad(key, key === "stepMs" ? "must be a number > 0" : "must be a number >= 0");
    out[key] = value;
  }
  return out as Partial<SimulationTiming>;
}

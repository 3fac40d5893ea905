import { parseArgs } from "node:util";
import type { EmulatorFaults } from "./faults";
import type { OpenAIEmulatorOptions } from "./server";
import type { SimulationTiming } from "./state";

// Flags of `npx tsx test/openai-emulator/main.ts`, parsed into startOpenAIEmulator options. A bad value is
// an error naming the flag and what it takes.

export const EMULATOR_USAGE = `Usage: npx tsx test/openai-emulator/main.ts [options]
  --port N                        listen port (default 3199; 0 = any free port)
  --host H                        listen address (default 127.0.0.1)
  --api-key KEY                   accept exactly this key (repeatable); default: any "sk-test-…" key
  --manual-clock                  time moves only via POST /_emulator/advance {ms}
  --step-ms N                     one training step lasts N ms (default 200)
  --file-processing-ms N          uploaded files become "processed" after N ms (default 500)
  --validating-ms N               jobs validate their files for N ms (default 2000)
  --queued-ms N                   jobs wait in the queue for N ms (default 2000)
  --training-not-available        job creation answers OpenAI's 403 training_not_available
  --rate-limit-next N             the next N requests get 429 with retry-after
  --retry-after-seconds S         retry-after sent with those 429s (default 1)
  --server-error-next N           the next N requests get 500
  --drop-job-create-responses N   the next N job creations succeed but the connection is dropped
  --fail-file-processing-next N   the next N uploads end in status "error"
  --stall-file-processing         uploads stay "uploaded" until switched off (POST /_emulator/faults)
  --chat-latency-ms N             each chat completion answers after N ms (default 2)
Switches can be flipped later: POST /_emulator/faults, /_emulator/timing, /_emulator/chat; GET /_emulator/state.`;

export function parseEmulatorArgs(argv: string[]): OpenAIEmulatorOptions & { port: number; host: string } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: "string", default: "3199" },
      host: { type: "string", default: "127.0.0.1" },
      "api-key": { type: "string", multiple: true },
      "manual-clock": { type: "boolean" },
      "step-ms": { type: "string" },
      "file-processing-ms": { type: "string" },
      "validating-ms": { type: "string" },
      "queued-ms": { type: "string" },
      "training-not-available": { type: "boolean" },
      "rate-limit-next": { type: "string" },
      "retry-after-seconds": { type: "string" },
      "server-error-next": { type: "string" },
      "drop-job-create-responses": { type: "string" },
      "fail-file-processing-next": { type: "string" },
      "stall-file-processing": { type: "boolean" },
      "chat-latency-ms": { type: "string" },
    },
  });
  const num = (flag: keyof typeof values, opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    const min = opts.min ?? 0;
    if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(n) || n < min || (opts.max !== undefined && n > opts.max) || (opts.integer && !Number.isInteger(n))) {
      const range = `${opts.integer ? "an integer" : "a number"} >= ${min}${opts.max !== undefined ? ` and <= ${opts.max}` : ""}`;
      throw new Error(`--${flag} must be ${range}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const timing: Partial<SimulationTiming> = {};
  const faults: Partial<EmulatorFaults> = {};
  const set = <T extends object, K extends keyof T>(o: T, key: K, v: T[K] | undefined) => {
    if (v !== undefined) o[key] = v;
  };
  set(timing, "stepMs", num("step-ms", { min: 1 }));
  set(timing, "fileProcessingMs", num("file-processing-ms"));
  set(timing, "validatingMs", num("validating-ms"));
  set(timing, "queuedMs", num("queued-ms"));
  set(faults, "trainingNotAvailable", values["training-not-available"]);
  set(faults, "rateLimitNext", num("rate-limit-next", { integer: true }));
  set(faults, "retryAfterSeconds", num("retry-after-seconds", { max: 60 }));
  set(faults, "serverErrorNext", num("server-error-next", { integer: true }));
  set(faults, "dropJobCreateResponses", num("drop-job-create-responses", { integer: true }));
  set(faults, "failFileProcessingNext", num("fail-file-processing-next", { integer: true }));
  set(faults, "stallFileProcessing", values["stall-file-processing"]);
  return {
    port: num("port", { integer: true, max: 65535 })!,
    host: values.host!,
    apiKeys: values["api-key"],
    manualClock: values["manual-clock"] ?? false,
    timing,
    faults,
    ...(values["chat-latency-ms"] !== undefined && { chatLatencyMs: num("chat-latency-ms") }),
  };
}

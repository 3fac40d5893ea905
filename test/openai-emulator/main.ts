import { EMULATOR_USAGE, parseEmulatorArgs } from "./cli-args";
import { startOpenAIEmulator } from "./server";

// CLI: `npx tsx test/openai-emulator/main.ts --port 3199 [--step-ms 100] [--training-not-available] …`
// (--help lists every flag). Used by e2e and for offline demos; point OPENAI_BASE_URL (or the Settings base
// URL) at the printed URL. Faults and timing can be changed while it runs through /_emulator/ (loopback).

if (process.argv.includes("--help")) {
  console.log(EMULATOR_USAGE);
  process.exit(0);
}

let options;
try {
  options = parseEmulatorArgs(process.argv.slice(2));
} catch (err) {
  console.error(`${(err as Error).message}\n\n${EMULATOR_USAGE}`);
  process.exit(2);
}

const emulator = await startOpenAIEmulator(options);
const keys = options.apiKeys?.length ? `${options.apiKeys.length} configured key(s)` : 'any key starting with "sk-test-"';
const control = emulator.url.replace(/\/v1$/, "/_emulator/state");
console.log(`OpenAI emulator listening on ${emulator.url} (accepts ${keys}); timing ${JSON.stringify(emulator.state.timing)}; control: ${control}`);

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error("[openai-emulator] close failed:", err);
        process.exit(1);
      },
    );
  });
}

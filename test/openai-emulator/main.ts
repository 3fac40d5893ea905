import { parseArgs } from "node:util";
import { startOpenAIEmulator } from "./server";

// CLI: `npx tsx test/openai-emulator/main.ts --port 3199 [--api-key sk-...]... [--host 127.0.0.1]`
// Used by e2e and for offline demos; point OPENAI_BASE_URL (or the Settings base URL) at the printed URL.

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3199" },
    host: { type: "string", default: "127.0.0.1" },
    "api-key": { type: "string", multiple: true },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer 0..65535, got ${values.port}`);
  process.exit(2);
}

const emulator = await startOpenAIEmulator({ port, host: values.host, apiKeys: values["api-key"] });
const keys = values["api-key"]?.length ? `${values["api-key"].length} configured key(s)` : 'any key starting with "sk-test-"';
console.log(`OpenAI emulator listening on ${emulator.url} (accepts ${keys})`);

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

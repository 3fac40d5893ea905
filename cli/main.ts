import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseCommandLine, UsageError } from "./args";
import type { CliContext } from "./command";
import { findCommand, helpText } from "./registry";

// `tuneforge` entry (bin/tuneforge.mjs loads it through tsx): dispatches to one file per command under
// cli/commands/. Exit codes: command's own (0/1), 2 for wrong usage.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function version(): string {
  return (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
}

export async function main(argv: string[], ctx: CliContext): Promise<number> {
  try {
    const line = parseCommandLine(argv);
    if (line.kind === "version") {
      ctx.out(`${version()}\n`);
      return 0;
    }
    if (line.kind === "help") {
      if (!line.command) {
        ctx.out(helpText(version()));
        return 0;
      }
      const cmd = findCommand(line.command);
      if (!cmd) throw new UsageError(`Unknown command "${line.command}". Run \`tuneforge --help\` for the list.`);
      ctx.out(cmd.usage);
      return 0;
    }
    const cmd = findCommand(line.command);
    if (!cmd) throw new UsageError(`Unknown command "${line.command}". Run \`tuneforge --help\` for the list.`);
    return await cmd.run(line.args, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.err(`tuneforge: ${err.message}\n`);
      return 2;
    }
    ctx.err(`tuneforge: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2), {
  root,
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});
// Exit explicitly: a connection that timed out (a silent database host) may still hold the event loop.
// Flush stdout first so piped JSON is complete.
process.stdout.write("", () => process.exit(code));

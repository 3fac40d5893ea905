import { parseArgs, type ParseArgsConfig } from "node:util";

// Argument parsing for the `tuneforge` CLI: a global layer (command name, --help, --version) and a
// per-command layer on node:util's parseArgs, with errors a user can act on.

/** Wrong usage: printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export type CommandLine =
  | { kind: "help"; command?: string }
  | { kind: "version" }
  | { kind: "run"; command: string; args: string[] };

/**
 * `tuneforge [--help|-h] [--version|-v] <command> [args…]`, plus `tuneforge help [command]`.
 * Global flags count only before the command; after it they belong to the command.
 */
export function parseCommandLine(argv: string[]): CommandLine {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return { kind: "help" };
  if (first === "--version" || first === "-v") return { kind: "version" };
  if (first === "help") return rest[0] ? { kind: "help", command: rest[0] } : { kind: "help" };
  if (first.startsWith("-")) throw new UsageError(`Unknown option "${first}". Run \`tuneforge --help\` for usage.`);
  if (rest.includes("--help") || rest.includes("-h")) return { kind: "help", command: first };
  return { kind: "run", command: first, args: rest };
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses a command's own options; unknown options and stray positionals become UsageErrors. */
export function parseCommandOptions<O extends Options>(command: string, args: string[], options: O, opts: { positionals?: boolean } = {}) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: opts.positionals ?? false });
  } catch (err) {
    // parseArgs says e.g. "Unknown option '--jsn'"; add which command and where to look.
    const message = (err as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/, "");
    throw new UsageError(`${command}: ${message}. Run \`tuneforge ${command} --help\` for usage.`);
  }
}

/** A flag that takes a whole number in [min, max]; undefined when absent; `command` prefixes the usage error. */
export function wholeNumberFlag(command: string, flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`${command}: ${flag} must be a whole number from ${min} to ${max}, got "${raw}".`);
  }
  return Number(raw);
}

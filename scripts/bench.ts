import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchCommand } from "../cli/commands/bench";

// `npm run bench -- trainer [options]` (or `npm run bench trainer`): the CLI's `tuneforge bench`, kept as an
// npm script so benches stay out of `npm test`.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
try {
  process.exitCode = await benchCommand.run(args.length ? args : ["trainer"], {
    root,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exitCode = 1;
}

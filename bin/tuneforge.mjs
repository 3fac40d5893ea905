#!/usr/bin/env node
// The `tuneforge` command (package.json "bin"). The CLI is TypeScript (cli/main.ts); this launcher
// registers tsx's loader in-process and imports it. Paths are resolved from this file, so it works from
// any cwd, through npx, and through node_modules/.bin symlinks (Node resolves them to this file).
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

let register;
try {
  ({ register } = await import("tsx/esm/api"));
} catch {
  process.stderr.write(`tuneforge: dependencies are not installed in ${root}; run \`npm install\` there first.\n`);
  process.exit(1);
}

// The project's tsconfig (path aliases) applies wherever the command is run from.
const tsconfig = fileURLToPath(new URL("../tsconfig.json", import.meta.url));
register({ tsconfig: existsSync(tsconfig) ? tsconfig : false });
await import(pathToFileURL(fileURLToPath(new URL("../cli/main.ts", import.meta.url))).href);

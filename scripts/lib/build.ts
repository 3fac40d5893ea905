import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { NATIVE_ADDON_RELATIVE_PATH } from "../../lib/health/native";
import { LinePrefixer, formatPrefix } from "./supervisor";
import { useColor, type Color, type Logger } from "./log";

// "Build what is stale": each build step names its inputs; we hash them and compare with a stamp the step
// wrote after its last successful build. Unchanged inputs (and outputs still present) mean no rebuild,
// which is what keeps a second `npm start` fast.

export type BuildStep = {
  name: string;
  /** Files and directories (relative to the repo root) whose content determines the output. */
  inputs: string[];
  /** Written after a successful build; holds the input hash. */
  stampFile: string;
  /** The output the stamp vouches for; missing output means stale whatever the stamp says. */
  outputMarker: string;
  /** Inputs the build itself rewrites (Next adds its entries to tsconfig.json); see stampHash. */
  selfEdited: string[];
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Not a file but part of what the output depends on (the native addon: Node's ABI); hashed with the inputs. */
  salt?: string;
  /**
   * Set for a step the app can run without: a failed build is reported with this consequence and the
   * remaining steps go on (no stamp is written, so the next start tries again).
   */
  optional?: string;
};

/** Test files never end up in a build's output, so editing them must not trigger a rebuild. */
const IGNORED_FILE = /\.(int\.)?test\.tsx?$|(^|\/)\.DS_Store$/;
const IGNORED_DIR = new Set(["node_modules", ".next", ".git"]);

function listFiles(root: string, rel: string, out: string[]): void {
  const abs = path.join(root, rel);
  const stat = fs.statSync(abs, { throwIfNoEntry: false });
  if (!stat) return;
  if (stat.isFile()) {
    if (!IGNORED_FILE.test(rel)) out.push(rel);
    return;
  }
  if (!stat.isDirectory()) return;
  for (const entry of fs.readdirSync(abs)) {
    if (IGNORED_DIR.has(entry)) continue;
    listFiles(root, path.posix.join(rel, entry), out);
  }
}

/** sha256 of each input file, by relative path (missing inputs are skipped). */
export function hashFiles(root: string, inputs: string[]): Map<string, string> {
  const files: string[] = [];
  for (const input of inputs) listFiles(root, input, files);
  return new Map(files.map((rel) => [rel, createHash("sha256").update(fs.readFileSync(path.join(root, rel))).digest("hex")]));
}

/** One hash over the sorted paths and per-file hashes: any added, removed, renamed or edited file changes it. */
export function combineHashes(files: Map<string, string>): string {
  const hash = createHash("sha256");
  for (const rel of [...files.keys()].sort()) hash.update(`${rel}\0${files.get(rel)}\n`);
  return hash.digest("hex");
}

export function hashInputs(root: string, inputs: string[]): string {
  return combineHashes(hashFiles(root, inputs));
}

/** Paths whose hash differs between two snapshots (added, removed or changed). */
export function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

export type Staleness = { stale: boolean; hash: string; files: Map<string, string>; why: string };

/** The per-file hashes of a step's inputs, plus its salt as a pseudo-file so every hash comparison sees it. */
function stepFiles(root: string, step: BuildStep): Map<string, string> {
  const files = hashFiles(root, step.inputs);
  if (step.salt) files.set("\0salt", createHash("sha256").update(step.salt).digest("hex"));
  return files;
}

export function checkStep(root: string, step: BuildStep): Staleness {
  const files = stepFiles(root, step);
  const hash = combineHashes(files);
  if (!fs.existsSync(path.join(root, step.outputMarker))) return { stale: true, hash, files, why: "no previous build" };
  const stampPath = path.join(root, step.stampFile);
  const stamp = fs.existsSync(stampPath) ? fs.readFileSync(stampPath, "utf8").trim() : "";
  if (stamp !== hash) return { stale: true, hash, files, why: stamp ? "inputs changed" : "no build stamp" };
  return { stale: false, hash, files, why: "up to date" };
}

/** The Next.js production build. */
export function nextBuildStep(root: string, baseEnv: NodeJS.ProcessEnv): BuildStep {
  return {
    name: "next",
    inputs: ["app", "components", "lib", "public", "next.config.ts", "tsconfig.json", "package.json", "package-lock.json", "prisma/schema.prisma"],
    stampFile: ".next/tuneforge-build.sha256",
    outputMarker: ".next/BUILD_ID",
    selfEdited: ["tsconfig.json"],
    command: process.execPath,
    args: [path.join(root, "node_modules/next/dist/bin/next"), "build"],
    // NODE_ENV=production is what `next build` expects; telemetry would only try to reach the internet.
    env: { ...baseEnv, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  };
}

/**
 * The native trainer addon (node-gyp, see native/tools/build-addon.mjs). Optional: without it the dashboard
 * runs and health reports local training as unavailable. Tests are not inputs (they are not in the addon);
 * Node's version and ABI are, because an addon built for another Node fails to load.
 */
export function nativeBuildStep(root: string, baseEnv: NodeJS.ProcessEnv): BuildStep {
  return {
    name: "native",
    inputs: ["native/src", "native/cuda", "native/CMakeLists.txt", "native/binding.gyp", "native/tools/sources.mjs", "native/tools/build-addon.mjs", "native/tools/cuda-choice.mjs", "native/tools/cuda-link.mjs", "node_modules/node-addon-api/package.json"],
    stampFile: "native/build/tuneforge-native.sha256",
    outputMarker: NATIVE_ADDON_RELATIVE_PATH,
    selfEdited: [],
    command: process.execPath,
    args: [path.join(root, "native/tools/build-addon.mjs")],
    env: baseEnv,
    salt: `node ${process.version} abi ${process.versions.modules} napi ${process.versions.napi} ${process.platform}-${process.arch}`,
    optional: "local training is disabled until it builds (retry with `npm run native:build`)",
  };
}

/** Every build step, in order. This list is the single place where build steps are registered. */
export function buildSteps(root: string, baseEnv: NodeJS.ProcessEnv): BuildStep[] {
  return [nextBuildStep(root, baseEnv), nativeBuildStep(root, baseEnv)];
}

/**
 * The hash to record after a build. Normally the one taken before it: if someone edited an input while the
 * build ran, the next start must rebuild. But when the only files that changed are ones the build rewrites
 * itself, the output matches the files as they are now, and recording the old hash would rebuild forever.
 */
export function stampHash(step: Pick<BuildStep, "selfEdited">, before: Map<string, string>, after: Map<string, string>): string {
  const changed = changedFiles(before, after);
  const onlySelfEdits = changed.length > 0 && changed.every((f) => step.selfEdited.includes(f));
  return combineHashes(onlySelfEdits ? after : before);
}

/** How a build's child runs: at a lower CPU priority (`nice -n`), and where its output goes. */
export type RunOptions = {
  /** 1–19: the build runs under `nice -n <nice>`, so it only takes CPU time nothing else wants. */
  nice?: number;
  /** Receives the build's output, prefixed line by line; default stdout (and stderr for its stderr). */
  output?: (text: string) => void;
};

function runStep(root: string, step: BuildStep, color: Color, opts: RunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const prefix = formatPrefix("build", 9, color, useColor);
    const out = new LinePrefixer(prefix, opts.output ?? ((t) => process.stdout.write(t)));
    const err = new LinePrefixer(prefix, opts.output ?? ((t) => process.stderr.write(t)));
    const [command, args] = opts.nice ? ["nice", ["-n", String(opts.nice), step.command, ...step.args]] : [step.command, step.args];
    const child = spawn(command, args, { cwd: root, env: step.env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.setEncoding("utf8").on("data", (c: string) => out.push(c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => err.push(c));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      out.flush();
      err.flush();
      if (code === 0) resolve();
      else reject(new Error(`${step.name} build failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/**
 * Runs every stale step (or only the steps named in `only`); returns the names of the steps it built.
 * Throws when a required build fails; an optional step's failure is logged and the others go on.
 */
export async function buildStale(opts: {
  root: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  force?: boolean;
  only?: string[];
  /** Defaults to buildSteps(); tests pass their own. */
  steps?: BuildStep[];
} & RunOptions): Promise<string[]> {
  const built: string[] = [];
  for (const step of opts.steps ?? buildSteps(opts.root, opts.env)) {
    if (opts.only && !opts.only.includes(step.name)) continue;
    const state = checkStep(opts.root, step);
    if (!state.stale && !opts.force) {
      opts.log.info(`${step.name} build is up to date`);
      continue;
    }
    opts.log.info(`building ${step.name} (${opts.force ? "forced" : state.why})…`);
    const started = Date.now();
    try {
      await runStep(opts.root, step, "gray", { nice: opts.nice, output: opts.output });
    } catch (err) {
      if (!step.optional) throw err;
      opts.log.warn(`${(err as Error).message}; ${step.optional}`);
      continue;
    }
    fs.mkdirSync(path.dirname(path.join(opts.root, step.stampFile)), { recursive: true });
    fs.writeFileSync(path.join(opts.root, step.stampFile), `${stampHash(step, state.files, stepFiles(opts.root, step))}\n`);
    opts.log.info(`${step.name} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    built.push(step.name);
  }
  return built;
}

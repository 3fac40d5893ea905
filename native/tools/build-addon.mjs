// `npm run native:build`: builds native/build/Release/tuneforge_native.node with node-gyp, offline. node-gyp
// downloads Node's headers unless it is given a nodedir that has them, so we always pass one: npm's nodedir
// setting when present, otherwise the headers next to this node (or /usr/include/node on Debian).
// `configure` + `build` rather than `rebuild`: rebuild's clean step would delete native/build/cmake too.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const nativeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = path.resolve(nativeDir, "..");

function fail(message) {
  console.error(`native:build: ${message}`);
  process.exit(1);
}

function hasHeaders(prefix) {
  return fs.existsSync(path.join(prefix, "include", "node", "node_api.h"));
}

function findNodedir() {
  const configured = process.env.npm_config_nodedir;
  if (configured) {
    if (!hasHeaders(configured)) fail(`npm's nodedir is ${configured} but ${configured}/include/node/node_api.h is missing`);
    return configured;
  }
  const candidates = [path.resolve(path.dirname(process.execPath), ".."), "/usr", "/usr/local"];
  const found = candidates.find(hasHeaders);
  if (!found) {
    fail(
      `no Node headers found (looked for include/node/node_api.h under ${candidates.join(", ")}). ` +
        "Install them (Debian: apt-get install libnode-dev, or use an official Node tarball, which ships them) " +
        "or set `npm config set nodedir <prefix>`.",
    );
  }
  return found;
}

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(repoRoot, "node_modules", "node-gyp", "bin", "node-gyp.js"),
    path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) fail(`node-gyp not found (looked at ${candidates.join(", ")}); it ships with npm, so reinstall npm or run through \`npm run native:build\``);
  return found;
}

if (!fs.existsSync(path.join(repoRoot, "node_modules", "node-addon-api"))) {
  fail("node_modules/node-addon-api is missing; run `npm ci` first");
}
const bindingDir = path.join(nativeDir, "src", "binding");
if (!fs.existsSync(bindingDir) || !fs.readdirSync(bindingDir).some((f) => f.endsWith(".cc"))) {
  fail("native/src/binding has no .cc file, so there is no addon entry point to build");
}

const nodedir = findNodedir();
const nodeGyp = findNodeGyp();
const jobs = String(Math.max(1, Math.min(os.cpus().length, Number(process.env.TF_BUILD_JOBS) || os.cpus().length)));
const started = Date.now();
const r = spawnSync(process.execPath, [nodeGyp, "configure", "build", `--nodedir=${nodedir}`, `--jobs=${jobs}`, "--release"], {
  cwd: nativeDir,
  stdio: "inherit",
});
if (r.error) fail(`cannot run node-gyp: ${r.error.message}`);
if (r.status !== 0) fail(`node-gyp failed (exit code ${r.status ?? r.signal}); the compiler output above says why`);
const out = path.join(nativeDir, "build", "Release", "tuneforge_native.node");
if (!fs.existsSync(out)) fail(`node-gyp succeeded but ${out} is missing`);
console.log(`native:build: ${path.relative(repoRoot, out)} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);

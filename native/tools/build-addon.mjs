// `npm run native:build`: builds native/build/Release/tuneforge_native.node with node-gyp, offline. node-gyp
// downloads Node's headers unless it is given a nodedir that has them, so we always pass one: npm's nodedir
// setting when present, otherwise the headers next to this node (or /usr/include/node on Debian).
// `configure` + `build` rather than `rebuild`: rebuild's clean step would delete native/build/cmake too.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cudaChoice } from "./cuda-choice.mjs";
import { CUDA_LINK_FILE } from "./cuda-link.mjs";

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

// nvcc on PATH, in $CUDACXX, or at the toolkit's usual place (often installed without being on PATH).
function findNvcc() {
  const candidates = [process.env.CUDACXX, "/usr/local/cuda/bin/nvcc"].filter(Boolean);
  const onPath = spawnSync("sh", ["-c", "command -v nvcc"], { encoding: "utf8" });
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

// With nvcc (and TF_CUDA not 0), CMake builds native/cuda and the core (src/ without the binding) into static
// libraries in native/build/cmake (the same tree `npm run test:native` uses, so nothing compiles twice) and
// cuda-link.json tells binding.gyp to link them and compile only src/binding/. Without CUDA, node-gyp compiles all
// of src/ itself, so a machine with a C++ compiler but no CMake still builds the CPU-only addon.
// TF_CUDA=1 makes a missing nvcc or a failed CUDA build an error instead of a CPU-only addon (cuda-choice.mjs).
function buildCuda() {
  fs.rmSync(CUDA_LINK_FILE, { force: true });
  const nvcc = findNvcc();
  const choice = cudaChoice({ env: process.env, nvccPath: nvcc });
  if (choice.error) fail(choice.error);
  console.log(`native:build: ${choice.reason}`);
  if (!choice.build) return;
  const buildDir = path.join(nativeDir, "build", "cmake");
  const env = { ...process.env, CUDACXX: nvcc };
  const step = (args) => spawnSync("cmake", args, { stdio: "inherit", env });
  const t0 = Date.now();
  const ok =
    step(["-S", nativeDir, "-B", buildDir, "-DCMAKE_BUILD_TYPE=Release"]).status === 0 &&
    step(["--build", buildDir, "-j", jobs, "--target", "tf_core", "tf_cuda", "tf_cuda_host"]).status === 0;
  const libCore = path.join(buildDir, "libtf_core.a");
  const libCuda = path.join(buildDir, "libtf_cuda.a");
  const libHost = path.join(buildDir, "libtf_cuda_host.a");
  if (!ok || !fs.existsSync(libCuda) || !fs.existsSync(libCore)) {
    const missing = [libCuda, libCore].find((lib) => !fs.existsSync(lib));
    const why = !ok ? "the CMake build of native/cuda failed (output above)" : `${missing} is missing (CMake did not build it: see its CUDA message above)`;
    if (choice.required) fail(`TF_CUDA=1 but ${why}`);
    console.warn(`native:build: ${why}; building the CPU-only addon`);
    return;
  }
  const cudaLib = [path.join(path.dirname(path.dirname(fs.realpathSync(nvcc))), "lib64"), "/usr/local/cuda/lib64"].find((d) =>
    fs.existsSync(path.join(d, "libcudart_static.a")),
  );
  if (!cudaLib) fail(`built tf_cuda but found no libcudart_static.a next to ${nvcc}`);
  // The core and tf_cuda need each other (Session picks the CUDA backend; the CUDA model calls the core), so the
  // archives are one link group. gyp puts `libraries` after its own group of the addon's objects.
  const libraries = ["-Wl,--start-group", libCore, libCuda, libHost, "-Wl,--end-group", `-L${cudaLib}`, "-lcudart_static", "-ldl", "-lrt", "-lpthread"];
  fs.writeFileSync(CUDA_LINK_FILE, JSON.stringify({ nvcc, libraries }, null, 2) + "\n");
  // node-gyp's make does not know the addon depends on these libraries: after a change to native/cuda or the core
  // only it would keep the addon linked against the old code. An addon older than any library is removed so it
  // relinks.
  // The link's output is obj.target/tuneforge_native.node, which make then copies to Release/.
  const linked = path.join(nativeDir, "build", "Release", "obj.target", "tuneforge_native.node");
  if (fs.existsSync(linked) && [libCore, libCuda, libHost].some((lib) => fs.statSync(lib).mtimeMs > fs.statSync(linked).mtimeMs)) {
    fs.rmSync(linked);
    fs.rmSync(path.join(nativeDir, "build", "Release", "tuneforge_native.node"), { force: true });
    console.log("native:build: CMake's libraries changed; relinking the addon");
  }
  console.log(`native:build: CUDA kernels and the core built with ${nvcc} and CMake in ${((Date.now() - t0) / 1000).toFixed(1)} s; the addon links them`);
}

const nodedir = findNodedir();
const nodeGyp = findNodeGyp();
const jobs = String(Math.max(1, Math.min(os.cpus().length, Number(process.env.TF_BUILD_JOBS) || os.cpus().length)));
const started = Date.now();
buildCuda();
const r = spawnSync(process.execPath, [nodeGyp, "configure", "build", `--nodedir=${nodedir}`, `--jobs=${jobs}`, "--release"], {
  cwd: nativeDir,
  stdio: "inherit",
});
if (r.error) fail(`cannot run node-gyp: ${r.error.message}`);
if (r.status !== 0) fail(`node-gyp failed (exit code ${r.status ?? r.signal}); the compiler output above says why`);
const out = path.join(nativeDir, "build", "Release", "tuneforge_native.node");
if (!fs.existsSync(out)) fail(`node-gyp succeeded but ${out} is missing`);
console.log(`native:build: ${path.relative(repoRoot, out)} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildStale, checkStep, combineHashes, hashFiles, hashInputs, nativeBuildStep, stampHash, type BuildStep } from "./build";

let root: string;
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "tuneforge-build-"));
  write("app/page.tsx", "export default function Page() {}\n");
  write("lib/a.ts", "export const a = 1;\n");
  write("tsconfig.json", "{}\n");
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const inputs = ["app", "lib", "public", "tsconfig.json"];

describe("hashInputs", () => {
  it("is stable and ignores missing inputs", () => {
    expect(hashInputs(root, inputs)).toBe(hashInputs(root, inputs));
    expect(hashInputs(root, inputs)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes when a file is edited, added, removed or renamed", () => {
    const seen = new Set([hashInputs(root, inputs)]);
    write("lib/a.ts", "export const a = 2;\n");
    seen.add(hashInputs(root, inputs));
    write("lib/b.ts", "export const b = 1;\n");
    seen.add(hashInputs(root, inputs));
    fs.renameSync(path.join(root, "lib/b.ts"), path.join(root, "lib/c.ts"));
    seen.add(hashInputs(root, inputs));
    fs.rmSync(path.join(root, "lib/c.ts"));
    write("public/logo.svg", "<svg/>");
    seen.add(hashInputs(root, inputs));
    expect(seen.size).toBe(5);
  });

  it("ignores test files and node_modules, which never reach the build output", () => {
    const before = hashInputs(root, inputs);
    write("lib/a.test.ts", "test");
    write("lib/db.int.test.ts", "test");
    write("lib/node_modules/x/index.js", "x");
    expect(hashInputs(root, inputs)).toBe(before);
  });
});

describe("checkStep", () => {
  const step: BuildStep = {
    name: "next",
    inputs,
    stampFile: ".next/stamp",
    outputMarker: ".next/BUILD_ID",
    selfEdited: ["tsconfig.json"],
    command: "true",
    args: [],
    env: { NODE_ENV: "test" },
  };

  it("is stale without output, fresh with a matching stamp, stale again after an edit", () => {
    expect(checkStep(root, step)).toMatchObject({ stale: true, why: "no previous build" });
    write(".next/BUILD_ID", "x");
    expect(checkStep(root, step)).toMatchObject({ stale: true, why: "no build stamp" });
    write(".next/stamp", `${hashInputs(root, inputs)}\n`);
    expect(checkStep(root, step)).toMatchObject({ stale: false });
    write("app/page.tsx", "changed");
    expect(checkStep(root, step)).toMatchObject({ stale: true, why: "inputs changed" });
  });

  it("records the post-build hash only when the build itself rewrote its own files", () => {
    const before = hashFiles(root, inputs);
    write("tsconfig.json", '{ "include": ["next-env.d.ts"] }\n');
    const afterSelfEdit = hashFiles(root, inputs);
    expect(stampHash(step, before, afterSelfEdit)).toBe(hashInputs(root, inputs));
    // A developer's edit during the build: keep the old hash so the next start rebuilds.
    write("lib/a.ts", "edited during the build");
    const afterUserEdit = hashFiles(root, inputs);
    expect(stampHash(step, before, afterUserEdit)).not.toBe(hashInputs(root, inputs));
    // Nothing changed: the hash taken before the build.
    expect(stampHash(step, before, before)).toBe(combineHashes(before));
  });
});

describe("salted and optional steps (the native addon)", () => {
  const base: BuildStep = {
    name: "addon",
    inputs: ["lib"],
    stampFile: "out/stamp",
    outputMarker: "out/addon.node",
    selfEdited: [],
    command: process.execPath,
    args: ["-e", "require('fs').mkdirSync('out',{recursive:true});require('fs').writeFileSync('out/addon.node','x')"],
    env: process.env,
  };
  const quiet = { info: () => {}, warn: () => {}, error: () => {} } as unknown as Parameters<typeof buildStale>[0]["log"];

  it("is stale again when only the salt (Node's ABI) changes", async () => {
    const step = { ...base, salt: "node v20 abi 115" };
    expect(await buildStale({ root, env: process.env, log: quiet, steps: [step] })).toEqual(["addon"]);
    expect(checkStep(root, step)).toMatchObject({ stale: false });
    expect(checkStep(root, { ...step, salt: "node v22 abi 127" })).toMatchObject({ stale: true, why: "inputs changed" });
  });

  it("an optional step's failure is reported and the next steps still build; a required one throws", async () => {
    const warnings: string[] = [];
    const log = { ...quiet, warn: (m: string) => warnings.push(m) } as typeof quiet;
    const failing = { ...base, name: "broken", args: ["-e", "process.exit(3)"], optional: "local training is disabled" };
    const next = { ...base, name: "next-step", stampFile: "out/stamp2" };
    expect(await buildStale({ root, env: process.env, log, steps: [failing, next] })).toEqual(["next-step"]);
    expect(warnings).toEqual(["broken build failed (exit code 3); local training is disabled"]);
    expect(fs.existsSync(path.join(root, "out/stamp"))).toBe(false);
    await expect(buildStale({ root, env: process.env, log, steps: [{ ...failing, optional: undefined }] })).rejects.toThrow("broken build failed (exit code 3)");
  });

  it("runs a background build at low priority with its output where it is sent (npm test's early builds)", async () => {
    // The step prints its own niceness (os.getPriority) on stdout and a line on stderr.
    const step = { ...base, args: ["-e", `${base.args[1]};console.log("nice", require("os").getPriority());console.error("warned")`] };
    const lines: string[] = [];
    expect(await buildStale({ root, env: process.env, log: quiet, steps: [step], nice: 19, output: (t) => lines.push(t) })).toEqual(["addon"]);
    const text = lines.join("");
    expect(text).toMatch(/nice 19\n/);
    expect(text).toMatch(/warned\n/);
    expect(checkStep(root, step)).toMatchObject({ stale: false });
  });

  it("the native step points at the addon path health checks and hashes Node's ABI", () => {
    const step = nativeBuildStep("/repo", process.env);
    expect(step.outputMarker).toBe("native/build/Release/tuneforge_native.node");
    expect(step.salt).toContain(process.versions.modules);
    expect(step.optional).toBeTruthy();
  });
});

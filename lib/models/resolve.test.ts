import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveModelDir } from "./resolve";

describe("resolveModelDir", () => {
  let root: string;
  let outside: string;
  beforeAll(() => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "tf-resolve-"));
    root = path.join(base, "models");
    outside = path.join(base, "elsewhere");
    for (const d of [path.join(root, "good"), path.join(root, "noconfig"), outside]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(root, "good", "config.json"), "{}");
    fs.writeFileSync(path.join(outside, "config.json"), "{}");
    // A link inside the models dir is how people keep weights on another disk: allowed.
    fs.symlinkSync(outside, path.join(root, "linked"));
  });
  afterAll(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

  it("finds a folder by name or by a path inside the models directory", () => {
    expect(resolveModelDir("good", { root })).toEqual({ name: "good", dir: path.join(root, "good") });
    expect(resolveModelDir(path.join(root, "good"), { root }).name).toBe("good");
    expect(resolveModelDir("linked", { root }).dir).toBe(path.join(root, "linked"));
  });

  it("refuses paths outside it, nested paths, hidden and missing folders, and folders without config.json", () => {
    expect(() => resolveModelDir("../elsewhere", { root })).toThrow(/not a folder directly inside the models directory/);
    expect(() => resolveModelDir(outside, { root })).toThrow(/not a folder directly inside/);
    expect(() => resolveModelDir("good/../../elsewhere", { root })).toThrow(/not a folder directly inside/);
    expect(() => resolveModelDir("good/sub", { root })).toThrow(/not a folder directly inside/);
    expect(() => resolveModelDir("", { root })).toThrow(/Pick a base model/);
    expect(() => resolveModelDir("missing", { root })).toThrow(/No model folder "missing"/);
    expect(() => resolveModelDir("noconfig", { root })).toThrow(/no config.json/);
    expect(() => resolveModelDir(".", { root })).toThrow(/not a folder directly inside/);
  });
});

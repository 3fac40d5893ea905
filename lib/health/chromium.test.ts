import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CHROMIUM_CANDIDATES, chromiumPath, chromiumStatus } from "./chromium";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tf-chromium-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("chromiumPath", () => {
  it("prefers the headless shell, then the full browser", () => {
    expect(chromiumPath({}, () => true)).toBe("/usr/bin/chromium-headless-shell");
    expect(chromiumPath({}, (p) => p === "/usr/bin/chromium")).toBe("/usr/bin/chromium");
  });

  it("names the first candidate when none is installed, so the error says what to install", () => {
    expect(chromiumPath({}, () => false)).toBe(CHROMIUM_CANDIDATES[0]);
  });

  it("takes CHROMIUM_PATH as given, even a missing one", () => {
    expect(chromiumPath({ CHROMIUM_PATH: "/opt/chrome/chrome" }, () => true)).toBe("/opt/chrome/chrome");
    expect(chromiumPath({ CHROMIUM_PATH: "/nowhere" }, () => false)).toBe("/nowhere");
  });
});

describe("chromiumStatus", () => {
  it("reports a missing executable", () => {
    expect(chromiumStatus(path.join(tmp, "chromium"))).toEqual({ found: false, path: path.join(tmp, "chromium"), version: null });
  });

  it("reads the version line the executable prints", () => {
    const fake = path.join(tmp, "fake-chromium");
    fs.writeFileSync(fake, "#!/bin/sh\necho 'Chromium 131.0.6778.85 built on Debian'\n", { mode: 0o755 });
    expect(chromiumStatus(fake)).toEqual({ found: true, path: fake, version: "Chromium 131.0.6778.85 built on Debian" });
  });

  it("reports an executable that fails", () => {
    const broken = path.join(tmp, "broken-chromium");
    fs.writeFileSync(broken, "#!/bin/sh\necho 'missing libnss3.so' >&2\nexit 127\n", { mode: 0o755 });
    expect(chromiumStatus(broken)).toMatchObject({ found: true, version: null, error: "missing libnss3.so" });
  });
});

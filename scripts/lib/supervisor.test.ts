import { describe, expect, it } from "vitest";
import { LinePrefixer, Supervisor, formatPrefix, type ChildSpec } from "./supervisor";

describe("LinePrefixer", () => {
  it("prefixes whole lines and holds a partial line until it is complete", () => {
    const out: string[] = [];
    const p = new LinePrefixer("web | ", (t) => out.push(t));
    p.push("one\ntw");
    p.push("o\r\nthree");
    expect(out.join("")).toBe("web | one\nweb | two\n");
    p.flush();
    expect(out.join("")).toBe("web | one\nweb | two\nweb | three\n");
    p.flush();
    expect(out.join("")).toBe("web | one\nweb | two\nweb | three\n");
  });

  it("pads names to one column and colours only when asked", () => {
    expect(formatPrefix("web", 6, "cyan", false)).toBe("web    | ");
    expect(formatPrefix("web", 6, "cyan", true)).toBe("\u001b[36mweb    |\u001b[0m ");
  });
});

// Real child processes: the supervisor's job is signals and exit codes, which only real processes show.
const node = (name: string, script: string): ChildSpec => ({
  name,
  command: process.execPath,
  args: ["-e", script],
  env: { NODE_ENV: "test" },
  color: "gray",
});
const LONG_RUNNING = "console.log('up'); setInterval(() => {}, 1000);";

function collect() {
  const lines: string[] = [];
  return { lines, write: (t: string) => lines.push(...t.split("\n").filter(Boolean)) };
}

describe.each([true, false])("Supervisor (own process groups: %s)", (ownProcessGroups) => {
  it("prefixes output and stops everyone cleanly on request", async () => {
    const { lines, write } = collect();
    const sup = new Supervisor({ ownProcessGroups, graceMs: 5000, colored: false, out: write, err: write, nameWidth: 6 });
    sup.start(node("web", LONG_RUNNING));
    sup.start(node("worker", "process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); console.log('up'); setInterval(() => {}, 1000);"));
    await waitFor(() => lines.filter((l) => l.endsWith("up")).length === 2);
    await sup.stop("test");
    expect(await sup.done).toEqual({ code: 0, reason: "test" });
    expect(lines).toContain("web    | up");
    expect(lines).toContain("worker | bye");
  });

  it("stops everything and reports failure when one child dies on its own", async () => {
    const { lines, write } = collect();
    const sup = new Supervisor({ ownProcessGroups, graceMs: 5000, colored: false, out: write, err: write });
    sup.start(node("web", LONG_RUNNING));
    sup.start(node("worker", "console.error('boom'); setTimeout(() => process.exit(3), 200);"));
    const result = await sup.done;
    expect(result.code).toBe(1);
    expect(result.reason).toBe("worker exited with code 3");
    expect(lines).toContain("tuneforge | worker exited with code 3 unexpectedly; stopping everything");
    expect(lines).toContain("worker | boom");
  });

  it("kills a child that ignores SIGTERM once the grace period is over", async () => {
    const { lines, write } = collect();
    const sup = new Supervisor({ ownProcessGroups, graceMs: 300, colored: false, out: write, err: write });
    sup.start(node("stubborn", "process.on('SIGTERM', () => console.log('ignoring')); console.log('up'); setInterval(() => {}, 1000);"));
    await waitFor(() => lines.includes("stubborn | up"));
    const started = Date.now();
    await sup.stop("test");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lines.some((l) => l.includes("did not stop within 0.3 s; sending SIGKILL"))).toBe(true);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("Supervisor with own process groups", () => {
  it("leaves no grandchild behind, even one that ignores SIGTERM", async () => {
    const { lines, write } = collect();
    const sup = new Supervisor({ ownProcessGroups: true, graceMs: 2000, colored: false, out: write, err: write });
    const grandchild = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);";
    sup.start(
      node(
        "parent",
        `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' });` +
          "console.log('grandchild ' + c.pid); process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000);",
      ),
    );
    await waitFor(() => lines.some((l) => l.startsWith("parent | grandchild ")));
    const pid = Number(lines.find((l) => l.startsWith("parent | grandchild "))?.split(" ").at(-1));
    expect(isAlive(pid)).toBe(true);
    await sup.stop("test");
    await waitFor(() => !isAlive(pid), 3000);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

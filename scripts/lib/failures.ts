import fs from "node:fs";
import path from "node:path";

// Which tests failed, read from the runners' JSON reports, so that `npm test` can end with them. CI keeps only the
// tail of what a run printed; a tier that failed early in the run otherwise leaves just "int failed" behind, with
// the test's name and error scrolled out of reach.

export type Failure = { where: string; message: string };

/** The first line of an error that says something (runners often start with a blank line or ANSI colours). */
export function firstLine(text: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const plain = (text ?? "").replace(/\u001b\[[0-9;]*m/g, "");
  const line = plain.split("\n").map((l) => l.trim()).find(Boolean) ?? "(no message)";
  return line.length > 240 ? `${line.slice(0, 239)}…` : line;
}

export type VitestReport = {
  testResults?: { name: string; status: string; message?: string; assertionResults?: { fullName?: string; title: string; status: string; failureMessages?: string[] }[] }[];
};

/** Failed tests of a vitest JSON report, plus files that failed with no failed test (did not load, a hook threw). */
export function vitestFailures(report: VitestReport, root: string): Failure[] {
  const out: Failure[] = [];
  for (const file of report.testResults ?? []) {
    const rel = path.relative(root, file.name);
    const failed = (file.assertionResults ?? []).filter((t) => t.status === "failed");
    for (const t of failed) out.push({ where: `${rel} › ${t.fullName ?? t.title}`, message: firstLine(t.failureMessages?.[0]) });
    if (file.status === "failed" && failed.length === 0) out.push({ where: rel, message: firstLine(file.message) });
  }
  return out;
}

export type NativeReport = { ctest?: { name: string; message: string }[]; emu?: VitestReport | null };

/** What `npm run test:native` wrote to TF_TEST_FAILURES_FILE: the C++ programs that failed, and the emu tests' report. */
export function nativeFailures(report: NativeReport, root: string): Failure[] {
  return [...(report.ctest ?? []).map((c) => ({ where: `ctest ${c.name}`, message: c.message })), ...(report.emu ? vitestFailures(report.emu, root) : [])];
}

type PlaywrightSuite = {
  title: string;
  file?: string;
  specs?: { title: string; ok: boolean; line?: number; file?: string; tests?: { status?: string; results?: { status: string; error?: { message?: string } }[] }[] }[];
  suites?: PlaywrightSuite[];
};
type PlaywrightReport = { suites?: PlaywrightSuite[]; errors?: { message?: string }[] };

/**
 * Specs of a Playwright JSON report that did not pass, plus errors outside any test (web server, global set-up).
 * A flaky spec (failed, then passed on its retry) is one: the report calls it ok, the run (failOnFlakyTests) does not.
 */
export function playwrightFailures(report: PlaywrightReport): Failure[] {
  const out: Failure[] = [];
  const walk = (suite: PlaywrightSuite, titles: string[]) => {
    for (const spec of suite.specs ?? []) {
      const flaky = (spec.tests ?? []).some((t) => t.status === "flaky");
      if (spec.ok && !flaky) continue;
      const results = (spec.tests ?? []).flatMap((t) => t.results ?? []);
      const bad = results.find((r) => r.error?.message) ?? results.at(-1);
      const file = spec.file ?? suite.file ?? suite.title;
      const message = firstLine(bad?.error?.message ?? (bad ? `status: ${bad.status}` : "did not run"));
      out.push({ where: `${file}${spec.line ? `:${spec.line}` : ""} › ${[...titles, spec.title].join(" › ")}`, message: flaky ? `flaky (passed only when retried): ${message}` : message });
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const top of report.suites ?? []) walk(top, []);
  for (const e of report.errors ?? []) out.push({ where: "(outside any test)", message: firstLine(e.message) });
  return out;
}

/**
 * The failures behind a runner's exit code, from the JSON report it wrote: none when it passed; otherwise the report's
 * list, or a line saying why there is none (no report written, an unreadable one, or a failure outside any test, such
 * as an unhandled rejection or a crashed worker, which the reports leave out).
 */
export function reportedFailures<R>(file: string, exitCode: number, list: (report: R) => Failure[]): Failure[] {
  if (exitCode === 0) return [];
  if (!fs.existsSync(file)) return [{ where: "(no report)", message: `exit code ${exitCode} before the runner wrote its report; its output above says why` }];
  let found: Failure[];
  try {
    found = list(JSON.parse(fs.readFileSync(file, "utf8")) as R);
  } catch (err) {
    return [{ where: "(no report)", message: `${path.basename(file)} is unreadable: ${(err as Error).message}` }];
  }
  return found.length ? found : [{ where: "(no failed test)", message: `exit code ${exitCode} and no failed test in the report: an error outside the tests; its output above says which` }];
}

/** The summary's lines for a failed tier: at most `max` failures (a tier where everything broke, a service down,
 * would push the tier table out of the log's tail), then how many more there were. */
export function failureLines(tier: string, failures: Failure[], max = 15): string[] {
  const lines = failures.slice(0, max).map((f) => `  ✗ ${tier}: ${f.where}\n      ${f.message}`);
  if (failures.length > max) lines.push(`  … and ${failures.length - max} more in ${tier}; its output above lists them`);
  return lines;
}

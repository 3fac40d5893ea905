import { describe, expect, it } from "vitest";
import { parseCommandLine, parseCommandOptions, UsageError } from "./args";

describe("parseCommandLine", () => {
  it("shows help with no arguments, --help, -h or `help`", () => {
    expect(parseCommandLine([])).toEqual({ kind: "help" });
    expect(parseCommandLine(["--help"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["-h"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["help"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["help", "doctor"])).toEqual({ kind: "help", command: "doctor" });
  });

  it("routes `<command> --help` to that command's usage", () => {
    expect(parseCommandLine(["doctor", "--help"])).toEqual({ kind: "help", command: "doctor" });
    expect(parseCommandLine(["doctor", "--json", "-h"])).toEqual({ kind: "help", command: "doctor" });
  });

  it("prints the version", () => {
    expect(parseCommandLine(["--version"])).toEqual({ kind: "version" });
    expect(parseCommandLine(["-v"])).toEqual({ kind: "version" });
  });

  it("passes the rest of the line to the command", () => {
    expect(parseCommandLine(["doctor"])).toEqual({ kind: "run", command: "doctor", args: [] });
    expect(parseCommandLine(["doctor", "--json"])).toEqual({ kind: "run", command: "doctor", args: ["--json"] });
  });

  it("rejects an unknown global option", () => {
    expect(() => parseCommandLine(["--jsn"])).toThrow(UsageError);
    expect(() => parseCommandLine(["--jsn"])).toThrow(/Unknown option "--jsn"/);
  });
});

describe("parseCommandOptions", () => {
  const options = { json: { type: "boolean", default: false } } as const;

  it("parses declared flags with defaults", () => {
    expect(parseCommandOptions("doctor", [], options).values.json).toBe(false);
    expect(parseCommandOptions("doctor", ["--json"], options).values.json).toBe(true);
  });

  it("names the command and the bad option in the error", () => {
    expect(() => parseCommandOptions("doctor", ["--jsn"], options)).toThrow(UsageError);
    expect(() => parseCommandOptions("doctor", ["--jsn"], options)).toThrow(/^doctor: Unknown option '--jsn'\. Run `tuneforge doctor --help`/);
  });

  it("rejects positionals unless the command takes them", () => {
    expect(() => parseCommandOptions("doctor", ["extra"], options)).toThrow(UsageError);
    expect(parseCommandOptions("doctor", ["extra"], options, { positionals: true }).positionals).toEqual(["extra"]);
  });
});

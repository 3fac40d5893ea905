import { describe, expect, it } from "vitest";
import { runProcess } from "./run-bin";

describe("runProcess", () => {
  it("returns all the output, also what is written after the process itself exited", async () => {
    // bash exits at once; the background job it leaves writes to the same pipe 50 ms later. Resolving on "exit"
    // (before the pipes close) lost that line every time.
    const r = await runProcess("bash", ["-c", "(sleep 0.05; echo late) & echo early"], { cwd: process.cwd() });
    expect(r).toEqual({ code: 0, signal: null, stdout: "early\nlate\n", stderr: "" });
  });
});

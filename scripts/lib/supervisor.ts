import { spawn, type ChildProcess } from "node:child_process";
import { paint, useColor, type Color } from "./log";

// Runs web + workers (+ the e2e emulator) as one unit: every output line is prefixed with the child's
// name, Ctrl-C / SIGTERM stops them all (SIGTERM, a grace period, then SIGKILL), and a child that dies on
// its own takes the others down and makes us exit non-zero, so a half-running app never looks healthy.

/** Splits a byte stream into lines and writes each one with a prefix; keeps a trailing partial line. */
export class LinePrefixer {
  private pending = "";

  constructor(
    private readonly prefix: string,
    private readonly write: (text: string) => void,
  ) {}

  push(chunk: string): void {
    const text = this.pending + chunk;
    const lines = text.split(/\r?\n/);
    this.pending = lines.pop() ?? "";
    if (lines.length) this.write(lines.map((l) => this.prefix + l + "\n").join(""));
  }

  /** Writes what is left when the stream ends without a final newline. */
  flush(): void {
    if (this.pending) this.write(this.prefix + this.pending + "\n");
    this.pending = "";
  }
}

/** `name |` padded so the bars of all children line up. */
export function formatPrefix(name: string, width: number, color: Color, colored: boolean): string {
  return `${paint(color, `${name.padEnd(width)} |`, colored)} `;
}

export type ChildSpec = {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  color: Color;
  cwd?: string;
};

export type SupervisorOptions = {
  /**
   * true: each child leads its own process group, so the supervisor alone receives the terminal's Ctrl-C,
   * each child gets exactly one SIGTERM, and the final SIGKILL reaches its grandchildren too.
   * false: children stay in our group, for callers that kill our whole group (Playwright's webServer).
   */
  ownProcessGroups: boolean;
  /** How long children get to exit after SIGTERM before SIGKILL. */
  graceMs: number;
  /** Width of the name column (the longest name of everything that logs through this supervisor). */
  nameWidth?: number;
  colored?: boolean;
  out?: (text: string) => void;
  err?: (text: string) => void;
};

export type SupervisorResult = { code: number; reason: string };

type Running = { spec: ChildSpec; child: ChildProcess; exited: Promise<void>; alive: boolean };

export class Supervisor {
  private readonly children: Running[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  private stopping: Promise<void> | undefined;
  private resolveDone!: (r: SupervisorResult) => void;
  /** Resolves once everything has stopped: code 0 after a requested stop, 1 when a child died on its own. */
  readonly done: Promise<SupervisorResult>;

  constructor(private readonly opts: SupervisorOptions) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  private prefix(name: string, color: Color): string {
    return formatPrefix(name, this.opts.nameWidth ?? name.length, color, this.opts.colored ?? useColor);
  }

  /** Prints a line of the supervisor itself, aligned with the children's lines. */
  note(message: string): void {
    (this.opts.out ?? ((t) => process.stdout.write(t)))(this.prefix("tuneforge", "blue") + message + "\n");
  }

  start(spec: ChildSpec): void {
    if (this.stopping) throw new Error(`Supervisor is stopping; not starting ${spec.name}`);
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: this.opts.ownProcessGroups,
    });
    const prefix = this.prefix(spec.name, spec.color);
    const out = new LinePrefixer(prefix, this.opts.out ?? ((t) => process.stdout.write(t)));
    const err = new LinePrefixer(prefix, this.opts.err ?? ((t) => process.stderr.write(t)));
    child.stdout?.setEncoding("utf8").on("data", (c: string) => out.push(c));
    child.stderr?.setEncoding("utf8").on("data", (c: string) => err.push(c));
    child.stdout?.on("end", () => out.flush());
    child.stderr?.on("end", () => err.flush());

    const running: Running = { spec, child, alive: true, exited: Promise.resolve() };
    running.exited = new Promise<void>((resolve) => {
      child.on("error", (e) => {
        // spawn failures (missing executable) never emit 'exit'.
        running.alive = false;
        if (!this.stopping) this.onUnexpectedExit(spec.name, `could not be started: ${e.message}`);
        resolve();
      });
      child.on("exit", (code, signal) => {
        running.alive = false;
        if (!this.stopping) this.onUnexpectedExit(spec.name, signal ? `was killed by ${signal}` : `exited with code ${code}`);
        resolve();
      });
    });
    this.children.push(running);
  }

  /** Work to run after the children have stopped (closing an in-process server, for example). */
  onStop(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  private onUnexpectedExit(name: string, what: string): void {
    const reason = `${name} ${what}`;
    this.note(paint("red", `${reason} unexpectedly; stopping everything`, this.opts.colored ?? useColor));
    void this.stop(reason, 1);
  }

  /**
   * SIGTERM goes to the child alone: a wrapper (node --watch, a shell) forwards it to its own children, and
   * signalling the whole group too would deliver it twice (which many programs read as "exit now").
   * SIGKILL goes to the whole group when children lead one, so nothing they started survives them.
   */
  private signal(r: Running, sig: NodeJS.Signals): void {
    if (r.child.pid === undefined) return;
    try {
      if (sig === "SIGKILL" && this.opts.ownProcessGroups) process.kill(-r.child.pid, sig);
      else if (r.alive) r.child.kill(sig);
    } catch (e) {
      // ESRCH: already gone, which is what we want.
      if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
    }
  }

  /** Stops every child (SIGTERM, grace period, SIGKILL) and resolves `done` with `code`. Idempotent. */
  stop(reason: string, code = 0): Promise<void> {
    this.stopping ??= (async () => {
      for (const r of this.children) if (r.alive) this.signal(r, "SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const allExited = Promise.all(this.children.map((r) => r.exited));
      const graceOver = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), this.opts.graceMs)));
      const first = await Promise.race([allExited, graceOver]);
      clearTimeout(timer);
      if (first === "timeout") {
        const stuck = this.children.filter((r) => r.alive).map((r) => r.spec.name);
        this.note(`${stuck.join(", ")} did not stop within ${this.opts.graceMs / 1000} s; sending SIGKILL`);
      }
      // Also sweeps grandchildren left in a child's process group after the child itself exited.
      for (const r of this.children) this.signal(r, "SIGKILL");
      await allExited;
      for (const cleanup of this.cleanups) await cleanup().catch((e: Error) => this.note(`cleanup failed: ${e.message}`));
      this.resolveDone({ code, reason });
    })();
    return this.stopping;
  }

  /** Kills everything at once (a second Ctrl-C). */
  killNow(): void {
    for (const r of this.children) this.signal(r, "SIGKILL");
  }

  /** First SIGINT/SIGTERM stops cleanly; a second one kills without waiting. */
  handleSignals(): void {
    let received = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      received += 1;
      if (received === 1) {
        this.note(`${sig} received; stopping (press Ctrl-C again to kill immediately)`);
        void this.stop(`${sig} received`, 0);
      } else {
        this.note("killing everything now");
        this.killNow();
      }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    process.on("SIGHUP", onSignal);
  }
}

// Console output of the scripts (start, test, serve-e2e, migrations). Colour only on a terminal, so CI
// logs and files stay plain text.

const CODES = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  gray: 90,
  bold: 1,
} as const;

export type Color = keyof typeof CODES;

export const useColor = Boolean(process.stdout.isTTY);

export function paint(color: Color, text: string, enabled: boolean = useColor): string {
  return enabled ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;
}

/** A logger whose lines start with `name |`, like the supervised children's lines. */
export function logger(name: string, color: Color = "blue") {
  const prefix = `${paint(color, `${name} |`)} `;
  return {
    info: (msg: string) => console.log(prefix + msg),
    warn: (msg: string) => console.warn(prefix + paint("yellow", msg)),
    error: (msg: string) => console.error(prefix + paint("red", msg)),
  };
}

export type Logger = ReturnType<typeof logger>;

/** Seconds with one decimal, for timings printed to people. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

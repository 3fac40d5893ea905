import type { EvalCall } from "./format";

// Reads calls written as a Python list of calls, the form LFM2 answers in (lib/tokenizer/pythonic-calls.ts writes
// it for training): [get_weather(city="Paris", days=3), now()]. Arguments are keyword arguments with Python literals
// (strings in either quote, numbers, True/False/None, lists, tuples, dicts), read into JSON values. Anything else
// (positional arguments, expressions) makes the whole text unreadable as calls: null.

class Unreadable extends Error {}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "\\": "\\", "'": "'", '"': '"', "0": "\0" };

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  space(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  peek(): string | undefined {
    this.space();
    return this.s[this.i];
  }
  take(ch: string): boolean {
    if (this.peek() !== ch) return false;
    this.i++;
    return true;
  }
  expect(ch: string): void {
    if (!this.take(ch)) throw new Unreadable();
  }
  name(): string {
    this.space();
    const m = /^[A-Za-z_][\w.-]*/.exec(this.s.slice(this.i));
    if (!m) throw new Unreadable();
    this.i += m[0].length;
    return m[0];
  }

  string(): string {
    const quote = this.s[this.i]!;
    let out = "";
    for (this.i++; this.i < this.s.length; this.i++) {
      const c = this.s[this.i]!;
      if (c === quote) {
        this.i++;
        return out;
      }
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.s[++this.i];
      if (e === "u" || e === "x") {
        const hex = this.s.slice(this.i + 1, this.i + (e === "u" ? 5 : 3));
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== (e === "u" ? 4 : 2)) throw new Unreadable();
        out += String.fromCharCode(parseInt(hex, 16));
        this.i += hex.length;
      } else if (e !== undefined && ESCAPES[e] !== undefined) out += ESCAPES[e];
      else throw new Unreadable();
    }
    throw new Unreadable();
  }

  sequence(close: string): unknown[] {
    const items: unknown[] = [];
    while (!this.take(close)) {
      items.push(this.value());
      if (!this.take(",")) {
        this.expect(close);
        break;
      }
    }
    return items;
  }

  value(): unknown {
    const c = this.peek();
    if (c === '"' || c === "'") return this.string();
    if (this.take("[")) return this.sequence("]");
    if (this.take("(")) return this.sequence(")");
    if (this.take("{")) {
      const obj: Record<string, unknown> = {};
      while (!this.take("}")) {
        const key = this.value();
        if (typeof key !== "string" && typeof key !== "number") throw new Unreadable();
        this.expect(":");
        obj[String(key)] = this.value();
        if (!this.take(",")) {
          this.expect("}");
          break;
        }
      }
      return obj;
    }
    const m = /^(?:True|False|None|true|false|null|-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(this.s.slice(this.i));
    if (!m) throw new Unreadable();
    this.i += m[0].length;
    const word = m[0];
    if (word === "True" || word === "true") return true;
    if (word === "False" || word === "false") return false;
    if (word === "None" || word === "null") return null;
    return Number(word);
  }

  call(): EvalCall {
    const name = this.name();
    this.expect("(");
    const args: Record<string, unknown> = {};
    while (!this.take(")")) {
      const key = this.name();
      this.expect("=");
      args[key] = this.value();
      if (!this.take(",")) {
        this.expect(")");
        break;
      }
    }
    return { name, arguments: args };
  }
}

/** The calls of "[f(a=1), g()]" (the brackets may be left out around a single call), or null when it is not that. */
export function parsePythonicCalls(text: string): EvalCall[] | null {
  const r = new Reader(text);
  try {
    const bracketed = r.take("[");
    const calls: EvalCall[] = [];
    while (!(bracketed && r.take("]"))) {
      calls.push(r.call());
      if (!r.take(",")) {
        if (bracketed) r.expect("]");
        break;
      }
    }
    if (r.peek() !== undefined) return null;
    return calls;
  } catch (err) {
    if (err instanceof Unreadable) return null;
    throw err;
  }
}

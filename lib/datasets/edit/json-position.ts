// Where JSON text goes wrong. V8's JSON.parse messages only sometimes carry a position ("Unexpected token '}',
// "…" is not valid JSON" has none), and an editor must point at the spot, so a small scanner finds it.

export type JsonSyntaxError = { offset: number; line: number; column: number; reason: string };

class Stop extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function scan(text: string): void {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const describe = () => (i >= text.length ? "the text ends too early" : `unexpected ${JSON.stringify(text[i])}`);
  const fail = (expected: string): never => {
    throw new Stop(i, `${describe()}; expected ${expected}`);
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new Stop(i, "invalid escape in a string");
      } else if (c < " ") {
        throw new Stop(i, c === "\n" ? "a line break inside a string; write \\n instead" : "a control character inside a string");
      } else i++;
    }
    throw new Stop(i, "a string is not closed with \"");
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("a property name in double quotes");
        string();
        ws();
        if (text[i] !== ":") fail('":" after the property name');
        i++;
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail('"," or "}"');
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail('"," or "]"');
      }
    }
    if (c === '"') return string();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    fail("a value (object, array, string, number, true, false or null)");
  };
  value();
  ws();
  if (i < text.length) fail("nothing after the value");
}

/** The first syntax error of `text` (null when it is valid JSON), with 1-based line and column. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  try {
    scan(text);
    return null;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    const before = text.slice(0, err.offset);
    const line = before.split("\n").length;
    const column = err.offset - before.lastIndexOf("\n");
    return { offset: err.offset, line, column, reason: err.reason };
  }
}

// JSON.parse keeps the last of two equal keys without a word, so {"content": "a", "content": "b"} trains on
// "b" and nobody notices. This scanner walks text that JSON.parse already accepted (so it can assume the
// grammar is valid) and returns the path of every repeated key.

export type DuplicateKey = { path: string; key: string };

type Frame = { kind: "object"; path: string; keys: Set<string>; key: string | null } | { kind: "array"; path: string; index: number };

function childPath(frame: Frame | undefined): string {
  if (!frame) return "";
  if (frame.kind === "array") return `${frame.path}[${frame.index}]`;
  return frame.path ? `${frame.path}.${frame.key}` : (frame.key ?? "");
}

/** Duplicate keys in valid JSON text, in document order. */
export function findDuplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  // In an object, a string is a key when it follows "{" or ","; after ":" it is a value.
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.kind === "object") {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) found.push({ path: top.path ? `${top.path}.${key}` : key, key });
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = j;
    } else if (ch === "{") {
      stack.push({ kind: "object", path: childPath(stack[stack.length - 1]), keys: new Set(), key: null });
      expectKey = true;
    } else if (ch === "[") {
      stack.push({ kind: "array", path: childPath(stack[stack.length - 1]), index: 0 });
      expectKey = false;
    } else if (ch === "}" || ch === "]") {
      stack.pop();
      expectKey = false;
    } else if (ch === ",") {
      const top = stack[stack.length - 1];
      if (top?.kind === "array") top.index += 1;
      else expectKey = true;
    }
  }
  return found;
}

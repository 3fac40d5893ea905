import { severityOf, type IssueCode } from "./codes";
import { EXAMPLE_RULES } from "./registry";
import { isPreferenceLine } from "./rules/preference";
import { isRecord, type ExampleContext, type Issue } from "./types";

// One parsed line → its issues. Shape problems that make the rules meaningless (not an object, no messages)
// stop here, as in the cookbook.

export type ExampleKind = "chat" | "preference";

/** Which kind of line this is; null when it is neither (the issues say why). */
export function exampleKind(raw: unknown): ExampleKind | null {
  if (!isRecord(raw)) return null;
  if (isPreferenceLine(raw)) return "preference";
  return Array.isArray(raw.messages) && raw.messages.length > 0 ? "chat" : null;
}

export function validateExample(raw: unknown, ctx: ExampleContext): Issue[] {
  const issues: Issue[] = [];
  const report = (code: IssueCode, message: string, path?: string) => {
    issues.push({ line: ctx.line, code, severity: severityOf(code), message, ...(path ? { path } : {}) });
  };
  if (!isRecord(raw)) {
    const kind = Array.isArray(raw) ? "a list" : raw === null ? "null" : `a ${typeof raw}`;
    report("data_type", `line ${ctx.line}: the line is ${kind}; each line must be a JSON object like {"messages": [...]}`);
    return issues;
  }
  const kind = exampleKind(raw);
  if (kind === null) {
    const why = !("messages" in raw) ? 'has no "messages"' : Array.isArray(raw.messages) ? 'has an empty "messages" list' : '"messages" is not a list';
    report("missing_messages_list", `line ${ctx.line}: the line ${why}; add "messages": [{"role": "user", …}, {"role": "assistant", …}]`, "messages");
    return issues;
  }
  for (const rule of EXAMPLE_RULES) {
    if (rule.applies === kind) rule.check({ example: raw, ctx, report });
  }
  return issues;
}

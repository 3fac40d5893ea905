import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ISSUE_CODES } from "./codes";

describe("ISSUE_CODES", () => {
  it("are all documented in the README's Validation codes table with their severity", () => {
    const readme = fs.readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## Validation codes"));
    expect(section.startsWith("## Validation codes")).toBe(true);
    for (const [code, { severity }] of Object.entries(ISSUE_CODES)) {
      expect(section, code).toContain(`| \`${code}\` | ${severity} |`);
    }
  });

  it("keep the cookbook's seven format-error names verbatim", () => {
    for (const code of ["data_type", "missing_messages_list", "message_missing_key", "message_unrecognized_key", "unrecognized_role", "missing_content", "example_missing_assistant_message"]) {
      expect(ISSUE_CODES).toHaveProperty(code);
    }
  });
});

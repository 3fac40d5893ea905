import { isRecord, type Rule } from "../types";

// Top-level fields of a chat line besides `messages` (reference §4): `tools`, `parallel_tool_calls` and the
// deprecated `functions`. Anything else is not an error for OpenAI's parser, but usually a converter mistake.
const KNOWN_KEYS = new Set(["messages", "tools", "parallel_tool_calls", "functions"]);

export const exampleShapeRule: Rule = {
  name: "example-shape",
  applies: "chat",
  check({ example, ctx, report }) {
    for (const key of Object.keys(example)) {
      if (!KNOWN_KEYS.has(key)) {
        report("unrecognized_example_key", `line ${ctx.line}: top-level key "${key}" is not part of OpenAI chat data (messages, tools, parallel_tool_calls); remove it or move it into a message`, key);
      }
    }
    if ("tools" in example && !Array.isArray(example.tools)) {
      report("invalid_example_field", `line ${ctx.line}: "tools" must be a list of tool definitions`, "tools");
    } else if (Array.isArray(example.tools)) {
      example.tools.forEach((tool, i) => {
        if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function) || typeof tool.function.name !== "string") {
          report("invalid_example_field", `line ${ctx.line}: tools[${i}] must be {"type": "function", "function": {"name": …, "parameters": …}}`, `tools[${i}]`);
        }
      });
    }
    if ("parallel_tool_calls" in example && typeof example.parallel_tool_calls !== "boolean") {
      report("invalid_example_field", `line ${ctx.line}: "parallel_tool_calls" must be true or false`, "parallel_tool_calls");
    }
    if ("functions" in example && !Array.isArray(example.functions)) {
      report("invalid_example_field", `line ${ctx.line}: "functions" must be a list (it is deprecated: prefer "tools")`, "functions");
    }
  },
};

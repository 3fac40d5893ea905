import { exampleShapeRule } from "./rules/example-shape";
import { messagesRule } from "./rules/messages";
import { preferenceRule } from "./rules/preference";
import { tokensRule } from "./rules/tokens";
import { toolsRule } from "./rules/tools";
import { turnsRule } from "./rules/turns";
import { weightRule } from "./rules/weight";
import type { Rule } from "./types";

// Per-example rule families, in the order their findings are reported. Dataset-wide checks (duplicates,
// leakage, counts) live in ./dataset.ts because they need every example.
export const EXAMPLE_RULES: readonly Rule[] = [exampleShapeRule, messagesRule, toolsRule, weightRule, turnsRule, tokensRule, preferenceRule];

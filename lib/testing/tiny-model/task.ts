// A tiny structured task for training tests and demos: reply with a fixed JSON shape whose value depends on
// a word in the prompt. A model can only get the value right by reading the prompt, so a falling loss means
// the trainer really learns (not just the constant JSON frame).

const PAIRS: [string, string][] = [
  ["sky", "blue"],
  ["grass", "green"],
  ["blood", "red"],
  ["snow", "white"],
  ["coal", "black"],
  ["sun", "yellow"],
];

export type ChatLine = { messages: { role: string; content: string; weight?: 0 | 1 }[] };

export function colorTask(count: number, offset = 0): ChatLine[] {
  return Array.from({ length: count }, (_, i) => {
    const [thing, color] = PAIRS[(i + offset) % PAIRS.length]!;
    return {
      messages: [
        { role: "system", content: "Answer in JSON." },
        { role: "user", content: `What color is the ${thing}?` },
        { role: "assistant", content: `{"color": "${color}"}` },
      ],
    };
  });
}

/** The color task answered by a reasoning model: a short thought in a think block (Qwen3's form), then the JSON. */
export function colorTaskWithReasoning(count: number, offset = 0): ChatLine[] {
  return colorTask(count, offset).map((line, i) => {
    const [thing, color] = PAIRS[(i + offset) % PAIRS.length]!;
    const messages = line.messages.map((m) => (m.role === "assistant" ? { ...m, content: `<think>\nThe ${thing} is ${color}.\n</think>\n\n${m.content}` } : m));
    return { messages };
  });
}

export function toJsonl(lines: (ChatLine | PreferenceLine)[]): string {
  return lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
}

export type PreferenceLine = { input: { messages: { role: string; content: string }[] }; preferred_output: { role: string; content: string }[]; non_preferred_output: { role: string; content: string }[] };

/** The color task as DPO preference pairs (OpenAI's format): the right color preferred over the next thing's color. */
export function colorPreferences(count: number, offset = 0): PreferenceLine[] {
  return colorTask(count, offset).map((line, i) => {
    const wrong = PAIRS[(i + offset + 1) % PAIRS.length]![1];
    return {
      input: { messages: line.messages.slice(0, 2) },
      preferred_output: [line.messages[2]!],
      non_preferred_output: [{ role: "assistant", content: `{"color": "${wrong}"}` }],
    };
  });
}

/**
 * The color task with every answer the next thing's color (colorPreferences' non-preferred answers): as validation
 * data for a run on colorTask, its loss falls while the answer format is learned, then rises as the colors are.
 */
export function colorTaskContradicted(count: number, offset = 0): ChatLine[] {
  return colorPreferences(count, offset).map((p) => ({ messages: [...p.input.messages, ...p.non_preferred_output] }));
}

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

export function toJsonl(lines: ChatLine[]): string {
  return lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
}

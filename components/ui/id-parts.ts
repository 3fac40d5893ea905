// Where an ft: model name may break across lines: after each colon, never inside a part, so a column can be narrower
// than the whole name and every part stays readable ("ft:gpt-4o-mini-2024-07-18:" / "acme:support:Ab12Cd34").

/** The name in pieces that each end with their colon; "ft:" stays with the base model it prefixes. */
export function idParts(id: string): string[] {
  const parts = id.split(/(?<=:)/);
  if (parts.length > 1 && parts[0] === "ft:") return [parts[0] + parts[1], ...parts.slice(2)];
  return parts;
}

// Where a long identifier may break across lines: after each colon or slash, never inside a part, so a column can be
// narrower than the whole id and every part stays readable ("ft:gpt-4o-mini-2024-07-18:" / "acme:support:Ab12Cd34").

/** The id in pieces that each end with their separator; "ft:" stays with the base model it prefixes. */
export function idParts(id: string): string[] {
  const parts = id.split(/(?<=[:/])/);
  if (parts.length > 1 && parts[0] === "ft:") return [parts[0] + parts[1], ...parts.slice(2)];
  return parts;
}

// Where an ft: model name may break across lines: after each colon, never inside a part, so a column can be narrower
// than the whole name and every part stays readable ("ft:gpt-4o-mini-2024-07-18:" / "acme:support:Ab12Cd34").
// A file path breaks after its slashes ("/srv/tuneforge/data/" / "jobs/cmx6o…/" / "adapter"), the way a terminal
// reader scans it.

/** The name in pieces that each end with their colon; "ft:" stays with the base model it prefixes. */
export function idParts(id: string): string[] {
  const parts = id.split(/(?<=:)/);
  if (parts.length > 1 && parts[0] === "ft:") return [parts[0] + parts[1], ...parts.slice(2)];
  return parts;
}

/** The path in pieces that each end with their slash (or backslash, for a Windows path). */
export function pathParts(path: string): string[] {
  return path.split(/(?<=[/\\])/);
}

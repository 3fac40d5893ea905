// Where an id-like name may break across lines: never inside a part, so a column can be narrower than the whole name
// and every part stays readable.
// - An ft: model name breaks after each colon ("ft:gpt-4o-mini-2024-07-18:" / "acme:support:Ab12Cd34"); "ft:" stays
//   with the base model it prefixes, wherever it stands ("openai:" / "ft:gpt-4o-mini-2024-07-18:" / …).
// - A model spec (lib/eval/spec.ts) also breaks after the slashes of an adapter path or URL (not inside "://"), and
//   before the "@" of a checkpoint step, the "+" of an adapter and the "#" of an endpoint's model.
// Without this, the browser broke such names at their hyphens ("openai:gpt-4o-mini-2024-" / "07-18") or, with
// overflow-wrap: anywhere, at any character ("job:cmx75vkle000vw37d4gs3" / "1hy2").
// A file path breaks after its slashes ("/srv/tuneforge/data/" / "jobs/cmx6o…/" / "adapter"), the way a terminal
// reader scans it.

const BREAKS = /(?<=:)(?!\/\/)|(?<=\/)(?<!:\/\/)(?!\/)|(?=[@+#])/;

/** The name or spec in pieces, each ending where a line may break. */
export function idParts(id: string): string[] {
  const parts = id.split(BREAKS).filter(Boolean);
  const merged: string[] = [];
  for (const part of parts) {
    if (merged.at(-1) === "ft:") merged[merged.length - 1] += part;
    else merged.push(part);
  }
  return merged;
}

/** The path in pieces that each end with their slash (or backslash, for a Windows path). */
export function pathParts(path: string): string[] {
  return path.split(/(?<=[/\\])/);
}

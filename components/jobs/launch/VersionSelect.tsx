"use client";

import type { LaunchVersionOption } from "@/lib/jobs/launch/options";
import type { FieldControlProps } from "../../ui/Field";
import { formatInt } from "../../ui/format";

// The dataset version picker both launch forms (OpenAI and local) share: versions grouped by dataset.

export function versionLabel(v: LaunchVersionOption): string {
  return `v${v.number} — ${formatInt(v.trainCount)} train · ${formatInt(v.validationCount)} validation${v.hasPreference ? " · DPO" : ""}${v.note ? ` — ${v.note}` : ""}`;
}

function groupByDataset(versions: LaunchVersionOption[]) {
  const groups = new Map<string, { name: string; versions: LaunchVersionOption[] }>();
  for (const v of versions) {
    const g = groups.get(v.datasetId) ?? { name: v.datasetName, versions: [] };
    g.versions.push(v);
    groups.set(v.datasetId, g);
  }
  return [...groups.entries()];
}

export function VersionSelect({ versions, value, onChange, control }: { versions: LaunchVersionOption[]; value: string; onChange: (id: string) => void; control: FieldControlProps }) {
  return (
    <select {...control} className="input" value={value} onChange={(e) => onChange(e.target.value)}>
      {groupByDataset(versions).map(([id, g]) => (
        <optgroup key={id} label={g.name}>
          {g.versions.map((v) => (
            <option key={v.id} value={v.id}>
              {g.name} {versionLabel(v)}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}

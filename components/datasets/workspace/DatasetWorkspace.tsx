"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useRef } from "react";
import { ExampleEditor } from "../editor/ExampleEditor";
import { ImportPanel } from "../import/ImportPanel";
import { StatsPanel } from "../stats/StatsPanel";
import { ExamplesView } from "../table/ExamplesView";
import { VersionsPanel } from "../versions/VersionsPanel";
import { WORKSPACE_TABS, type DatasetSummary, type WorkspaceTab } from "./contracts";
import styles from "./workspace.module.css";

const TAB_LABELS: Record<WorkspaceTab, string> = {
  examples: "Examples",
  import: "Import",
  stats: "Statistics",
  versions: "Splits & versions",
};

function isTab(value: string | null): value is WorkspaceTab {
  return value !== null && (WORKSPACE_TABS as readonly string[]).includes(value);
}

/** Tabs of one dataset; the URL holds the tab and the open example so both survive reloads and links. */
export function DatasetWorkspace({ dataset }: { dataset: DatasetSummary }) {
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  const tabParam = search.get("tab");
  const tab: WorkspaceTab = isTab(tabParam) ? tabParam : "examples";
  const openExampleId = search.get("example");
  // The table's current row order; a ref because the editor reads it only when stepping.
  const order = useRef<string[]>([]);

  const hrefWith = useCallback(
    (changes: Record<string, string | null>) => {
      const next = new URLSearchParams(search.toString());
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) next.delete(k);
        else next.set(k, v);
      }
      const q = next.toString();
      return q ? `${pathname}?${q}` : pathname;
    },
    [pathname, search],
  );

  const openExample = useCallback((id: string | null) => router.replace(hrefWith({ example: id }), { scroll: false }), [router, hrefWith]);

  const navigate = (delta: -1 | 1) => {
    if (!openExampleId) return;
    const i = order.current.indexOf(openExampleId);
    const next = i < 0 ? undefined : order.current[i + delta];
    if (next) openExample(next);
  };

  return (
    <div className={styles.workspace}>
      <nav className={styles.tabs} aria-label="Dataset views">
        {WORKSPACE_TABS.map((t) => (
          <Link
            key={t}
            href={hrefWith({ tab: t === "examples" ? null : t, example: null })}
            className={t === tab ? `${styles.tab} ${styles.active}` : styles.tab}
            aria-current={t === tab ? "page" : undefined}
            scroll={false}
          >
            {TAB_LABELS[t]}
          </Link>
        ))}
      </nav>
      {tab === "examples" ? (
        <>
          <ExamplesView
            datasetId={dataset.id}
            openExampleId={openExampleId}
            onOpenExample={(id) => openExample(id)}
            onOrderChange={(ids) => {
              order.current = ids;
            }}
          />
          {openExampleId ? (
            <ExampleEditor
              key={openExampleId}
              datasetId={dataset.id}
              exampleId={openExampleId}
              onClose={() => openExample(null)}
              onNavigate={navigate}
            />
          ) : null}
        </>
      ) : null}
      {tab === "import" ? <ImportPanel datasetId={dataset.id} /> : null}
      {tab === "stats" ? <StatsPanel datasetId={dataset.id} /> : null}
      {tab === "versions" ? <VersionsPanel datasetId={dataset.id} /> : null}
    </div>
  );
}

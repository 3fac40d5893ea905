"use client";

import { flexRender, getCoreRowModel, useReactTable, type SortingState } from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { COLUMNS, FLEXIBLE } from "./columns";
import styles from "./table.module.css";
import type { ExampleRow } from "./types";
import { PAGE_SIZE } from "./use-example-pages";

const ROW_HEIGHT = 38;

type Props = {
  /** Changes with the sort and filters: a new list starts at its top. */
  listKey: string;
  total: number;
  rowAt: (index: number) => ExampleRow | undefined;
  loaded: ExampleRow[];
  sorting: SortingState;
  onSortingChange: (sorting: SortingState) => void;
  /** Pages (of PAGE_SIZE rows) the visible window touches; the parent fetches them. */
  onVisiblePages: (pages: number[]) => void;
  selected: ReadonlySet<string>;
  toggle: (id: string, range: boolean) => void;
  setAll: (on: boolean) => void;
  counting: boolean;
  openExampleId: string | null;
  onOpen: (id: string) => void;
};

/**
 * The curation table: a real <table> (roles and aria-sort for assistive tech) whose body is virtualized over
 * every matching row. Rows outside the window are spacer rows; rows inside it whose page has not loaded yet
 * are skeletons. Keyboard: ArrowUp/Down move the active row, Enter opens it, Space selects it.
 */
export function ExamplesTable(p: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const focusActive = useRef(false);
  const helpId = useId();

  const table = useReactTable({
    data: p.loaded,
    columns: COLUMNS,
    getRowId: (r) => r.id,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    enableMultiSort: false,
    sortDescFirst: false,
    state: { sorting: p.sorting },
    onSortingChange: (updater) => p.onSortingChange(typeof updater === "function" ? updater(p.sorting) : updater),
    meta: { rows: { isSelected: (id) => p.selected.has(id), toggle: p.toggle, counting: p.counting } },
  });

  const virtualizer = useVirtualizer({
    count: p.total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  const { onVisiblePages } = p;
  useEffect(() => {
    const pages: number[] = [];
    for (let page = Math.floor(first / PAGE_SIZE); page <= Math.floor(last / PAGE_SIZE); page++) pages.push(page);
    onVisiblePages(pages);
  }, [first, last, onVisiblePages]);

  // A new list (sort, filters) starts at its top; a list that shrank keeps the active row inside it.
  useEffect(() => {
    setActive(0);
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [p.listKey]);
  useEffect(() => setActive((a) => Math.min(a, Math.max(0, p.total - 1))), [p.total]);

  // Keyboard moves focus to the active row once it is rendered with data: a jump (End, PageDown) may land on
  // a page still loading, whose skeleton row cannot take focus, so the request waits for the real row.
  useEffect(() => {
    if (!focusActive.current) return;
    const row = scrollRef.current?.querySelector<HTMLElement>(`tr[data-index="${active}"][tabindex]`);
    if (!row) return;
    focusActive.current = false;
    row.focus({ preventScroll: true });
  });

  const move = (to: number) => {
    const next = Math.max(0, Math.min(p.total - 1, to));
    setActive(next);
    virtualizer.scrollToIndex(next, { align: "auto" });
    focusActive.current = true;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTableSectionElement>) => {
    const row = p.rowAt(active);
    if (e.key === "ArrowDown") move(active + 1);
    else if (e.key === "ArrowUp") move(active - 1);
    else if (e.key === "PageDown") move(active + 10);
    else if (e.key === "PageUp") move(active - 10);
    else if (e.key === "Home") move(0);
    else if (e.key === "End") move(p.total - 1);
    else if (e.key === "Enter" && row) p.onOpen(row.id);
    else if (e.key === " " && row) p.toggle(row.id, e.shiftKey);
    else return;
    e.preventDefault();
  };

  const loadedIds = useMemo(() => p.loaded.map((r) => r.id), [p.loaded]);
  const selectedLoaded = loadedIds.filter((id) => p.selected.has(id)).length;
  const allChecked = loadedIds.length > 0 && selectedLoaded === loadedIds.length;
  const padTop = items[0]?.start ?? 0;
  const padBottom = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);
  const columns = table.getVisibleLeafColumns();

  return (
    <div ref={scrollRef} className={styles.scroller}>
      <p id={helpId} className="visually-hidden">
        Arrow keys move between rows, Enter opens the example, Space selects it, Shift+click selects a range.
      </p>
      <table className={styles.table} aria-rowcount={p.total + 1} aria-label="Examples" aria-describedby={helpId}>
        <colgroup>
          {columns.map((c) => (
            <col key={c.id} style={c.columnDef.size === FLEXIBLE ? undefined : { width: c.getSize() }} />
          ))}
        </colgroup>
        <thead>
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id} aria-rowindex={1}>
              {hg.headers.map((h) => {
                const sorted = h.column.getIsSorted();
                if (h.column.id === "select") {
                  return (
                    <th key={h.id} className={styles.selectCell}>
                      <input
                        type="checkbox"
                        className={styles.check}
                        aria-label="Select all loaded examples"
                        checked={allChecked}
                        ref={(el) => {
                          if (el) el.indeterminate = selectedLoaded > 0 && !allChecked;
                        }}
                        onChange={() => p.setAll(!allChecked)}
                      />
                    </th>
                  );
                }
                const sortable = h.column.getCanSort();
                return (
                  <th
                    key={h.id}
                    aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : sortable ? "none" : undefined}
                    className={h.column.id === "tokens" || h.column.id === "messages" || h.column.id === "position" ? styles.numHead : undefined}
                  >
                    {sortable ? (
                      <button type="button" className={styles.sortButton} onClick={h.column.getToggleSortingHandler()}>
                        {flexRender(h.column.columnDef.header, h.getContext())}
                        <span className={styles.sortIcon} aria-hidden="true">
                          {sorted === "asc" ? "↑" : sorted === "desc" ? "↓" : "↕"}
                        </span>
                      </button>
                    ) : (
                      flexRender(h.column.columnDef.header, h.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {padTop > 0 ? <tr aria-hidden="true" style={{ height: padTop }} className={styles.spacer} /> : null}
          {items.map((item) => {
            const data = p.rowAt(item.index);
            if (!data) {
              return (
                <tr key={`skeleton-${item.index}`} data-index={item.index} aria-rowindex={item.index + 2} aria-busy="true" className={styles.skeletonRow} style={{ height: ROW_HEIGHT }}>
                  {columns.map((c) => (
                    <td key={c.id}>
                      <span className={styles.skeleton} />
                    </td>
                  ))}
                </tr>
              );
            }
            const row = table.getRow(data.id);
            const isOpen = data.id === p.openExampleId;
            const isSelected = p.selected.has(data.id);
            return (
              <tr
                key={data.id}
                data-index={item.index}
                aria-rowindex={item.index + 2}
                data-selected={isSelected || undefined}
                aria-current={isOpen ? "true" : undefined}
                tabIndex={item.index === active ? 0 : -1}
                className={styles.row}
                style={{ height: ROW_HEIGHT }}
                onClick={(e) => {
                  setActive(item.index);
                  if (e.shiftKey) p.toggle(data.id, true);
                  else p.onOpen(data.id);
                }}
                onFocus={() => setActive(item.index)}
              >
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className={cell.column.id === "select" ? styles.selectCell : undefined}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            );
          })}
          {padBottom > 0 ? <tr aria-hidden="true" style={{ height: padBottom }} className={styles.spacer} /> : null}
        </tbody>
      </table>
    </div>
  );
}

// Axis and tooltip settings the job and compare charts share.

export const axisTick = { fontSize: 11, fill: "var(--text-muted)" };

export const tooltipStyle = { background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 6, fontSize: 12 };

/** Loss and accuracy figures at a readable precision: 2.31, 0.47, 0.0031; zero as "0" (not "0.0" under "2.00"). */
export const formatFigure = (v: number) =>
  v === 0 ? "0" : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2);

// Accuracy lives in [0, 1]: from the tenth below the lowest value up to exactly 1 (an "auto" top would be
// rounded up to 1.05 or 1.2).
export const ACCURACY_DOMAIN: [(min: number) => number, number] = [(min) => Math.max(0, Math.floor(min * 10) / 10), 1];

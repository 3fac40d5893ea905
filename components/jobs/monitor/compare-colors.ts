// One colour per compared job, the same in the charts and the settings table: distinct under the common
// colour-vision deficiencies (Okabe–Ito), then two extra.
export const COMPARE_COLORS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#999933"];

export const compareColor = (i: number) => COMPARE_COLORS[i % COMPARE_COLORS.length]!;

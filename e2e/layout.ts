import { expect, type Locator } from "@playwright/test";

// Layout checks that screenshots showed failing: a select too narrow for its chosen option, and fields of one row
// whose inputs sit at different heights. They measure what the browser laid out, not the CSS that asked for it.

/**
 * The select is wide enough to show its chosen option's whole text: the text's width in the select's own font,
 * plus its padding and the room the drop-down arrow takes, fits its inner width. (A select does not report an
 * overflowing scrollWidth, so the text is measured on a canvas.)
 */
export async function expectSelectShowsItsChoice(select: Locator): Promise<void> {
  const m = await select.evaluate((el) => {
    const s = el as HTMLSelectElement;
    const style = getComputedStyle(s);
    const ctx = document.createElement("canvas").getContext("2d")!;
    ctx.font = style.font;
    const text = s.selectedOptions[0]?.text ?? "";
    const arrow = 20; // Chromium's arrow and its gap at a 15 px font
    return { text, needed: ctx.measureText(text).width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + arrow, inner: s.clientWidth };
  });
  expect(m.text.length, "the select has a chosen option").toBeGreaterThan(0);
  expect(m.needed, `"${m.text}" fits its select (${Math.round(m.needed)} px needed, ${m.inner} px there)`).toBeLessThanOrEqual(m.inner);
}

/** Every control's top edge is at the same height (within a pixel), as a row of fields should read. */
export async function expectSameTop(controls: Locator[]): Promise<void> {
  const tops: number[] = [];
  for (const c of controls) tops.push((await c.boundingBox())!.y);
  expect(Math.max(...tops) - Math.min(...tops), `tops ${tops.map(Math.round).join(", ")}`).toBeLessThanOrEqual(1);
}

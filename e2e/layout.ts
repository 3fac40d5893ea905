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

/**
 * The element's text as the browser broke it into lines: each character's box is measured (a Range per character),
 * and characters whose boxes share a top edge make one line. <wbr> and other elements add no characters.
 */
export async function renderedLines(el: Locator): Promise<string[]> {
  return el.evaluate((node) => {
    const lines = new Map<number, string>();
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      for (let i = 0; i < text.textContent!.length; i += 1) {
        const range = document.createRange();
        range.setStart(text, i);
        range.setEnd(text, i + 1);
        const box = range.getClientRects()[0];
        if (!box) continue;
        const top = Math.round(box.top);
        lines.set(top, (lines.get(top) ?? "") + text.textContent![i]);
      }
    }
    return [...lines.entries()].sort((a, b) => a[0] - b[0]).map(([, line]) => line);
  });
}

/** A name laid out on lines that each end at one of `breaks` (all but the last), as a reader scans it. */
export async function expectBreaksOnlyAfter(el: Locator, breaks: string): Promise<void> {
  const lines = await renderedLines(el);
  expect(lines.join(""), "the lines hold the whole text").toBe(await el.textContent());
  for (const line of lines.slice(0, -1)) expect(breaks, `line "${line}" of ${JSON.stringify(lines)} ends at a break`).toContain(line.at(-1));
}

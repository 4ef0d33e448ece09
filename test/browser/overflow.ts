import type { Page } from "playwright-core";

/** The little of the browser's DOM the check reads (the test program is compiled without `dom`). */
interface Box {
  right: number;
}
interface MeasuredElement {
  scrollWidth: number;
  clientWidth: number;
  parentElement: MeasuredElement | null;
  textContent: string | null;
  getBoundingClientRect(): Box;
  closest(selector: string): MeasuredElement | null;
  querySelector(selector: string): MeasuredElement | null;
}
interface MeasuredDocument {
  documentElement: MeasuredElement;
  querySelectorAll(selector: string): Iterable<MeasuredElement>;
}

/**
 * What sticks out sideways on the page as laid out now: the document wider than the window, or a
 * table wider than the box that holds it (its right columns cut off or pushing the page).
 */
export function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as { document: MeasuredDocument };
    const problems: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) {
      problems.push(`the page is ${root.scrollWidth}px wide in a ${root.clientWidth}px window`);
    }
    for (const table of document.querySelectorAll("table")) {
      const holder = table.parentElement;
      if (!holder) continue;
      const right = table.getBoundingClientRect().right;
      const limit = holder.getBoundingClientRect().right;
      const heading = table.closest("section")?.querySelector("h1, h2")?.textContent?.trim();
      const name = `a table${heading ? ` in "${heading}"` : ""}`;
      if (right > limit + 1) {
        problems.push(
          `${name} ends at ${Math.round(right)}px, past its box at ${Math.round(limit)}px`,
        );
      }
      if (table.scrollWidth > table.clientWidth + 1) {
        problems.push(`${name} holds ${table.scrollWidth}px of content in ${table.clientWidth}px`);
      }
    }
    return problems;
  });
}

/** Opens every <details> (call bodies, env values), so the check sees the widest layout. */
export async function openAllDetails(page: Page): Promise<void> {
  await page.evaluate(() => {
    const { document } = globalThis as unknown as {
      document: { querySelectorAll(selector: string): Iterable<{ open: boolean }> };
    };
    for (const details of document.querySelectorAll("details")) details.open = true;
  });
}

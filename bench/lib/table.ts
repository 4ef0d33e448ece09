export type Align = "left" | "right";

export interface Table {
  headers: string[];
  rows: string[][];
  /** Per column; columns without an entry are left-aligned. */
  align?: Align[];
}

/** A fixed-width table for the terminal. */
export function renderTextTable({ headers, rows, align = [] }: Table): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return align[column] === "right" ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

/** A GitHub-flavoured markdown table. */
export function renderMarkdownTable({ headers, rows, align = [] }: Table): string {
  const line = (cells: string[]) =>
    `| ${cells.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`;
  const rule = headers.map((_, column) => (align[column] === "right" ? "---:" : "---"));
  return [line(headers), `|${rule.map((cell) => ` ${cell} `).join("|")}|`, ...rows.map(line)].join(
    "\n",
  );
}

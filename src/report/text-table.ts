/** Left-aligned text columns, each as wide as its widest cell; long cells are cut with "…". */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  maxWidths: readonly number[] = [],
): string {
  const cut = (cell: string, column: number): string => {
    const max = maxWidths[column];
    return max !== undefined && cell.length > max ? `${cell.slice(0, Math.max(0, max - 1))}…` : cell;
  };
  const all = [header, ...rows].map((row) => row.map((cell, column) => cut(oneLine(cell), column)));
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

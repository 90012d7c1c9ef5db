/** Rows under a header, each column as wide as its widest cell, a dashed rule under the header (like patronictl list). */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

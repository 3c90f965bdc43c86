/** Columns padded to their widest cell, two spaces apart; the first row is the header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `k=v` pairs, sorted, or "-". */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(tags).sort(([a], [b]) => a.localeCompare(b));
  return pairs.length ? pairs.map(([k, v]) => `${k}=${v}`).join(",") : "-";
}

/** A ttl in seconds as the largest whole unit ("30d", "2h", "90s"), or "0 (forever)". */
export function formatTtl(seconds: number): string {
  if (seconds === 0) return "0 (forever)";
  for (const [unit, size] of [
    ["w", 604_800],
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

import { invalidArgument } from "../errors/index.js";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A window or slide length: whole seconds (> 0) from a number or "90s", "15m", "1h", "7d", "1d12h". */
export function parseWindow(value: unknown, where: string): { seconds: number; label: string } {
  if (typeof value === "number" && Number.isInteger(value) && value > 0) {
    return { seconds: value, label: `${value}s` };
  }
  if (typeof value === "string") {
    const text = value.trim();
    if (/^(\d+[smhdw])+$/.test(text)) {
      let seconds = 0;
      for (const [, amount, unit] of text.matchAll(/(\d+)([smhdw])/g)) {
        seconds += Number(amount) * (UNIT_SECONDS[unit ?? "s"] ?? 1);
      }
      if (seconds > 0) return { seconds, label: text };
    }
  }
  throw invalidArgument(
    `${where}: expected a duration like "30s", "1h", "24h", "7d" or "1d12h" (or whole seconds > 0), got ${JSON.stringify(value)}`,
  );
}

/**
 * The default slide (tile size) of a window: a sixtieth of it, at least one
 * second, and a divisor of the window so windows are whole tiles (the
 * largest such divisor: 1h -> 60s, 24h -> 24m, 7d -> 2h48m).
 */
export function defaultSlideSeconds(windowSeconds: number): number {
  for (let s = Math.max(1, Math.floor(windowSeconds / 60)); s > 1; s--) {
    if (windowSeconds % s === 0) return s;
  }
  return 1;
}

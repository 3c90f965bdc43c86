import { invalidArgument } from "../errors/index.js";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * A ttl in whole seconds, from seconds or a duration string like "90s",
 * "15m", "2h", "1d", "1w" or "1d12h". 0 means unbounded (Feast's convention).
 */
export function parseTtl(ttl: number | string | undefined, where: string): number {
  if (ttl === undefined || ttl === null) return 0;
  if (typeof ttl === "number") {
    if (Number.isInteger(ttl) && ttl >= 0) return ttl;
    throw invalidArgument(`${where}: expected a whole number of seconds >= 0, got ${ttl}`);
  }
  if (typeof ttl === "string") {
    const text = ttl.trim();
    if (/^\d+$/.test(text)) return Number(text);
    if (/^(\d+[smhdw])+$/.test(text)) {
      let seconds = 0;
      for (const [, amount, unit] of text.matchAll(/(\d+)([smhdw])/g)) {
        seconds += Number(amount) * (UNIT_SECONDS[unit ?? "s"] ?? 1);
      }
      return seconds;
    }
  }
  throw invalidArgument(
    `${where}: expected seconds or a duration like "30m", "2h", "30d" or "1d12h", got ${JSON.stringify(ttl)}`,
  );
}

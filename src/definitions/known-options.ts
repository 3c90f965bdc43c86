/**
 * Every definition's options object is checked against the options it knows,
 * so a Feast spelling (`join_keys`, `timestamp_field`) or a typo
 * (`descriptin`) is an error naming the object, the option and the nearest
 * known one, instead of being silently ignored and surfacing later as an
 * unrelated error.
 */
import { invalidArgument } from "../errors/index.js";

/** `join_keys` -> `joinKeys`: Feast's Python names written in snake_case. */
function camelCase(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Levenshtein distance, case-insensitive (option names are short). */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
}

/**
 * The known option closest to `unknown`: its camelCase spelling when that is
 * known, else the nearest by edit distance (at most a third of the name, and
 * at least 2 edits allowed), else undefined.
 */
export function nearestOption(unknown: string, known: readonly string[]): string | undefined {
  const camel = camelCase(unknown);
  const exact = known.find((k) => k === camel || k.toLowerCase() === camel.toLowerCase());
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(unknown.length / 3)) + 1;
  for (const candidate of known) {
    const distance = Math.min(editDistance(unknown, candidate), editDistance(camel, candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Throws `LABEL: OPTION: unknown option; did you mean KNOWN?` for the first option not in `known`. */
export function checkKnownOptions(label: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const nearest = nearestOption(key, known);
    const hint = nearest ? `did you mean ${nearest}?` : `known options: ${known.join(", ")}`;
    throw invalidArgument(`${label}: ${key}: unknown option; ${hint}`);
  }
}

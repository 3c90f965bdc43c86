/**
 * Distances between two distributions given as counts over the same bins
 * (numbers: a baseline's histogram bins with the below/above guards;
 * categories: a baseline's top values plus "every other value"). Pure.
 *
 *   PSI = sum_i (a_i - e_i) * ln(a_i / e_i)          shares; a zero share counts as PSI_EPSILON
 *   KS  = max_k |E_k - A_k|                           cumulative shares at the bin edges
 *   JS  = sqrt( KL(E||M)/2 + KL(A||M)/2 ), M = (E+A)/2, log base 2   (a distance in [0, 1])
 *
 * KS over bins is the two-sample statistic evaluated at the bin edges: a
 * lower bound of the exact one, short of it by at most the mass of one bin.
 */

/** The share a PSI term uses for an empty bin (a common choice; ln(0) is undefined). */
export const PSI_EPSILON = 1e-4;

function shares(counts: readonly number[]): number[] | null {
  const total = counts.reduce((s, c) => s + c, 0);
  return total > 0 ? counts.map((c) => c / total) : null;
}

function sameLength(expected: readonly number[], actual: readonly number[]): void {
  if (expected.length !== actual.length) {
    throw new Error(`distributions over different bins: ${expected.length} and ${actual.length}`);
  }
}

/** Population stability index of `actual` against `expected` (counts per bin); null when either is empty. */
export function populationStabilityIndex(
  expected: readonly number[],
  actual: readonly number[],
  epsilon = PSI_EPSILON,
): number | null {
  sameLength(expected, actual);
  const e = shares(expected);
  const a = shares(actual);
  if (!e || !a) return null;
  let psi = 0;
  for (let i = 0; i < e.length; i++) {
    const ei = Math.max(e[i] as number, epsilon);
    const ai = Math.max(a[i] as number, epsilon);
    psi += (ai - ei) * Math.log(ai / ei);
  }
  return psi;
}

/** Kolmogorov–Smirnov statistic at the bin edges (counts per ordered bin); null when either is empty. */
export function kolmogorovSmirnov(expected: readonly number[], actual: readonly number[]): number | null {
  sameLength(expected, actual);
  const e = shares(expected);
  const a = shares(actual);
  if (!e || !a) return null;
  let ce = 0;
  let ca = 0;
  let d = 0;
  for (let i = 0; i < e.length; i++) {
    ce += e[i] as number;
    ca += a[i] as number;
    d = Math.max(d, Math.abs(ce - ca));
  }
  return d;
}

/** Jensen–Shannon distance (base 2, in [0, 1]) between two count vectors; null when either is empty. */
export function jensenShannonDistance(expected: readonly number[], actual: readonly number[]): number | null {
  sameLength(expected, actual);
  const p = shares(expected);
  const q = shares(actual);
  if (!p || !q) return null;
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] as number;
    const qi = q[i] as number;
    const m = (pi + qi) / 2;
    if (pi > 0) divergence += (pi / 2) * Math.log2(pi / m);
    if (qi > 0) divergence += (qi / 2) * Math.log2(qi / m);
  }
  // Rounding can leave a tiny negative for identical inputs.
  return Math.sqrt(Math.max(0, divergence));
}

import { invalidArgument } from "../errors/index.js";

/**
 * An on-demand transformation over columnar inputs: `inputs[name]` is the
 * array of one input's values (one per row); it returns `{ feature: values }`.
 * It must be self-contained (no variables from outside the function): it is
 * stored as source text and evaluated alone by the server.
 */
// biome-ignore lint/suspicious/noExplicitAny: input columns hold values of any feature type.
export type OnDemandUdf = (inputs: Record<string, any>) => Record<string, unknown[]>;

/**
 * The storable source of a udf: an expression that evaluates to the function.
 * tsx/esbuild wraps inner functions in `__name(fn, "name")` calls (keepNames),
 * so when present a no-op `__name` is bound around the function; method
 * shorthand (`udf(inputs) {...}`) is turned into an expression.
 */
export function udfSourceOf(udf: unknown, label: string): string {
  if (typeof udf !== "function")
    throw invalidArgument(`${label}: udf: expected a function (inputs) => outputs`);
  let source = udf.toString().trim();
  if (source.startsWith("class ")) throw invalidArgument(`${label}: udf: expected a function, got a class`);
  if (!isExpression(source)) source = `Object.values({ ${source} })[0]`;
  if (source.includes("__name")) source = `((__name) => (${source}))((fn) => fn)`;
  if (source.includes("[native code]")) {
    throw invalidArgument(`${label}: udf: a bound or native function has no source; write a plain function`);
  }
  return source;
}

function isExpression(source: string): boolean {
  try {
    new Function(`return (${source});`);
    return true;
  } catch {
    return false;
  }
}

/** Turns stored udf source back into a callable function (evaluated in isolation, strict mode). */
export function compileUdf(source: string, label = "udf"): OnDemandUdf {
  let fn: unknown;
  try {
    fn = new Function(`"use strict"; return (${source});`)();
  } catch (err) {
    throw invalidArgument(`${label}: udf source does not compile: ${(err as Error).message}`, err);
  }
  if (typeof fn !== "function") throw invalidArgument(`${label}: udf source is not a function`);
  return fn as OnDemandUdf;
}

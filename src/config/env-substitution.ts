import { parse } from "yaml";

/** `${VAR}` or `${VAR:-default}`; VAR is a shell-style name. */
const VAR_PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_VAR_PATTERN = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

export type Env = Record<string, string | undefined>;

/** Thrown (as a plain value) when a variable without default is unset; the caller adds file and key. */
export class MissingVariable {
  constructor(readonly variable: string) {}
}

/**
 * Substitutes `${VAR}` / `${VAR:-default}` in one string. A string that is
 * exactly one reference is re-read as a YAML scalar, so `port: ${PORT:-6566}`
 * stays a number and `enabled: ${METRICS:-false}` a boolean.
 * An empty value counts as unset for `:-`, as in the shell.
 */
export function substituteVariables(text: string, env: Env): unknown {
  const whole = WHOLE_VAR_PATTERN.exec(text);
  const replaced = text.replace(VAR_PATTERN, (_match, name: string, fallback: string | undefined) =>
    lookup(name, fallback, env),
  );
  if (!whole) return replaced;
  if (replaced === "") return "";
  try {
    const scalar: unknown = parse(replaced);
    return scalar !== null && typeof scalar === "object" ? replaced : scalar;
  } catch {
    return replaced;
  }
}

function lookup(name: string, fallback: string | undefined, env: Env): string {
  const value = env[name];
  if (value !== undefined && (value !== "" || fallback === undefined)) return value;
  if (fallback !== undefined) return fallback;
  throw new MissingVariable(name);
}

/** True if the string references any variable. */
export function hasVariables(text: string): boolean {
  return text.includes("${");
}

import { ConfigError } from "./config-error.js";
import { type Env, hasVariables, MissingVariable, substituteVariables } from "./env-substitution.js";

type Mapping = Record<string, unknown>;

/**
 * Reads one YAML mapping key by key, substituting `${VAR}` in scalars as they
 * are read, and remembers which keys were read so `finish()` can reject the
 * unknown ones. Every error names the file, the dotted key path and what was
 * expected.
 */
export class ConfigReader {
  readonly #read = new Set<string>();

  constructor(
    readonly file: string,
    readonly path: string,
    private readonly mapping: Mapping,
    readonly env: Env,
  ) {}

  /** Wraps a value that must be a mapping (or absent: an empty one). */
  static of(file: string, path: string, value: unknown, env: Env): ConfigReader {
    if (value === undefined || value === null) return new ConfigReader(file, path, {}, env);
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new ConfigError(file, path, `expected a mapping, got ${describe(value)}`);
    }
    return new ConfigReader(file, path, value as Mapping, env);
  }

  keyPath(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  has(key: string): boolean {
    return this.raw(key) !== undefined;
  }

  /** The value after `${VAR}` substitution; undefined when absent. */
  raw(key: string): unknown {
    this.#read.add(key);
    const value = this.mapping[key];
    if (typeof value !== "string" || !hasVariables(value)) return value;
    try {
      return substituteVariables(value, this.env);
    } catch (err) {
      if (err instanceof MissingVariable) {
        throw this.error(
          key,
          `environment variable ${err.variable} is not set (set it, or write \${${err.variable}:-default})`,
        );
      }
      throw err;
    }
  }

  error(key: string, expectation: string): ConfigError {
    return new ConfigError(this.file, this.keyPath(key), expectation);
  }

  string(key: string, fallback: string): string;
  string(key: string, fallback?: undefined): string | undefined;
  string(key: string, fallback?: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "string") throw this.error(key, `expected a string, got ${describe(value)}`);
    return value;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined || value === "") throw this.error(key, "is required (a non-empty string)");
    return value;
  }

  integer(key: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw this.error(key, `expected an integer, got ${describe(value)}`);
    }
    const { min, max } = range;
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      const bounds = max === undefined ? `>= ${min}` : `between ${min ?? "-inf"} and ${max}`;
      throw this.error(key, `expected an integer ${bounds}, got ${value}`);
    }
    return value;
  }

  number(key: string, fallback: number, min = 0): number {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw this.error(key, `expected a number, got ${describe(value)}`);
    }
    if (value < min) throw this.error(key, `expected a number >= ${min}, got ${value}`);
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "boolean") throw this.error(key, `expected true or false, got ${describe(value)}`);
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      throw this.error(
        key,
        `expected one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${describe(value)}`,
      );
    }
    return value as T;
  }

  stringList(key: string): string[] | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw this.error(key, `expected a list of strings, got ${describe(value)}`);
    return value.map((item, i) => {
      const sub = new ConfigReader(this.file, this.keyPath(key), { [i]: item }, this.env);
      const text = sub.string(String(i));
      if (text === undefined || text === "") throw sub.error(String(i), "expected a non-empty string");
      return text;
    });
  }

  /** A nested mapping; absent or null gives an empty reader. */
  section(key: string): ConfigReader {
    return ConfigReader.of(this.file, this.keyPath(key), this.raw(key), this.env);
  }

  /** Rejects keys that were never read. */
  finish(): void {
    for (const key of Object.keys(this.mapping)) {
      if (!this.#read.has(key)) {
        const known = [...this.#read].sort().join(", ");
        throw this.error(key, `unknown key (known keys here: ${known || "none"})`);
      }
    }
  }
}

/** A short description of a YAML value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `"${value}"`;
  return `${typeof value} ${String(value)}`;
}

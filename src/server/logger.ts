/**
 * fstore's structured logger: one JSON object per line on stdout (pino), so
 * logs can be shipped and queried without parsing free text.
 */
import { type LevelWithSilent, type Logger, pino } from "pino";
import { invalidArgument } from "../errors/index.js";

export interface LoggerOptions {
  /** Minimum level; `FSTORE_LOG_LEVEL` when unset, else "info". "silent" turns logging off. */
  level?: LevelWithSilent;
  /** Where lines go; stdout when unset (tests pass an in-memory stream). */
  destination?: NodeJS.WritableStream;
}

const LEVELS: readonly string[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** The level named by FSTORE_LOG_LEVEL (default "info"); an unknown name is INVALID_ARGUMENT. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LevelWithSilent {
  const value = env.FSTORE_LOG_LEVEL?.trim().toLowerCase() || "info";
  if (!LEVELS.includes(value)) {
    throw invalidArgument(
      `FSTORE_LOG_LEVEL: expected one of ${LEVELS.join(", ")}, got "${env.FSTORE_LOG_LEVEL}"`,
    );
  }
  return value as LevelWithSilent;
}

/** Creates the JSON logger the server and CLI share. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const config = {
    level: options.level ?? logLevelFromEnv(),
    base: { service: "fstore" },
    // ISO times read better than epoch millis when a human tails the log.
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

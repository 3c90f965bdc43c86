/**
 * fstore's structured logger: one JSON object per line on stdout (pino), so
 * logs can be shipped and queried without parsing free text.
 */
import { type LevelWithSilent, type Logger, pino } from "pino";

export interface LoggerOptions {
  /** Minimum level; `FSTORE_LOG_LEVEL` when unset, else "info". "silent" turns logging off. */
  level?: LevelWithSilent;
  /** Where lines go; stdout when unset (tests pass an in-memory stream). */
  destination?: NodeJS.WritableStream;
}

/** Creates the JSON logger the server and CLI share. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? (process.env.FSTORE_LOG_LEVEL as LevelWithSilent | undefined) ?? "info";
  const config = {
    level,
    base: { service: "fstore" },
    // ISO times read better than epoch millis when a human tails the log.
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

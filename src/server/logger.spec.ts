import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, logLevelFromEnv } from "./logger.js";

describe("logLevelFromEnv", () => {
  it("defaults to info and accepts pino's levels in any case", () => {
    expect(logLevelFromEnv({})).toBe("info");
    expect(logLevelFromEnv({ FSTORE_LOG_LEVEL: "" })).toBe("info");
    expect(logLevelFromEnv({ FSTORE_LOG_LEVEL: "WARN" })).toBe("warn");
    expect(logLevelFromEnv({ FSTORE_LOG_LEVEL: "silent" })).toBe("silent");
  });
  it("names the variable and the choices for an unknown level", () => {
    expect(() => logLevelFromEnv({ FSTORE_LOG_LEVEL: "verbose" })).toThrow(
      /FSTORE_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"/,
    );
  });
});

describe("createLogger", () => {
  it("writes one JSON object per line with a level label, ISO time and service", () => {
    const out: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        out.push(String(chunk));
        done();
      },
    });
    createLogger({ level: "info", destination: sink }).info({ method: "X", code: "OK" }, "call");
    const line = JSON.parse(out.join("")) as Record<string, unknown>;
    expect(line).toMatchObject({ level: "info", service: "fstore", method: "X", code: "OK", msg: "call" });
    expect(new Date(String(line.time)).toISOString()).toBe(line.time);
  });
});

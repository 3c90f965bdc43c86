/**
 * Call observers: the hook through which logging (and later metrics) see
 * every FeatureService call. An observer is a plain function, and several
 * are combined with `composeObservers`.
 */
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { truncated } from "../errors/index.js";
import type { CallObservation, CallObserver } from "./service-adapter.js";

/** Combines observers into one that starts and ends each of them, in order. */
export function composeObservers(...observers: (CallObserver | undefined)[]): CallObserver | undefined {
  const list = observers.filter((o): o is CallObserver => o !== undefined);
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  return (method, kind, request) => {
    const observations = list.map((observe) => observe(method, kind, request));
    return {
      end(code, message) {
        for (const o of observations) o.end(code, message);
      },
    };
  };
}

/** The name of a gRPC status code, e.g. 5 -> "NOT_FOUND". */
export function grpcCodeName(code: number): string {
  return (GrpcStatus as unknown as Record<number, string>)[code] ?? `CODE_${code}`;
}

/** Codes that mean the server (not the caller) has a problem: logged at error level. */
const serverFaults = new Set<number>([GrpcStatus.INTERNAL, GrpcStatus.UNKNOWN, GrpcStatus.DATA_LOSS]);

/** Logs one line per finished call: method, status code, duration in milliseconds. */
export function createLoggingObserver(logger: Logger): CallObserver {
  return (method, kind): CallObservation => {
    const started = performance.now();
    return {
      end(code, message) {
        // A successful call logs at info: nothing to build when info is off (e.g. a benchmark's "warn").
        if (code === 0 && !logger.isLevelEnabled("info")) return;
        const line = {
          method,
          kind,
          code: grpcCodeName(code),
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          ...(code === 0 ? {} : { error: truncated(message) }),
        };
        if (code === 0) logger.info(line, "call");
        else if (serverFaults.has(code)) logger.error(line, "call failed");
        else logger.warn(line, "call failed");
      },
    };
  };
}

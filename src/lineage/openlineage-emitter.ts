/**
 * Sends OpenLineage events to an HTTP endpoint (POST, JSON) or appends them
 * to a JSON-lines file, as `openlineage` in feature_store.yaml says. Emission
 * never fails the run it describes: a failure is logged and counted, and
 * events are sent in the background (`flush()` waits for those in flight,
 * e.g. before a CLI command exits).
 */
import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { OpenLineageConfig } from "../config/types.js";
import type { EventContext, RunEvent } from "./openlineage-events.js";

export interface OpenLineageEmitter {
  readonly enabled: boolean;
  readonly context: EventContext;
  /** Sends in the background; never throws. */
  emit(event: RunEvent): void;
  /** Waits for every event in flight. */
  flush(): Promise<void>;
  /** Events sent and events that failed so far. */
  counts(): { sent: number; failed: number };
}

export interface EmitterOptions {
  /** Told of each failure (a logger's warn). */
  onError?: (message: string) => void;
  /** Counts each failure (the server's metrics), by job name. */
  onFailure?: (job: string) => void;
}

export function createOpenLineageEmitter(
  config: OpenLineageConfig,
  project: string,
  options: EmitterOptions = {},
): OpenLineageEmitter {
  const context: EventContext = { producer: config.producer, namespace: config.namespace || project };
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let failed = 0;
  let fileQueue: Promise<void> = Promise.resolve();
  const onError =
    options.onError ?? ((message: string) => process.stderr.write(`fstore: openlineage: ${message}\n`));

  const send = async (event: RunEvent): Promise<void> => {
    const body = JSON.stringify(event);
    if (config.transportType === "file") {
      // Appends are queued so lines never interleave.
      fileQueue = fileQueue.then(async () => {
        await mkdir(dirname(config.filePath), { recursive: true });
        await appendFile(config.filePath, `${body}\n`);
      });
      await fileQueue;
      return;
    }
    const url = new URL(
      config.transportEndpoint,
      config.transportUrl.endsWith("/") ? config.transportUrl : `${config.transportUrl}/`,
    );
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      },
      body,
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`HTTP ${response.status} from ${url.origin}${url.pathname}`);
  };

  return {
    enabled: config.enabled,
    context,
    emit(event) {
      if (!config.enabled) return;
      const p = send(event).then(
        () => {
          sent++;
        },
        (err) => {
          failed++;
          fileQueue = Promise.resolve();
          options.onFailure?.(event.job.name);
          onError(
            `${event.eventType} event of job "${event.job.name}" not emitted (${failed} failed so far): ${(err as Error)?.message ?? err}`,
          );
        },
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async flush() {
      await Promise.allSettled([...inFlight]);
    },
    counts: () => ({ sent, failed }),
  };
}

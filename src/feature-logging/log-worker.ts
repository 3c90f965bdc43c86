/**
 * The logging worker thread: stages the responses the serving thread sends
 * (log-writer.ts) and rotates them into Parquet files every
 * `rotateSeconds`. Its errors are reported, never thrown into the server.
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import type { FromWorker, ToWorker, WorkerSettings } from "./log-messages.js";
import { BATCH_BYTES, RECORD_HEADER_BYTES } from "./log-messages.js";
import { createLogWriter, MAX_ROWS_PER_FILE } from "./log-writer.js";

const port = parentPort;
if (!port) throw new Error("log-worker.ts runs as a worker thread");
const settings = workerData as WorkerSettings;
const send = (message: FromWorker) => port.postMessage(message);
const writer = await createLogWriter();
lowerThreadPriority();

/**
 * Logging is background work: this thread runs at a lower priority (nice 10)
 * so that, when the cores are contended, it waits for the serving thread
 * rather than taking its core in the middle of requests (in the logging
 * benchmark, the serving thread's own CPU per request rises when this
 * thread's work competes with it). Linux only (a thread's id is a pid
 * there); elsewhere the thread keeps the process's priority.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10);
  } catch {
    // No /proc or not allowed: the default priority.
  }
}

// Messages are handled one at a time, in order (a schema before the batches that use it).
let chain: Promise<void> = Promise.resolve();
/** The serving thread's batch slots (shared memory) by id. */
const slots = new Map<number, Uint8Array>();
const rotate = async (): Promise<string[]> => writer.rotate(new Date());
const report = (err: unknown) => send({ type: "error", message: (err as Error)?.message ?? String(err) });

const timer = setInterval(() => {
  chain = chain.then(() => rotate().then(() => undefined, report));
}, settings.rotateSeconds * 1000);

port.on("message", (message: ToWorker) => {
  chain = chain.then(async () => {
    switch (message.type) {
      case "schema":
        await writer.addSchema(message.schema).catch(report);
        return;
      case "batch": {
        if (message.memory) slots.set(message.slot, new Uint8Array(message.memory));
        const buf = slots.get(message.slot);
        if (!buf) {
          report(new Error(`feature log: unknown batch slot ${message.slot}`));
          send({ type: "done", records: message.records, slot: message.slot });
          return;
        }
        const dv = new DataView(buf.buffer, 0, message.length);
        let pos = 0;
        let full = false;
        try {
          while (pos < message.length) {
            const schema = dv.getUint32(pos, true);
            const requestMs = dv.getFloat64(pos + 4, true);
            const len = dv.getUint32(pos + 12, true);
            const start = pos + RECORD_HEADER_BYTES;
            if (writer.append(schema, buf, start, start + len, requestMs)) full = true;
            pos = start + len;
          }
        } catch (err) {
          report(err);
        }
        // The slot is free to be filled again; one larger than a batch (for one large response) is let go.
        send({ type: "done", records: message.records, slot: message.slot });
        if (buf.length > BATCH_BYTES) slots.delete(message.slot);
        if (full) await writer.rotate(new Date(), MAX_ROWS_PER_FILE).catch(report);
        return;
      }
      case "rotate": {
        const files = await rotate().catch((err: unknown) => {
          report(err);
          return [];
        });
        send({ type: "rotated", id: message.id, files });
        return;
      }
      case "close":
        clearInterval(timer);
        await rotate().catch(report);
        await writer.close().catch(report);
        send({ type: "closed" });
        port.close();
        return;
    }
  });
});

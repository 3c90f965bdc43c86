/**
 * The logging worker thread: stages the responses the serving thread sends
 * (log-writer.ts) and rotates them into Parquet files every
 * `rotateSeconds`. Its errors are reported, never thrown into the server.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { FromWorker, ToWorker, WorkerSettings } from "./log-messages.js";
import { RECORD_HEADER_BYTES } from "./log-messages.js";
import { createLogWriter, MAX_ROWS_PER_FILE } from "./log-writer.js";

const port = parentPort;
if (!port) throw new Error("log-worker.ts runs as a worker thread");
const settings = workerData as WorkerSettings;
const send = (message: FromWorker) => port.postMessage(message);
const writer = await createLogWriter();

// Messages are handled one at a time, in order (a schema before the batches that use it).
let chain: Promise<void> = Promise.resolve();
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
        const buf = new Uint8Array(message.buffer, 0, message.length);
        const dv = new DataView(message.buffer, 0, message.length);
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
        // The buffer goes back to be filled again: no new external memory per batch on the serving thread.
        port.postMessage(
          { type: "done", records: message.records, buffer: message.buffer } satisfies FromWorker,
          [message.buffer],
        );
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

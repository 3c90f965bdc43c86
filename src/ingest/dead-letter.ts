/**
 * The dead-letter file of a stream source: one JSON line per rejected event
 * (`<dead_letter_dir>/<source>.jsonl`) with why it was rejected, where it sat
 * in the stream and the message as received (bounded), so an operator can
 * fix and replay it. Written before the event is acknowledged.
 */
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { DeadLetterReason } from "./event-decoder.js";
import type { StreamMessage } from "./stream-reader.js";

export interface DeadLetter {
  message: StreamMessage;
  reason: DeadLetterReason;
  detail: string;
}

export interface DeadLetterSink {
  /** The file dead letters of this source go to. */
  readonly path: string;
  write(letters: readonly DeadLetter[]): Promise<void>;
}

export function createDeadLetterSink(
  dir: string,
  source: string,
  now: () => Date = () => new Date(),
): DeadLetterSink {
  const path = join(dir, `${source.replace(/[^A-Za-z0-9_.-]/g, "_")}.jsonl`);
  let made = false;
  return {
    path,
    async write(letters) {
      if (letters.length === 0) return;
      if (!made) {
        await mkdir(dir, { recursive: true });
        made = true;
      }
      const at = now().toISOString();
      const lines = letters.map((l) =>
        JSON.stringify({
          at,
          source,
          reason: l.reason,
          detail: l.detail,
          partition: l.message.position.partition,
          position: `${l.message.position.hi}-${l.message.position.lo}`,
          message: l.message.raw(),
        }),
      );
      await appendFile(path, `${lines.join("\n")}\n`);
    },
  };
}

/**
 * The audit log (`server.audit_log` in feature_store.yaml): one JSON line per
 * FeatureService call with who called, which RPC, the objects and actions it
 * needed, the decision, the status and the row count; never feature values.
 * Appended to a file (rotation is the operator's: logrotate with copytruncate,
 * or a restart after a move) or written to stdout.
 */
import { createWriteStream } from "node:fs";
import type { AccessCheck, Identity } from "../permissions/index.js";

export interface AuditRecord {
  identity: Identity | undefined;
  rpc: string;
  checks: readonly AccessCheck[];
  decision: "allow" | "deny";
  /** The gRPC status name sent, e.g. "OK", "PERMISSION_DENIED". */
  code: string;
  rows: number;
}

export interface AuditLog {
  write(record: AuditRecord): void;
  close(): Promise<void>;
}

/** The "objects" field of a line, e.g. [{"type":"FeatureView","name":"x","action":"READ_ONLINE"}]. */
export function auditObjects(checks: readonly AccessCheck[]): string {
  return JSON.stringify(checks.map((c) => ({ type: c.object.type, name: c.object.name, action: c.action })));
}

/** Objects JSON remembered per checks array (the serving path reuses its cached checks). */
const objectsJson = new WeakMap<readonly AccessCheck[], string>();

export function auditLine(record: AuditRecord, now: Date = new Date()): string {
  let objects = objectsJson.get(record.checks);
  if (objects === undefined) {
    objects = auditObjects(record.checks);
    objectsJson.set(record.checks, objects);
  }
  const identity = record.identity;
  return `{"time":"${now.toISOString()}","identity":${JSON.stringify(identity?.name ?? "anonymous")},"roles":${JSON.stringify(identity?.roles ?? [])},"rpc":"${record.rpc}","objects":${objects},"decision":"${record.decision}","code":"${record.code}","rows":${record.rows}}\n`;
}

/** An audit log writing to `target`: a file path (appended) or "stdout". */
export function createAuditLog(target: string): AuditLog {
  if (target === "stdout") {
    return { write: (record) => process.stdout.write(auditLine(record)), close: async () => {} };
  }
  const stream = createWriteStream(target, { flags: "a" });
  return {
    write: (record) => {
      stream.write(auditLine(record));
    },
    close: () => new Promise<void>((resolve) => stream.end(resolve)),
  };
}

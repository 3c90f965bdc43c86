/**
 * The human-readable consistency report the CLI prints: one table row per
 * feature, the examples of failing features, and a verdict line. Works on the
 * protobuf response so in-process and `--server` runs print the same.
 */
import { toJson } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ValidateConsistencyResponse } from "../../gen/fstore/v1/feature_service_pb.js";
import { type Value, ValueSchema } from "../../gen/fstore/v1/value_pb.js";

/** Why a report that compared nothing fails. */
export const NOTHING_COMPARED =
  "nothing was compared: no sampled entity has an online value or an offline row in the materialized " +
  "window (an empty online store: materialize first; after a change of online_store the new store starts " +
  "empty; or try --sample-from offline)";

/** A Value as a short literal: "abc", 12, 1.5, true, [..], or "none" when unset. */
export function formatValue(v: Value | undefined): string {
  if (!v || v.val.case === undefined) return "none";
  if (v.val.case === "nullVal") return "null";
  const json = toJson(ValueSchema, v) as Record<string, unknown>;
  const inner = Object.values(json)[0];
  const text =
    typeof inner === "object" && inner !== null && "val" in inner ? (inner as { val: unknown }).val : inner;
  const s = JSON.stringify(text ?? []);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function formatTime(t: Timestamp | undefined): string {
  return t ? timestampDate(t).toISOString() : "-";
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 4 : 2)}%`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  "),
    )
    .join("\n");
}

/** The report as text, ending with a newline. */
export function formatConsistencyReport(res: ValidateConsistencyResponse): string {
  const rows: string[][] = [
    ["feature", "compared", "equal", "mismatched", "stale", "missing", "online-only", "rate", "result"],
  ];
  for (const f of res.features) {
    rows.push([
      `${f.featureView}:${f.feature}`,
      String(f.compared),
      String(f.equal),
      String(f.mismatched),
      String(f.staleOnline),
      String(f.missingOnline),
      String(f.onlineOnly),
      percent(f.mismatchRate),
      f.passed ? "PASS" : "FAIL",
    ]);
  }
  const out = [table(rows), ""];
  for (const f of res.features) {
    if (f.examples.length === 0) continue;
    out.push(`examples of ${f.featureView}:${f.feature}${f.passed ? " (within the threshold)" : ""}:`);
    for (const e of f.examples) {
      const key = Object.entries(e.entityKey)
        .map(([k, v]) => `${k}=${formatValue(v)}`)
        .join(",");
      const rd =
        e.kind === "mismatched" && e.relativeDifference > 0
          ? ` rel.diff ${e.relativeDifference.toPrecision(3)}`
          : "";
      out.push(
        `  ${e.kind.padEnd(14)} ${key}  online ${formatValue(e.onlineValue)} @ ${formatTime(e.onlineEventTimestamp)}` +
          `  offline ${formatValue(e.offlineValue)} @ ${formatTime(e.offlineEventTimestamp)}${rd}`,
      );
    }
    out.push("");
  }
  const failing = res.features.filter((f) => !f.passed).length;
  const seconds = res.elapsed ? Number(res.elapsed.seconds) + res.elapsed.nanos / 1e9 : 0;
  const summary =
    `${res.entitiesChecked} entities, ${res.features.length} features, tolerance ${res.tolerance}, ` +
    `max mismatch rate ${res.maxMismatchRate}, ${seconds.toFixed(2)} s`;
  if (res.features.every((f) => f.compared === 0n)) {
    // A check that looked at nothing proves nothing (`fstore validate` exits 1).
    out.push(`FAILED: ${NOTHING_COMPARED} (${summary})`);
    return `${out.join("\n")}\n`;
  }
  out.push(
    res.passed
      ? `PASSED: every feature within the threshold (${summary})`
      : `FAILED: ${failing} of ${res.features.length} features above the threshold (${summary})`,
  );
  return `${out.join("\n")}\n`;
}

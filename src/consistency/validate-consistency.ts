/**
 * ValidateConsistency: for sampled (or given) entities, compares each online
 * value with the offline value at the online value's event time and reports,
 * per feature, what agrees and what does not. The I/O lives here (online store
 * reads, DuckDB queries); the rules live in compare.ts, the SQL in
 * consistency-sql.ts, the knobs in validate-options.ts.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { RepeatedValue } from "../../gen/fstore/v1/value_pb.js";
import { Code, FstoreError, failedPrecondition, invalidArgument } from "../errors/index.js";
import { dateOfMicros, microsOf } from "../online/event-time.js";
import { readStoredRows } from "../online/online-rows.js";
import type { OnlineStore, StoredRow } from "../online/online-store.js";
import type { FeatureSelection } from "../registry/feature-selection.js";
import type { FeatureViewDef, FieldDef } from "../registry/model.js";
import { isStreamView } from "../registry/model.js";
import type { Registry, RegistrySnapshot } from "../registry/registry.js";
import { fromRepeatedValue, type NativeValue } from "../values/index.js";
import { compareValues, outcomeOf } from "./compare.js";
import {
  createSampleTableSql,
  createWantedTableSql,
  dropTempTablesSql,
  latestInWindowSql,
  mergeWindows,
  offlineRowsAtSql,
  SAMPLE_TABLE,
  sampleOfflineKeysSql,
  sourceRelationSql,
  WANTED_TABLE,
  type WindowUs,
} from "./consistency-sql.js";
import type { ConsistencyReport, FeatureReport } from "./report.js";
import { FeatureTally } from "./report.js";
import { appendSampleRows, appendWantedTimes, columnsOf, entityKeyString, nativeOf } from "./sample-table.js";
import { sourceParquetGlobs } from "./source-files.js";
import { resolveTargets, type ViewTarget } from "./targets.js";
import {
  MAX_SAMPLE_SIZE,
  type RawValidateOptions,
  resolveValidateOptions,
  type ValidateOptions,
} from "./validate-options.js";
import { validateStreamView } from "./validate-stream-view.js";

/** What validation reads from. */
export interface ConsistencyContext {
  /** Absolute path of the feature repository (relative source paths resolve against it). */
  repoPath: string;
  snapshot: RegistrySnapshot;
  registry: Pick<Registry, "materializationIntervals">;
  onlineStore: OnlineStore;
  /** A DuckDB connection for this validation; closed by the validation when done. */
  connect: () => Promise<DuckDBConnection>;
  signal?: AbortSignal | undefined;
}

export interface ValidateConsistencyInput {
  /** Views whose every feature to check; with no `features` either, every online view. */
  featureViews: readonly string[];
  /** References or services to check; undefined for none. */
  features?: FeatureSelection | undefined;
  /** Where sampled entities are drawn from (ignored with explicit entities). */
  sampleFrom: "online" | "offline";
  /** Explicit entities, columnar (join key -> values); undefined or empty to sample. */
  entities?: Record<string, RepeatedValue> | undefined;
  options: RawValidateOptions;
}

/** Runs one validation and returns its report. Errors are FstoreErrors with precise codes. */
export async function validateConsistency(
  ctx: ConsistencyContext,
  input: ValidateConsistencyInput,
): Promise<ConsistencyReport> {
  const started = performance.now();
  const options = resolveValidateOptions(input.options);
  const targets = resolveTargets(ctx.snapshot, {
    featureViews: input.featureViews,
    features: input.features,
  });
  if (targets.length === 0) {
    throw failedPrecondition(
      "no online feature views to validate: the repository (or the selection) has none",
    );
  }
  const explicit = explicitEntityColumns(input.entities, targets);

  const conn = await ctx.connect();
  const onAbort = () => conn.interrupt();
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    // Timestamps (UNIX_TIMESTAMP features of TIMESTAMPTZ columns) are read in UTC, whatever the session had.
    await conn.run("SET TimeZone = 'UTC'");
    const checked = new Set<string>();
    const features: FeatureReport[] = [];
    for (const target of targets) {
      throwIfAborted(ctx.signal);
      const result = await validateView(ctx, conn, target, options, input.sampleFrom, explicit);
      for (const k of result.entityKeys) checked.add(k);
      features.push(...result.features);
    }
    return {
      passed: features.every((f) => f.passed),
      entitiesChecked: explicit ? explicit.rows : checked.size,
      features,
      elapsedMs: performance.now() - started,
      tolerance: options.tolerance,
      maxMismatchRate: options.maxMismatchRate,
    };
  } finally {
    ctx.signal?.removeEventListener("abort", onAbort);
    conn.closeSync();
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw new FstoreError(Code.Cancelled, "validation cancelled (client cancel or deadline)");
}

interface ExplicitEntities {
  columns: Record<string, RepeatedValue>;
  rows: number;
}

/** Checks explicit entity columns: equal lengths, within the limit, each a join key of a checked view. */
function explicitEntityColumns(
  entities: Record<string, RepeatedValue> | undefined,
  targets: readonly ViewTarget[],
): ExplicitEntities | undefined {
  const names = Object.keys(entities ?? {});
  if (!entities || names.length === 0) return undefined;
  const joinKeys = new Set(targets.flatMap((t) => t.view.entityColumns.map((c) => c.name)));
  let rows: number | undefined;
  for (const name of names) {
    if (!joinKeys.has(name)) {
      throw invalidArgument(
        `entities column "${name}" is not a join key of the validated views (join keys: ${[...joinKeys].sort().join(", ")})`,
      );
    }
    const n = entities[name]?.val.length ?? 0;
    if (rows !== undefined && n !== rows) {
      throw invalidArgument(
        `entities columns have different lengths: "${names[0]}" has ${rows}, "${name}" has ${n}`,
      );
    }
    rows = n;
  }
  if (!rows) throw invalidArgument("entities columns are empty: give at least one entity, or none to sample");
  if (rows > MAX_SAMPLE_SIZE) {
    throw invalidArgument(`${rows} entities given; the limit is ${MAX_SAMPLE_SIZE} per call`);
  }
  return { columns: entities, rows };
}

/** The view's entity keys taken from explicit columns, each distinct key once. */
function explicitKeys(view: FeatureViewDef, explicit: ExplicitEntities): NativeValue[][] {
  const columns = view.entityColumns.map((c) => {
    const column = explicit.columns[c.name];
    if (!column) {
      throw invalidArgument(
        `entities have no column for join key "${c.name}" of feature view "${view.name}"`,
      );
    }
    return fromRepeatedValue(column, c.dtype, c.name);
  });
  const seen = new Set<string>();
  const keys: NativeValue[][] = [];
  for (let i = 0; i < explicit.rows; i++) {
    const key = columns.map((col) => col[i] as NativeValue);
    if (key.some((v) => v === null)) {
      throw invalidArgument(`entities row ${i}: join keys of feature view "${view.name}" must not be null`);
    }
    const s = entityKeyString(key);
    if (seen.has(s)) continue;
    seen.add(s);
    keys.push(key);
  }
  return keys;
}

interface ViewResult {
  entityKeys: string[];
  features: FeatureReport[];
}

interface OfflineRow {
  tsUs: number;
  values: NativeValue[];
}

async function validateView(
  ctx: ConsistencyContext,
  conn: DuckDBConnection,
  target: ViewTarget,
  options: ValidateOptions,
  sampleFrom: "online" | "offline",
  explicit: ExplicitEntities | undefined,
): Promise<ViewResult> {
  const { view } = target;
  if (isStreamView(view)) {
    return validateStreamView(
      conn,
      ctx.onlineStore,
      {
        view,
        features: target.features,
        globs: sourceParquetGlobs(view, ctx.repoPath),
        keys: explicit ? explicitKeys(view, explicit) : undefined,
        sampleFrom,
      },
      options,
    );
  }
  const fields = target.features.map((f) => view.features.find((d) => d.name === f) as FieldDef);
  const globs = sourceParquetGlobs(view, ctx.repoPath);
  const sourceSql = globs.length > 0 ? sourceRelationSql(view, fields, globs) : undefined;
  const windows: WindowUs[] = mergeWindows(
    (await ctx.registry.materializationIntervals(view.name)).map((i) => ({
      startUs: microsOf(i.start),
      endUs: microsOf(i.end),
    })),
  );
  const query = async (sql: string) => {
    throwIfAborted(ctx.signal);
    try {
      return await conn.runAndReadAll(sql);
    } catch (err) {
      throwIfAborted(ctx.signal);
      throw failedPrecondition(
        `reading the offline rows of feature view "${view.name}" (${globs.join(", ")}) failed: ${(err as Error).message}`,
        err,
      );
    }
  };

  // 1. The entities.
  let keys: NativeValue[][];
  if (explicit) keys = explicitKeys(view, explicit);
  else if (sampleFrom === "online") keys = await ctx.onlineStore.sampleEntityKeys(view, options.sampleSize);
  else if (sourceSql) {
    const reader = await query(sampleOfflineKeysSql(view, sourceSql, windows, options.sampleSize));
    const cols = reader.getColumnsJS() as NativeValue[][];
    keys = [];
    for (let r = 0; r < reader.currentRowCount; r++) keys.push(cols.map((c) => nativeOf(c[r])));
  } else keys = [];
  const offline = sourceSql !== undefined && keys.length > 0;

  // 2. Their online rows, read while DuckDB finds each entity's latest offline event time inside
  //    the materialized window (that query needs only the keys), so the two overlap.
  const latestInWindow = new Map<number, number>();
  let windowQuery: Promise<void> = Promise.resolve();
  if (offline) {
    await conn.run(createSampleTableSql(view));
    await appendSampleRows(conn, SAMPLE_TABLE, view, keys);
    if (windows.length > 0) {
      windowQuery = query(latestInWindowSql(view, sourceSql, windows)).then((reader) => {
        const [idx = [], latest = []] = columnsOf(reader);
        for (let r = 0; r < idx.length; r++) latestInWindow.set(Number(idx[r]), Number(latest[r]));
      });
    }
  }
  let online: (StoredRow | undefined)[];
  try {
    online =
      keys.length > 0
        ? ((
            await readStoredRows(
              ctx.onlineStore,
              [{ view, features: target.features, entityKeys: keys }],
              ctx.signal,
            )
          )[0] ?? [])
        : [];
  } finally {
    // Never leave the window query running on the connection (its error, if any, surfaces below).
    await windowQuery.catch(() => undefined);
  }
  await windowQuery;
  throwIfAborted(ctx.signal);

  // 3. One more scan: per entity, the offline row at the online value's time when it is not stale
  //    (to compare with), else at the window's latest time (for stale and missing examples).
  const atTs = new Map<number, OfflineRow>();
  const latestRows = new Map<number, OfflineRow>();
  if (offline) {
    const wanted = new Map<number, number>();
    for (let i = 0; i < keys.length; i++) {
      const onlineUs = online[i]?.eventTimeUs;
      const latestUs = latestInWindow.get(i);
      if (onlineUs !== undefined && (latestUs === undefined || latestUs <= onlineUs)) wanted.set(i, onlineUs);
      else if (latestUs !== undefined) wanted.set(i, latestUs);
    }
    if (wanted.size > 0) {
      await conn.run(createWantedTableSql());
      await appendWantedTimes(conn, WANTED_TABLE, wanted);
      for (const { index, row } of offlineRows(
        await query(offlineRowsAtSql(view, sourceSql, target.features)),
      )) {
        const onlineUs = online[index]?.eventTimeUs;
        if (onlineUs === row.tsUs) atTs.set(index, row);
        else latestRows.set(index, row);
      }
    }
  }

  // 4. Classify every (entity, feature) pair. The hot loop of a large validation: no allocation per
  //    pair unless it becomes an example.
  const tallies = fields.map((f) => new FeatureTally(view.name, f.name, f.dtype, options.maxExamples));
  const names = fields.map((f) => f.name);
  const entityKeyOf = (i: number) =>
    view.entityColumns.map((c, k) => ({ name: c.name, dtype: c.dtype, value: keys[i]?.[k] ?? null }));
  for (let i = 0; i < keys.length; i++) {
    const row = online[i];
    const offlineRow = atTs.get(i);
    const latestUs = latestInWindow.get(i);
    const eventUs = row ? row.eventTimeUs : 0;
    for (let f = 0; f < names.length; f++) {
      const tally = tallies[f] as FeatureTally;
      const name = names[f] as string;
      const hasOnline = row?.values.has(name) === true;
      const onlineValue = hasOnline ? (row?.values.get(name) as NativeValue) : null;
      const offlineValue = offlineRow ? (offlineRow.values[f] as NativeValue) : null;
      const outcome = outcomeOf(
        hasOnline,
        onlineValue,
        eventUs,
        offlineRow !== undefined,
        offlineValue,
        latestUs,
        options.tolerance,
      );
      if (outcome === undefined || !tally.count(outcome) || outcome === "equal") continue;
      const mismatched = outcome === "mismatched";
      tally.addExample(
        {
          entityKey: entityKeyOf(i),
          kind: outcome,
          onlineValue: hasOnline ? onlineValue : undefined,
          offlineValue: mismatched ? offlineValue : undefined,
          onlineEventTime: hasOnline ? dateOfMicros(eventUs) : undefined,
          offlineEventTime: mismatched && offlineRow ? dateOfMicros(offlineRow.tsUs) : undefined,
          relativeDifference: mismatched
            ? compareValues(onlineValue, offlineValue, options.tolerance).relativeDifference
            : undefined,
        },
        outcome === "stale_online" || outcome === "missing_online" ? i : undefined,
      );
    }
  }

  // 5. The offline side of stale and missing examples: the latest row inside the window.
  tallies.forEach((t, f) => {
    for (const p of t.pendingOffline) {
      const latest = latestRows.get(p.index);
      if (!latest) continue;
      p.example.offlineValue = latest.values[f];
      p.example.offlineEventTime = dateOfMicros(latest.tsUs);
    }
  });
  if (offline) for (const sql of dropTempTablesSql()) await conn.run(sql);

  return {
    entityKeys: keys.map((k) => `${view.entityColumns.map((c) => c.name).join(",")}=${entityKeyString(k)}`),
    features: tallies.map((t) => t.finish(options.maxMismatchRate)),
  };
}

/** Rows of a result shaped (__idx, __ts_us, feature...). */
function* offlineRows(
  reader: Awaited<ReturnType<DuckDBConnection["runAndReadAll"]>>,
): Generator<{ index: number; row: OfflineRow }> {
  const cols = columnsOf(reader);
  const idx = cols[0] ?? [];
  const ts = cols[1] ?? [];
  const features = cols.slice(2);
  for (let r = 0; r < idx.length; r++) {
    yield {
      index: Number(idx[r]),
      row: { tsUs: Number(ts[r]), values: features.map((c) => nativeOf(c[r])) },
    };
  }
}

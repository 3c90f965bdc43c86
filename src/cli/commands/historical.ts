/**
 * `fstore historical`: builds a point-in-time correct training set in-process
 * and writes it as Parquet, with a progress ticker on stderr and the summary
 * (rows, matches per view, leakage audit) on stdout.
 *
 *   fstore historical --repo feature_repo --entities labels.parquet \
 *     --features vehicle_features:num_images vehicle_hourly_stats:current_price \
 *     --out training.parquet [--strict] [--full-feature-names] ...
 */
import { basename, dirname, resolve } from "node:path";
import { create } from "@bufbuild/protobuf";
import { type Command, InvalidArgumentError } from "commander";
import { FeatureSelectionSchema } from "../../../gen/fstore/v1/feature_service_pb.js";
import { ValueType } from "../../../gen/fstore/v1/value_pb.js";
import { loadRepoConfig } from "../../config/index.js";
import { FstoreError, invalidArgument } from "../../errors/index.js";
import { closeLineage, openLineage, startHistoricalRun } from "../../lineage/index.js";
import type { HistoricalQuery, HistoricalResult } from "../../offline/index.js";
import { createOfflineStore, openDuckDb } from "../../offline/index.js";
import { openRegistry, requireFeatureSelection } from "../../registry/index.js";
import { exitOnUsageError } from "./validate.js";

export interface HistoricalCommandOptions {
  repo: string;
  entities?: string;
  entitySource?: string;
  timestampField: string;
  start?: Date;
  end?: Date;
  features?: string[];
  featureService?: string[];
  out: string;
  strict?: boolean;
  fullFeatureNames?: boolean;
  dropUnmatched?: boolean;
  excludeCreatedAfter?: boolean;
  includeFeatureTimestamps?: boolean;
}

function isoTime(value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new InvalidArgumentError("expected an ISO time, e.g. 2026-01-01T00:00:00Z");
  return d;
}

/** Registers `fstore historical`. */
export function registerHistoricalCommand(program: Command): void {
  const command = program
    .command("historical")
    .description("write a point-in-time correct training set as Parquet (runs in-process)")
    .option("--repo <dir>", "feature repository folder", ".")
    .option("--entities <file>", "Parquet file (or glob) of entity rows: join keys plus a timestamp column")
    .option("--entity-source <name>", "or: a data source of the registry holding the entity rows")
    .option("--timestamp-field <column>", "timestamp column of --entities", "event_timestamp")
    .option("--start <iso>", "only entity rows at or after this time", isoTime)
    .option("--end <iso>", "only entity rows at or before this time", isoTime)
    .option("--features <refs...>", 'feature references, "view:feature"')
    .option("--feature-service <names...>", "or: feature services whose features to join")
    .requiredOption("--out <file>", "Parquet file to write")
    .option("--strict", "match feature rows strictly before the entity time (< instead of <=)")
    .option("--full-feature-names", 'name feature columns "view__feature"')
    .option("--drop-unmatched", "drop entity rows that match no feature row")
    .option("--exclude-created-after", "ignore feature rows created after the entity row's time")
    .option("--include-feature-timestamps", 'add a "view__event_timestamp" column per view')
    .action(async (options: HistoricalCommandOptions) => {
      try {
        const result = await runHistorical(options, (text) => process.stderr.write(text));
        console.log(formatSummary(result));
        process.exitCode = result.violations === 0 ? 0 : 1;
      } catch (err) {
        const e = FstoreError.from(err);
        console.error(`fstore historical: ${e.code}: ${e.message}`);
        process.exitCode = 2;
      }
    });
  // Like validate and status, whose failed check is 1 too: usage errors are 2.
  exitOnUsageError(command);
}

/** Runs the command's work; `progress` receives ticker text (with carriage returns). */
export async function runHistorical(
  options: HistoricalCommandOptions,
  progress: (text: string) => void = () => {},
): Promise<HistoricalResult & { datasetId: string }> {
  if (!options.entities === !options.entitySource) {
    throw invalidArgument("give exactly one of --entities FILE.parquet or --entity-source NAME");
  }
  // The RPC's rule: feature references or feature services, not both.
  const selection = requireFeatureSelection(
    create(FeatureSelectionSchema, {
      features: options.features ?? [],
      featureServices: options.featureService ?? [],
    }),
  );
  const config = loadRepoConfig(resolve(options.repo));
  const registry = await openRegistry(config);
  const lineage = openLineage(config);
  const db = await openDuckDb(config.offlineStore.duckdb);
  const started = Date.now();
  const ticker = setInterval(() => {
    progress(`\rjoining... ${((Date.now() - started) / 1000).toFixed(0)}s`);
  }, 1000);
  try {
    const micros = (d: Date | undefined) => (d ? BigInt(d.getTime()) * 1000n : undefined);
    const entities: HistoricalQuery["entities"] = options.entities
      ? {
          kind: "source",
          source: {
            kind: "file",
            name: options.entities,
            path: resolve(options.entities),
            timestampField: options.timestampField,
            createdTimestampColumn: "",
            fieldMapping: {},
            description: "",
            tags: {},
            owner: "",
          },
          startMicros: micros(options.start),
          endMicros: micros(options.end),
        }
      : {
          kind: "registered",
          name: options.entitySource as string,
          startMicros: micros(options.start),
          endMicros: micros(options.end),
        };
    const out = resolve(options.out);
    // The user chose the file: the output directory is simply its folder.
    const store = createOfflineStore({ repoPath: config.repoPath, outputDir: dirname(out), duckdb: db });
    const snapshot = registry.snapshot();
    const query: HistoricalQuery = {
      snapshot,
      // Pinned services ("name@N") become the features their version selected.
      selection: await lineage.pins.resolve(selection, snapshot),
      entities,
      fullFeatureNames: options.fullFeatureNames ?? false,
      options: {
        strict: options.strict ?? false,
        dropUnmatched: options.dropUnmatched ?? false,
        excludeCreatedAfter: options.excludeCreatedAfter ?? false,
        includeFeatureTimestamps: options.includeFeatureTimestamps ?? false,
      },
    };
    const run = startHistoricalRun(lineage, { via: "cli", output: "parquet", requested: selection, query });
    try {
      const result = await store.writeHistorical(query, basename(out), undefined, run.writeOptions);
      await run.finish(result);
      return { ...result, datasetId: run.id };
    } catch (err) {
      run.fail(err);
      throw err;
    }
  } finally {
    clearInterval(ticker);
    progress(`\rjoined in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    db.closeSync();
    await registry.close();
    await closeLineage(lineage);
  }
}

/** The summary as printed: one line per fact, then the schema. */
export function formatSummary(r: HistoricalResult & { datasetId?: string }): string {
  const lines = [
    ...(r.datasetId ? [`dataset ${r.datasetId} (fstore lineage ${r.datasetId})`] : []),
    `wrote ${r.rowCount.toLocaleString("en-US")} rows to ${r.outputPath} in ${(r.elapsedMs / 1000).toFixed(2)}s`,
    ...r.matchCounts.map(
      (m) =>
        `  ${m.featureView}: ${m.matchedRows.toLocaleString("en-US")} rows matched (${pct(m.matchedRows, r.rowCount)})`,
    ),
    `leakage audit: ${r.violations === 0 ? "passed (0 values from after their row's time)" : `FAILED: ${r.violations} leaking values`}`,
    `columns: ${r.columns.map((c) => `${c.name} ${ValueType[c.valueType] ?? c.valueType}`).join(", ")}`,
  ];
  return lines.join("\n");
}

function pct(n: number, total: number): string {
  return total === 0 ? "0%" : `${((100 * n) / total).toFixed(1)}%`;
}

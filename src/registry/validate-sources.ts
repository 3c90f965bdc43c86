import { relative } from "node:path";
import { valueTypeName } from "../definitions/dtypes.js";
import { Code, FstoreError } from "../errors/index.js";
import { openSchemaReader, type ParquetColumn, parquetLocation } from "../offline/parquet-schema.js";
import { expectedColumnTypes, isCompatibleColumn, isTimestampColumn } from "./column-compat.js";
import type { FeatureViewDef, FieldDef, FileSourceDef, RepoDefinitions } from "./model.js";
import { batchSourceOf } from "./model.js";

/** One problem found in the sources; all are reported together. */
interface Problem {
  code: Code;
  message: string;
}

/**
 * Checks every data source against the Parquet it points to: readable; the
 * timestamp (and created-timestamp) columns present with a timestamp type;
 * for every feature view, each join key and feature present (after
 * field_mapping) with a compatible type. A push source's batch folder may not
 * exist yet (the first offline push creates it). Throws one error listing
 * every problem.
 */
export async function validateSources(repoPath: string, defs: RepoDefinitions): Promise<void> {
  const reader = await openSchemaReader();
  const problems: Problem[] = [];
  const columnsByPattern = new Map<string, Promise<ParquetColumn[] | Problem>>();
  const show = (p: string) => relative(repoPath, p) || p;

  /** Mapped columns of a source, or undefined if it has none yet (allowed) or a problem was recorded. */
  const columnsOf = async (
    source: FileSourceDef,
    owner: string,
    mayBeMissing: boolean,
  ): Promise<Map<string, string> | undefined> => {
    const location = parquetLocation(repoPath, source.path);
    const context = `${owner}: source "${source.name}"`;
    if (location.kind === "missing") {
      if (!mayBeMissing) {
        problems.push({
          code: Code.NotFound,
          message: `${context}: no Parquet file or folder at ${show(location.path)}`,
        });
      }
      return undefined;
    }
    let pending = columnsByPattern.get(location.pattern);
    if (!pending) {
      pending = reader.columns(location.pattern, context).catch((err: FstoreError) => ({
        code: err.code,
        message: err.message,
      }));
      columnsByPattern.set(location.pattern, pending);
    }
    const result = await pending;
    if (!Array.isArray(result)) {
      // An empty push folder is fine: nothing has been pushed yet.
      if (mayBeMissing && location.kind === "folder" && result.code === Code.NotFound) return undefined;
      problems.push({
        code: result.code,
        message: result.message.replace(/^[^:]*: source "[^"]*"/, context),
      });
      return undefined;
    }
    const mapped = new Map<string, string>();
    for (const column of result) mapped.set(source.fieldMapping[column.name] ?? column.name, column.type);
    checkTimestamps(context, show(location.path), source, mapped, problems);
    return mapped;
  };

  try {
    const used = new Set<string>();
    for (const view of defs.featureViews) {
      const source = batchSourceOf(view);
      used.add(source.name);
      used.add(view.source.name);
      const label = `FeatureView "${view.name}"`;
      // Push and stream batch folders fill up later: they may not exist yet.
      const columns = await columnsOf(source, label, view.source.kind !== "file");
      if (columns) checkViewColumns(label, view, source, columns, problems);
    }
    for (const source of defs.dataSources) {
      if (used.has(source.name)) continue;
      const batch = source.kind === "file" ? source : source.batchSource;
      await columnsOf(batch, `data source "${source.name}"`, source.kind !== "file");
    }
  } finally {
    reader.close();
  }
  if (problems.length === 1)
    throw new FstoreError(problems[0]?.code ?? Code.InvalidArgument, problems[0]?.message ?? "");
  if (problems.length > 1) {
    throw new FstoreError(
      Code.InvalidArgument,
      `${problems.length} problems in data sources:\n${problems.map((p) => `  - ${p.message}`).join("\n")}`,
    );
  }
}

function checkTimestamps(
  context: string,
  where: string,
  source: FileSourceDef,
  columns: Map<string, string>,
  problems: Problem[],
): void {
  const check = (key: string, column: string) => {
    const type = columns.get(column);
    if (type === undefined) {
      problems.push({
        code: Code.InvalidArgument,
        message: `${context}: ${key} "${column}": no such column in ${where} (columns: ${[...columns.keys()].join(", ")})`,
      });
    } else if (!isTimestampColumn(type)) {
      problems.push({
        code: Code.InvalidArgument,
        message: `${context}: ${key} "${column}": column is ${type} in ${where}; expected TIMESTAMP`,
      });
    }
  };
  check("timestamp_field", source.timestampField);
  if (source.createdTimestampColumn) check("created_timestamp_column", source.createdTimestampColumn);
}

function checkViewColumns(
  label: string,
  view: FeatureViewDef,
  source: FileSourceDef,
  columns: Map<string, string>,
  problems: Problem[],
): void {
  const check = (what: string, field: FieldDef) => {
    const type = columns.get(field.name);
    const declared = valueTypeName(field.dtype);
    if (type === undefined) {
      problems.push({
        code: Code.InvalidArgument,
        message: `${label}: ${what} "${field.name}" (${declared}): no such column in source "${source.name}" (${source.path}) after field_mapping (columns: ${[...columns.keys()].join(", ")})`,
      });
    } else if (!isCompatibleColumn(field.dtype, type)) {
      problems.push({
        code: Code.InvalidArgument,
        message: `${label}: ${what} "${field.name}" (${declared}): column is ${type} in source "${source.name}" (${source.path}); expected ${expectedColumnTypes(field.dtype)}`,
      });
    }
  };
  for (const key of view.entityColumns) check("join key", key);
  // A stream view's raw events hold the event columns; its features are computed from them.
  if (view.source.kind === "stream") {
    for (const field of view.source.schema) {
      if (field.name !== view.source.timestampField) check("event column", field);
    }
  } else for (const feature of view.features) check("feature", feature);
}

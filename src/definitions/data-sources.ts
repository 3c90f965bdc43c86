import { invalidArgument } from "../errors/index.js";
import type { FieldDef, FileSourceDef, PushSourceDef, Tags } from "../registry/model.js";
import {
  checkIdentifier,
  DEFINITION_KIND,
  type DescribedOptions,
  kindOf,
  readDescribed,
  readName,
} from "./definition-kind.js";
import { type Field, readSchema } from "./field.js";
import { checkKnownOptions } from "./known-options.js";

export interface FileSourceOptions extends DescribedOptions {
  name: string;
  /**
   * A Parquet file, a folder of Parquet files (read recursively) or a glob,
   * relative to the repository unless absolute.
   */
  path: string;
  /** Event-time column (after `fieldMapping`). */
  timestampField: string;
  /** Optional creation-time column that breaks ties between rows of equal event time. */
  createdTimestampColumn?: string;
  /**
   * Source column -> name used by views. Join keys, features and the timestamp
   * columns all refer to the names after this mapping.
   */
  fieldMapping?: Record<string, string>;
}

/** Parquet history for one or more views (Feast's `FileSource`). */
export class FileSource {
  readonly [DEFINITION_KIND] = "file_source" as const;
  readonly def: FileSourceDef;

  constructor(options: FileSourceOptions) {
    const { name, label } = readName("file_source", options);
    checkKnownOptions(label, options, [
      "name",
      "path",
      "timestampField",
      "createdTimestampColumn",
      "fieldMapping",
      "description",
      "tags",
      "owner",
    ]);
    if (typeof options.path !== "string" || options.path.trim() === "") {
      throw invalidArgument(`${label}: path: expected a Parquet file, folder or glob`);
    }
    const timestampField = checkIdentifier(label, "timestampField", options.timestampField);
    const created = options.createdTimestampColumn ?? "";
    if (created !== "") checkIdentifier(label, "createdTimestampColumn", created);
    if (created === timestampField) {
      throw invalidArgument(
        `${label}: createdTimestampColumn: must differ from timestampField "${timestampField}"`,
      );
    }
    const fieldMapping = options.fieldMapping ?? {};
    if (typeof fieldMapping !== "object" || fieldMapping === null || Array.isArray(fieldMapping)) {
      throw invalidArgument(`${label}: fieldMapping: expected an object { sourceColumn: "name" }`);
    }
    const targets = new Set<string>();
    for (const [column, target] of Object.entries(fieldMapping)) {
      checkIdentifier(label, `fieldMapping["${column}"]`, target);
      if (targets.has(target))
        throw invalidArgument(`${label}: fieldMapping: two columns map to "${target}"`);
      targets.add(target);
    }
    this.def = {
      kind: "file",
      name,
      path: options.path,
      timestampField,
      createdTimestampColumn: created,
      fieldMapping: { ...fieldMapping },
      ...readDescribed(label, options),
    };
  }

  get name(): string {
    return this.def.name;
  }
}

export interface PushSourceOptions extends DescribedOptions {
  name: string;
  /** Where pushed rows are appended for history (`Push` with `to: offline`); the folder may not exist yet. */
  batchSource: FileSource;
}

/** A named stream of rows written with the `Push` RPC, backed by a batch source (Feast's `PushSource`). */
export class PushSource {
  readonly [DEFINITION_KIND] = "push_source" as const;
  readonly def: PushSourceDef;

  constructor(options: PushSourceOptions) {
    const { name, label } = readName("push_source", options);
    checkKnownOptions(label, options, ["name", "batchSource", "description", "tags", "owner"]);
    if (kindOf(options.batchSource) !== "file_source") {
      throw invalidArgument(`${label}: batchSource: expected a FileSource`);
    }
    this.def = {
      kind: "push",
      name,
      batchSource: (options.batchSource as FileSource).def,
      ...readDescribed(label, options),
    };
  }

  get name(): string {
    return this.def.name;
  }
}

export interface RequestSourceOptions {
  name: string;
  /** Values the caller sends with each request (GetOnlineFeatures' request context). */
  schema: Field[];
  description?: string;
  tags?: Tags;
}

/** Request-time inputs of an on-demand feature view (Feast's `RequestSource`). */
export class RequestSource {
  readonly [DEFINITION_KIND] = "request_source" as const;
  readonly name: string;
  readonly schema: FieldDef[];

  constructor(options: RequestSourceOptions) {
    const { name, label } = readName("request_source", options);
    checkKnownOptions(label, options, ["name", "schema", "description", "tags"]);
    this.name = name;
    this.schema = readSchema(label, "schema", options.schema);
  }
}

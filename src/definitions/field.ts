import type { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";
import type { FieldDef, Tags } from "../registry/model.js";
import { checkIdentifier } from "./definition-kind.js";
import { type DType, valueTypeOf } from "./dtypes.js";
import { checkKnownOptions } from "./known-options.js";

export interface FieldOptions {
  name: string;
  dtype: DType | ValueType;
  description?: string;
  tags?: Tags;
}

/** A typed column of a view's schema (Feast's `Field`). Validated when its owner is built. */
export class Field {
  readonly name: string;
  readonly dtype: DType | ValueType;
  readonly description: string;
  readonly tags: Tags;

  constructor(options: FieldOptions) {
    if (typeof options === "object" && options !== null) {
      checkKnownOptions(`Field ${JSON.stringify(options.name)}`, options, [
        "name",
        "dtype",
        "description",
        "tags",
      ]);
    }
    this.name = options?.name;
    this.dtype = options?.dtype;
    this.description = options?.description ?? "";
    this.tags = options?.tags ?? {};
  }
}

/** Validates a schema (a list of `Field`s) and returns its model form; `label` names the owner. */
export function readSchema(label: string, key: string, schema: unknown, allowEmpty = false): FieldDef[] {
  if (!Array.isArray(schema) || (!allowEmpty && schema.length === 0)) {
    throw invalidArgument(`${label}: ${key}: expected a non-empty list of Field({ name, dtype })`);
  }
  const seen = new Set<string>();
  return schema.map((field: unknown, i) => {
    if (typeof field !== "object" || field === null) {
      throw invalidArgument(
        `${label}: ${key}[${i}]: expected a Field({ name, dtype }), got ${String(field)}`,
      );
    }
    const f = field as Partial<Field>;
    const name = checkIdentifier(label, `${key}[${i}].name`, f.name);
    const where = `${label}: field "${name}"`;
    if (seen.has(name)) throw invalidArgument(`${where}: defined more than once in ${key}`);
    seen.add(name);
    const tags = f.tags ?? {};
    for (const [k, v] of Object.entries(tags)) {
      if (typeof v !== "string") throw invalidArgument(`${where}: tags.${k}: expected a string value`);
    }
    return {
      name,
      dtype: valueTypeOf(f.dtype, `${where}: dtype`),
      description: typeof f.description === "string" ? f.description : "",
      tags: { ...tags },
    };
  });
}

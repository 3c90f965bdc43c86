import type { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { invalidArgument } from "../errors/index.js";
import type { Tags } from "../registry/model.js";
import {
  checkIdentifier,
  DEFINITION_KIND,
  type DescribedOptions,
  readDescribed,
  readName,
} from "./definition-kind.js";
import { type DType, valueTypeOf } from "./dtypes.js";
import { checkKnownOptions } from "./known-options.js";

export interface EntityOptions extends DescribedOptions {
  name: string;
  /** Join-key columns; defaults to `[name]`. */
  joinKeys?: string[];
  /** Type of every join key, e.g. `Int64` or `String`. */
  valueType: DType | ValueType;
}

/** What features describe, e.g. a vehicle identified by `vehicle_id` (Feast's `Entity`). */
export class Entity {
  readonly [DEFINITION_KIND] = "entity" as const;
  readonly name: string;
  readonly joinKeys: string[];
  readonly valueType: ValueType;
  readonly description: string;
  readonly tags: Tags;
  readonly owner: string;

  constructor(options: EntityOptions) {
    const { name, label } = readName("entity", options);
    checkKnownOptions(label, options, ["name", "joinKeys", "valueType", "description", "tags", "owner"]);
    this.name = name;
    const joinKeys = options.joinKeys ?? [name];
    if (!Array.isArray(joinKeys) || joinKeys.length === 0) {
      throw invalidArgument(`${label}: joinKeys: expected a non-empty list of column names`);
    }
    this.joinKeys = joinKeys.map((key, i) => checkIdentifier(label, `joinKeys[${i}]`, key));
    if (new Set(this.joinKeys).size !== this.joinKeys.length) {
      throw invalidArgument(`${label}: joinKeys: each join key may appear only once`);
    }
    if (options.valueType === undefined) {
      throw invalidArgument(`${label}: valueType: is required (e.g. valueType: Int64)`);
    }
    this.valueType = valueTypeOf(options.valueType, `${label}: valueType`);
    const described = readDescribed(label, options);
    this.description = described.description;
    this.tags = described.tags;
    this.owner = described.owner;
  }
}

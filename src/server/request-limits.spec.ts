import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  GetHistoricalFeaturesRequestSchema,
  ValidateConsistencyRequestSchema,
} from "../../gen/fstore/v1/feature_service_pb.js";
import { Code } from "../errors/index.js";
import { checkHistoricalLimits, checkValidateLimits } from "./request-limits.js";

const limits = { maxValidateEntities: 3, maxHistoricalEntityRows: 2 };
const ints = (n: number) => ({
  val: Array.from({ length: n }, (_, i) => ({ val: { case: "int64Val" as const, value: BigInt(i) } })),
});

describe("request limits", () => {
  it("bounds explicit and sampled entities of ValidateConsistency", () => {
    expect(() =>
      checkValidateLimits(create(ValidateConsistencyRequestSchema, { entities: { id: ints(3) } }), limits),
    ).not.toThrow();
    expect(() =>
      checkValidateLimits(create(ValidateConsistencyRequestSchema, { entities: { id: ints(4) } }), limits),
    ).toThrow(
      expect.objectContaining({
        code: Code.InvalidArgument,
        message: expect.stringMatching(/4 entities given; at most 3 .*server.max_validate_entities/),
      }),
    );
    expect(() =>
      checkValidateLimits(create(ValidateConsistencyRequestSchema, { sampleSize: 4 }), limits),
    ).toThrow(/sample_size 4 is above 3/);
  });
  it("bounds inline entity rows of GetHistoricalFeatures, by any column or the timestamps", () => {
    const rows = (n: number, t: number) =>
      create(GetHistoricalFeaturesRequestSchema, {
        entities: {
          case: "entityRows",
          value: {
            columns: { id: ints(n) },
            eventTimestamps: Array.from({ length: t }, () => ({ seconds: 1n })),
          },
        },
      });
    expect(() => checkHistoricalLimits(rows(2, 2), limits)).not.toThrow();
    expect(() => checkHistoricalLimits(rows(3, 2), limits)).toThrow(/3 entity rows given; at most 2/);
    expect(() => checkHistoricalLimits(rows(1, 3), limits)).toThrow(/server.max_historical_entity_rows/);
  });
});

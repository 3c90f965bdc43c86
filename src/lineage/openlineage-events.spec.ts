import { describe, expect, it } from "vitest";
import { ValueType } from "../../gen/fstore/v1/value_pb.js";
import { dataset, fileDataset, OPENLINEAGE_SCHEMA_URL, runEvent } from "./openlineage-events.js";

const ctx = { producer: "urn:fstore:0.1.0", namespace: "ns" };

describe("runEvent", () => {
  it("carries every field the spec requires", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    const e = runEvent(ctx, "START", { runId: "r", job: "apply", at }, [fileDataset(ctx, "/x.parquet")], []);
    expect(e).toEqual({
      eventType: "START",
      eventTime: "2026-01-01T00:00:00.000Z",
      run: { runId: "r" },
      job: { namespace: "ns", name: "apply" },
      inputs: [{ namespace: "file", name: "/x.parquet" }],
      outputs: [],
      producer: "urn:fstore:0.1.0",
      schemaURL: OPENLINEAGE_SCHEMA_URL,
    });
  });

  it("adds an errorMessage facet to FAIL and a schema facet to datasets with fields", () => {
    const e = runEvent(
      ctx,
      "FAIL",
      { runId: "r", job: "j", error: "boom" },
      [],
      [dataset(ctx, "ns", "v", [{ name: "id", type: ValueType.INT64 }])],
    );
    expect(e.run.facets?.errorMessage).toMatchObject({ message: "boom", _producer: ctx.producer });
    expect(e.outputs[0]?.facets?.schema).toMatchObject({ fields: [{ name: "id", type: "INT64" }] });
  });
});

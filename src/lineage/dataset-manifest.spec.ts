import { describe, expect, it } from "vitest";
import { type DatasetManifest, diffManifests } from "./dataset-manifest.js";

const file = (path: string, fingerprint: string) => ({
  path,
  size: 10,
  mtime: "2026-01-01T00:00:00.000Z",
  fingerprint,
});
const manifest = (over: Partial<DatasetManifest> = {}): DatasetManifest => ({
  id: "ds-a",
  project: "p",
  createdAt: "2026-01-01T00:00:00.000Z",
  via: "rpc",
  output: "stream",
  request: { features: ["v:f"], featureServices: [], fullFeatureNames: false, options: { strict: false } },
  registryVersion: 3,
  definitions: [{ kind: "feature_view", name: "v", version: 1, contentHash: "sha256:aaaa" }],
  sources: [
    { featureView: "v", source: "s", files: [file("/d/1.parquet", "fp1"), file("/d/2.parquet", "fp2")] },
  ],
  entities: { kind: "inline", rows: 3, fingerprint: "sha256:e1" },
  rowCount: 3,
  matchCounts: [{ featureView: "v", matchedRows: 2 }],
  leakageAudit: { violations: 0, passed: true },
  outputPath: "",
  columns: ["id", "event_timestamp", "f"],
  ...over,
});

describe("diffManifests", () => {
  it("finds nothing between two builds from the same inputs (ids and times aside)", () => {
    expect(
      diffManifests(manifest(), manifest({ id: "ds-b", createdAt: "2026-02-01T00:00:00.000Z" })),
    ).toEqual([]);
  });

  it("names changed definitions, added/removed/changed files, entities, request and counts", () => {
    const b = manifest({
      id: "ds-b",
      definitions: [{ kind: "feature_view", name: "v", version: 2, contentHash: "sha256:bbbb" }],
      sources: [
        {
          featureView: "v",
          source: "s",
          files: [file("/d/1.parquet", "fp1-new"), file("/d/3.parquet", "fp3")],
        },
      ],
      entities: { kind: "inline", rows: 4, fingerprint: "sha256:e2" },
      request: { features: ["v:f"], featureServices: [], fullFeatureNames: false, options: { strict: true } },
      rowCount: 4,
      matchCounts: [{ featureView: "v", matchedRows: 4 }],
    });
    const diffs = diffManifests(manifest(), b);
    expect(diffs.map((d) => `${d.what} ${d.name}`)).toEqual([
      "definition feature_view/v",
      "file /d/1.parquet",
      "file /d/2.parquet",
      "file /d/3.parquet",
      "entities entity rows",
      "request request",
      "counts rows",
      "counts matches v",
    ]);
    expect(diffs[0]).toMatchObject({ a: "v1 sha256:aaaa", b: "v2 sha256:bbbb" });
    expect(diffs[2]?.b).toBe("(not read)");
    expect(diffs[3]?.a).toBe("(not read)");
  });
});

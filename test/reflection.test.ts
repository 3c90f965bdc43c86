/**
 * Server reflection, checked with `buf curl` as the client: it lists every
 * RPC of fstore.v1.FeatureService (compared with the proto file itself) and
 * calls them with JSON bodies.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { bufCurl, bufCurlJson } from "./support/grpc.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";

/** The RPC names declared in the proto, read independently of any generated code. */
function rpcsInProto(): string[] {
  const text = readFileSync(new URL("../proto/fstore/v1/feature_service.proto", import.meta.url), "utf8");
  return [...text.matchAll(/^\s*rpc\s+(\w+)\s*\(/gm)].map((m) => `fstore.v1.FeatureService/${m[1]}`).sort();
}

let t: TestServer;
beforeAll(async () => {
  const registry = createMemoryRegistry("refl", {
    entities: [
      {
        name: "driver",
        joinKeys: ["driver_id"],
        valueType: ValueType.INT64,
        description: "",
        tags: { team: "a" },
        owner: "",
      },
    ],
    dataSources: [],
    featureViews: [],
    featureServices: [],
    onDemandFeatureViews: [],
  });
  t = await startTestServer({ config: testConfig(mkdtempSync(join(tmpdir(), "fstore-refl-"))), registry });
});
afterAll(async () => {
  await t?.shutdown();
});

describe("reflection with buf curl", () => {
  it("lists the services, including health", async () => {
    const res = await bufCurl(t.address, "", ["--list-services"]);
    expect(res.stderr).toBe("");
    expect(res.stdout.trim().split("\n").sort()).toEqual([
      "fstore.v1.FeatureService",
      "grpc.health.v1.Health",
    ]);
  });

  it("lists every RPC of FeatureService", async () => {
    const expected = rpcsInProto();
    expect(expected).toHaveLength(16);
    const res = await bufCurl(t.address, "", ["--list-methods"]);
    expect(res.exitCode).toBe(0);
    const listed = res.stdout
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("fstore.v1.FeatureService/"));
    expect(listed.sort()).toEqual(expected);
  });

  it("calls a registry RPC with a JSON body and gets JSON back", async () => {
    const res = await bufCurlJson(t.address, "fstore.v1.FeatureService/ListEntities", {
      tags: { team: "a" },
    });
    expect(res.exitCode).toBe(0);
    expect(res.json).toMatchObject({
      entities: [
        { name: "driver", joinKeys: ["driver_id"], valueType: "VALUE_TYPE_INT64", tags: { team: "a" } },
      ],
    });
  });

  it("reports errors as gRPC statuses with the server's message", async () => {
    const res = await bufCurlJson(t.address, "fstore.v1.FeatureService/GetFeatureView", { name: "nope" });
    expect(res.exitCode).not.toBe(0);
    expect(res.json).toMatchObject({ code: "not_found" });
    expect((res.json as { message: string }).message).toContain('"nope"');
  });

  it("rejects JSON that does not match the schema before calling", async () => {
    const res = await bufCurlJson(t.address, "fstore.v1.FeatureService/GetFeatureView", { nme: "x" });
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toContain("nme");
  });

  it("calls the health check with JSON", async () => {
    const res = await bufCurlJson(t.address, "grpc.health.v1.Health/Check", {
      service: "fstore.v1.FeatureService",
    });
    expect(res.exitCode).toBe(0);
    expect(res.json).toEqual({ status: "SERVING" });
  });
});

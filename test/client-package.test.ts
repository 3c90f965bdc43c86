/**
 * The TypeScript client as a service author installs it: `npm pack` in
 * clients/typescript builds compiled ESM JavaScript with `.d.ts` files; a
 * scratch Node project outside this checkout installs the tarball (its own
 * dependencies come from npm's cache or the registry, never from this
 * checkout's node_modules) and calls a real server with plain `node`.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { featureView, fileSource } from "./offline-fixtures.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";
import { PROJECT_ROOT } from "./support/temp-repo.js";

const described = { description: "", tags: {}, owner: "" };
let t: TestServer;
let scratch: string;
let tarball: string;

beforeAll(async () => {
  const stats = featureView(
    "stats",
    [{ name: "driver_id", dtype: ValueType.INT64, description: "", tags: {} }],
    [{ name: "trips", dtype: ValueType.INT64, description: "", tags: {} }],
    fileSource("stats_src", "stats.parquet"),
  );
  const registry = createMemoryRegistry("pkg", {
    entities: [{ name: "driver", joinKeys: ["driver_id"], valueType: ValueType.INT64, ...described }],
    dataSources: [stats.source],
    featureViews: [stats],
    featureServices: [],
    onDemandFeatureViews: [],
  });
  scratch = mkdtempSync(join(tmpdir(), "fstore-client-pkg-"));
  t = await startTestServer({ config: testConfig(scratch), registry });
  // `npm pack` runs the package's prepack (tsc) and writes the tarball into the scratch folder.
  const packed = execFileSync("npm", ["pack", "--json", "--pack-destination", scratch], {
    cwd: join(PROJECT_ROOT, "clients", "typescript"),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });
  tarball = join(scratch, (JSON.parse(packed) as { filename: string }[])[0]?.filename ?? "");
}, 180_000);

afterAll(async () => {
  await t?.shutdown();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

it("packs compiled ESM JavaScript and declarations, no TypeScript sources", () => {
  const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n");
  expect(files).toContain("package/dist/src/index.js");
  expect(files).toContain("package/dist/src/index.d.ts");
  expect(files).toContain("package/dist/gen/fstore/v1/feature_service_pb.js");
  expect(files).toContain("package/package.json");
  expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
});

it("installs into a project outside the checkout and runs with plain node", async () => {
  const app = join(scratch, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), '{ "name": "app", "private": true, "type": "module" }\n');
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], {
    cwd: app,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });
  // The dependencies it declares were installed beside it.
  expect(readdirSync(join(app, "node_modules", "@grpc"))).toContain("grpc-js");
  expect(readdirSync(join(app, "node_modules", "@bufbuild"))).toContain("protobuf");
  writeFileSync(
    join(app, "main.js"),
    `import { createFstoreClient, FstoreClientError } from "@fstore/client";
const client = createFstoreClient({ address: process.argv[2], timeoutMs: 10000 });
const entities = await client.listEntities();
const online = await client.getOnlineFeatures({ features: ["stats:trips"], entities: { driver_id: [9007199254740993n] } });
let notFound = "";
try { await client.getFeatureView("nope"); } catch (e) { notFound = e instanceof FstoreClientError ? e.codeName : String(e); }
console.log(JSON.stringify({
  entities: entities.map((e) => e.name),
  ids: online.columns[0].values.map(String),
  statuses: online.columns[1].statuses,
  health: await client.healthCheck(),
  notFound,
}));
client.close();
`,
  );
  // Asynchronously: the server answering it runs in this process.
  const run = await promisify(execFile)(process.execPath, ["main.js", t.address], {
    cwd: app,
    timeout: 60_000,
  });
  expect(run.stderr).toBe("");
  expect(JSON.parse(run.stdout)).toEqual({
    entities: ["driver"],
    ids: ["9007199254740993"],
    statuses: ["NOT_FOUND"],
    health: "SERVING",
    notFound: "NOT_FOUND",
  });
});

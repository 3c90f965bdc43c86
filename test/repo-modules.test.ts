/**
 * Definitions load as Node would load them from the repository's folder,
 * TypeScript or JavaScript, ES modules or CommonJS as its package.json says,
 * and `import ... from "fstore"` reaches the running fstore even with no
 * node_modules, or with a broken copy of fstore in the repository's own.
 * The folders are outside this checkout, so nothing resolves by accident.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadRepoDefinitions } from "../src/definitions/index.js";

const root = mkdtempSync(join(tmpdir(), "fstore-modules-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function repo(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

const ENTITY_TS = `import { Entity, Int64 } from "fstore";
export const driver = new Entity({ name: "driver", joinKeys: ["driver_id"], valueType: Int64 });
`;
const SERVICE_TS = `import { FeatureService, FeatureView, Field, FileSource, Float64 } from "fstore";
import { driver } from "./entities.js";
export const src = new FileSource({ name: "src", path: "data/x.parquet", timestampField: "ts" });
export const stats = new FeatureView({ name: "stats", entities: [driver], schema: [new Field({ name: "rate", dtype: Float64 })], source: src });
export const svc = new FeatureService({ name: "svc", features: [stats] });
`;

const names = (defs: Awaited<ReturnType<typeof loadRepoDefinitions>>) => ({
  entities: defs.entities.map((e) => e.name),
  views: defs.featureViews.map((v) => v.name),
  services: defs.featureServices.map((s) => s.name),
});

describe("repository modules", () => {
  it("loads TypeScript as CommonJS when there is no package.json, with no node_modules", async () => {
    const dir = repo("cjs-ts", { "entities.ts": ENTITY_TS, "views.ts": SERVICE_TS });
    expect(names(await loadRepoDefinitions(dir))).toEqual({
      entities: ["driver"],
      views: ["stats"],
      services: ["svc"],
    });
  });

  it('loads TypeScript as ES modules with "type": "module", with no node_modules', async () => {
    const dir = repo("esm-ts", {
      "package.json": '{ "type": "module" }\n',
      "entities.ts": ENTITY_TS,
      "views.ts": SERVICE_TS,
    });
    expect(names(await loadRepoDefinitions(dir)).services).toEqual(["svc"]);
  });

  it("loads JavaScript: .js as the package.json says, .mjs and .cjs always as themselves", async () => {
    const dir = repo("js", {
      "package.json": '{ "type": "module" }\n',
      "entities.js":
        'import { Entity, Int64 } from "fstore";\nexport const driver = new Entity({ name: "driver", valueType: Int64 });\n',
      "rider.cjs":
        'const { Entity, String } = require("fstore");\nexports.rider = new Entity({ name: "rider", valueType: String });\n',
      "car.mjs":
        'import { Entity, Int32 } from "fstore";\nexport const car = new Entity({ name: "car", valueType: Int32 });\n',
      "vitest.config.js": "throw new Error('a tool config is not a definition file');\n",
    });
    expect(names(await loadRepoDefinitions(dir)).entities).toEqual(["car", "driver", "rider"]);
  });

  it("uses the running fstore even when the repository's node_modules has another (broken) one", async () => {
    const dir = repo("own-copy", {
      "package.json": '{ "type": "module" }\n',
      "node_modules/fstore/package.json": '{ "name": "fstore", "type": "module", "main": "index.js" }\n',
      "node_modules/fstore/index.js": "throw new Error('the repository copy of fstore was loaded');\n",
      "entities.ts": ENTITY_TS,
    });
    expect(names(await loadRepoDefinitions(dir)).entities).toEqual(["driver"]);
  });
});

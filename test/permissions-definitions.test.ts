/**
 * Permissions as code: `new Permission(...)` in a repository becomes the
 * model, is stored and diffed by the registry like any object, and every kind
 * of invalid permission is an INVALID_ARGUMENT naming the permission and field.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { loadRepoDefinitions } from "../src/definitions/index.js";
import { Code, FstoreError } from "../src/errors/index.js";
import { openRegistry } from "../src/registry/index.js";
import { createTempRepo } from "./support/temp-repo.js";

const repo = createTempRepo();
const dir = mkdtempSync(join(tmpdir(), "fstore-perm-"));
afterAll(() => {
  repo.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const IMPORTS = `import { FeatureView, Permission, RoleBasedPolicy } from "fstore";\n`;

function writeDefs(text: string): void {
  repo.write("perms.ts", IMPORTS + text);
}

async function loadError(text: string): Promise<FstoreError> {
  writeDefs(text);
  try {
    await loadRepoDefinitions(repo.path);
  } catch (err) {
    expect(err).toBeInstanceOf(FstoreError);
    return err as FstoreError;
  }
  throw new Error("expected loadRepoDefinitions to fail");
}

beforeEach(() => repo.remove("perms.ts"));

describe("Permission definitions", () => {
  it("load into the model with Feast's defaults (every type, every action)", async () => {
    writeDefs(`
export const pii = new Permission({ name: "pii_read", types: [FeatureView, "OnDemandFeatureView"],
  requiredTags: { pii: "true" }, actions: ["READ_ONLINE", "READ_OFFLINE"],
  policy: new RoleBasedPolicy({ roles: ["pii-reader"] }) });
export const admin = new Permission({ name: "admin", namePatterns: [".*"], policy: new RoleBasedPolicy({ roles: ["admin"] }) });
`);
    const defs = await loadRepoDefinitions(repo.path);
    expect(defs.permissions).toEqual([
      {
        name: "admin",
        types: ["Entity", "DataSource", "FeatureView", "OnDemandFeatureView", "FeatureService", "Permission"],
        namePatterns: [".*"],
        requiredTags: {},
        actions: [
          "CREATE",
          "DESCRIBE",
          "UPDATE",
          "DELETE",
          "READ_ONLINE",
          "READ_OFFLINE",
          "WRITE_ONLINE",
          "WRITE_OFFLINE",
        ],
        policy: { kind: "role_based", roles: ["admin"] },
      },
      {
        name: "pii_read",
        types: ["FeatureView", "OnDemandFeatureView"],
        namePatterns: [],
        requiredTags: { pii: "true" },
        actions: ["READ_ONLINE", "READ_OFFLINE"],
        policy: { kind: "role_based", roles: ["pii-reader"] },
      },
    ]);
  });

  it.each([
    [
      `actions: ["READ"]`,
      'Permission "p": actions[0]: unknown action "READ"; expected one of CREATE, DESCRIBE, UPDATE, DELETE, READ_ONLINE, READ_OFFLINE, WRITE_ONLINE, WRITE_OFFLINE',
    ],
    [`types: ["Table"]`, 'Permission "p": types[0]: unknown type "Table"; expected one of'],
    [`namePatterns: [""]`, 'Permission "p": namePatterns[0]: expected a non-empty regular expression'],
    [`namePatterns: ["(unclosed"]`, 'Permission "p": namePatterns[0]: invalid regular expression'],
    [`actions: []`, 'Permission "p": actions: expected a non-empty list'],
    [`requiredTags: { pii: true }`, 'Permission "p": requiredTags.pii: expected a string value'],
    [`name_patterns: ["x"]`, 'Permission "p": name_patterns: unknown option; did you mean namePatterns?'],
  ])("rejects %s", async (option, message) => {
    const err = await loadError(
      `export const p = new Permission({ name: "p", ${option}, policy: new RoleBasedPolicy({ roles: ["r"] }) });\n`,
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.message).toContain(message);
  });

  it("rejects a missing policy and an empty role list", async () => {
    expect((await loadError(`export const p = new Permission({ name: "p" } as never);\n`)).message).toContain(
      'Permission "p": policy: expected new RoleBasedPolicy({ roles: [...] })',
    );
    expect(
      (
        await loadError(
          `export const p = new Permission({ name: "p", policy: new RoleBasedPolicy({ roles: [] }) });\n`,
        )
      ).message,
    ).toContain("RoleBasedPolicy: roles: expected a non-empty list of role names");
  });

  it("are stored by apply, shown by plan and seen in the snapshot", async () => {
    writeDefs(`export const p = new Permission({ name: "readers", actions: ["READ_ONLINE"],
  policy: new RoleBasedPolicy({ roles: ["reader"] }) });\n`);
    const defs = await loadRepoDefinitions(repo.path);
    const registry = await openRegistry({
      project: "proj",
      registry: { path: join(dir, "registry.db"), cacheTtlSeconds: 0 },
      onlineStore: { type: "sqlite", path: join(dir, "online.db") },
    });
    try {
      expect(await registry.plan(defs)).toEqual([
        { kind: "add", objectType: "permission", name: "readers", details: [] },
      ]);
      await registry.apply(defs);
      expect(registry.snapshot().permissions.get("readers")?.policy.roles).toEqual(["reader"]);
      const changed = {
        ...defs,
        permissions: defs.permissions?.map((p) => ({ ...p, actions: ["READ_OFFLINE" as const] })),
      };
      expect(await registry.plan(changed)).toEqual([
        { kind: "change", objectType: "permission", name: "readers", details: ["actions"] },
      ]);
      expect(await registry.plan({ ...defs, permissions: [] })).toEqual([
        { kind: "remove", objectType: "permission", name: "readers", details: [] },
      ]);
    } finally {
      await registry.close();
    }
  });
});

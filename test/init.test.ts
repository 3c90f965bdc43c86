/**
 * `fstore init` in-process: project names from folder names, the folders it
 * accepts (empty, or just where fstore was installed) and refuses (an
 * existing repository), and what it writes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Code, FstoreError } from "../src/errors/index.js";
import { initRepo, projectNameOf } from "../src/init/index.js";

const root = mkdtempSync(join(tmpdir(), "fstore-init-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function initError(options: Parameters<typeof initRepo>[0]): Promise<FstoreError> {
  try {
    await initRepo(options);
  } catch (err) {
    expect(err).toBeInstanceOf(FstoreError);
    return err as FstoreError;
  }
  throw new Error("expected initRepo to fail");
}

describe("fstore init", () => {
  it("names the project after the folder, as letters, digits and underscores", () => {
    expect(projectNameOf("/x/my-repo")).toBe("my_repo");
    expect(projectNameOf("/x/2024.features")).toBe("_2024_features");
    expect(projectNameOf("/x/driver_stats")).toBe("driver_stats");
  });

  it("writes the minimal template with the project name, .gitignore and package.json", async () => {
    const result = await initRepo({ dir: join(root, "my-repo"), generateData: false });
    expect(result.project).toBe("my_repo");
    expect(result.files).toEqual([
      ".gitignore",
      "README.md",
      "_generate_data.ts",
      "feature_store.yaml",
      "features.ts",
      "package.json",
    ]);
    expect(readFileSync(join(result.path, "feature_store.yaml"), "utf8")).toMatch(/^project: my_repo$/m);
    expect(JSON.parse(readFileSync(join(result.path, "package.json"), "utf8"))).toMatchObject({
      name: "my_repo",
      type: "module",
    });
    expect(readFileSync(join(result.path, ".gitignore"), "utf8")).toBe("data/\nnode_modules/\n");
  });

  it("accepts a folder where fstore was installed, keeping its package.json and .gitignore lines", async () => {
    const dir = join(root, "installed");
    mkdirSync(join(dir, "node_modules"), { recursive: true });
    writeFileSync(
      join(dir, "package.json"),
      '{ "name": "mine", "dependencies": { "fstore": "file:x.tgz" } }\n',
    );
    writeFileSync(join(dir, ".gitignore"), "*.log\nnode_modules/\n");
    const result = await initRepo({
      dir,
      template: "vehicle-rental",
      project: "rentals",
      generateData: false,
    });
    expect(result.files).not.toContain(join("node_modules", "x"));
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))).toEqual({
      name: "mine",
      dependencies: { fstore: "file:x.tgz" },
      type: "module",
    });
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe("*.log\nnode_modules/\ndata/\n");
    expect(readFileSync(join(dir, "feature_store.yaml"), "utf8")).toMatch(/^project: rentals$/m);
  });

  it("refuses a folder that already holds a repository, and a bad project or template name", async () => {
    const dir = join(root, "existing");
    mkdirSync(dir);
    writeFileSync(join(dir, "feature_store.yaml"), "project: x\n");
    const clash = await initError({ dir, generateData: false });
    expect(clash.code).toBe(Code.FailedPrecondition);
    expect(clash.message).toContain("already has feature_store.yaml; choose a new or empty folder");
    expect(readFileSync(join(dir, "feature_store.yaml"), "utf8")).toBe("project: x\n");

    const badProject = await initError({ dir: join(root, "p"), project: "my-project", generateData: false });
    expect(badProject.code).toBe(Code.InvalidArgument);
    expect(badProject.message).toContain(
      'project name "my-project": expected letters, digits and underscores',
    );
    const badTemplate = await initError({
      dir: join(root, "t"),
      template: "nope" as never,
      generateData: false,
    });
    expect(badTemplate.message).toContain('unknown template "nope" (templates: minimal, vehicle-rental)');
  });
});

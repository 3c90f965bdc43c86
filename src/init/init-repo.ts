/**
 * `fstore init`: a new feature repository from a template, working at once
 * (configuration, definitions, a seeded data generator and its data, a
 * .gitignore and a README with the next commands), like `feast init`.
 * The vehicle-rental template is this package's own example repository
 * (feature_repo/), so the example is generated the same way as a user's.
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { failedPrecondition, invalidArgument } from "../errors/index.js";
import { ensureRepoData, type RepoDataResult } from "./repo-data.js";

export const TEMPLATES = ["minimal", "vehicle-rental"] as const;
export type TemplateName = (typeof TEMPLATES)[number];

const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TEMPLATE_DIRS: Record<TemplateName, string> = {
  minimal: join(PACKAGE_ROOT, "src", "init", "templates", "minimal"),
  "vehicle-rental": join(PACKAGE_ROOT, "feature_repo"),
};

/** Never copied: generated data, local state, installed packages. */
const SKIPPED = new Set(["data", "node_modules", ".fstore", ".gitignore"]);

/** Written by init rather than copied: npm never packs a file named .gitignore. */
export const GITIGNORE = "data/\nnode_modules/\n";

const PROJECT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface InitRepoOptions {
  /** The folder to create (it may exist if empty). */
  dir: string;
  template?: TemplateName;
  /** Project name; default: the folder's name made into one (letters, digits, underscores). */
  project?: string;
  /** Run the template's data generator (default true). */
  generateData?: boolean;
}

export interface InitRepoResult {
  path: string;
  project: string;
  template: TemplateName;
  /** Files written, relative to `path`, sorted. */
  files: string[];
  data: RepoDataResult;
}

/** `my-repo` -> `my_repo`; `2024` -> `_2024`. */
export function projectNameOf(dir: string): string {
  const name = basename(resolve(dir)).replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(name) ? `_${name}` : name || "feature_repo";
}

export async function initRepo(options: InitRepoOptions): Promise<InitRepoResult> {
  const template = options.template ?? "minimal";
  if (!TEMPLATES.includes(template)) {
    throw invalidArgument(`unknown template "${template}" (templates: ${TEMPLATES.join(", ")})`);
  }
  const project = options.project ?? projectNameOf(options.dir);
  if (!PROJECT.test(project)) {
    throw invalidArgument(
      `project name "${project}": expected letters, digits and underscores, not starting with a digit (use --project)`,
    );
  }
  const path = resolve(options.dir);
  const source = TEMPLATE_DIRS[template];
  // A folder where fstore was just installed (package.json, node_modules) is fine; a repository is not.
  const existingPackage = readIfExists(join(path, "package.json"));
  const clashes = readdirSync(source).filter(
    (f) => !SKIPPED.has(f) && f !== "package.json" && existsSync(join(path, f)),
  );
  if (clashes.length > 0) {
    throw failedPrecondition(`${path} already has ${clashes.join(", ")}; choose a new or empty folder`);
  }
  cpSync(source, path, {
    recursive: true,
    filter: (from) => from === source || !SKIPPED.has(basename(from)),
  });
  writeGitignore(join(path, ".gitignore"));
  setProject(path, project, existingPackage);
  const data =
    options.generateData === false ? { generator: undefined, generated: false } : await ensureRepoData(path);
  return { path, project, template, files: listFiles(path), data };
}

/**
 * The project name in feature_store.yaml and package.json. A package.json that
 * was there (fstore installed first) keeps its fields and gains `"type":
 * "module"` if it has no type, as the template's definitions are ES modules.
 */
function setProject(path: string, project: string, existingPackage: string | undefined): void {
  const yamlPath = join(path, "feature_store.yaml");
  const yaml = readFileSync(yamlPath, "utf8");
  writeFileSync(yamlPath, yaml.replace(/^project:.*$/m, `project: ${project}`));
  const packagePath = join(path, "package.json");
  let pkg: Record<string, unknown>;
  if (existingPackage !== undefined) {
    pkg = JSON.parse(existingPackage) as Record<string, unknown>;
    pkg.type ??= "module";
  } else {
    pkg = JSON.parse(readFileSync(packagePath, "utf8")) as Record<string, unknown>;
    pkg.name = project.toLowerCase();
  }
  writeFileSync(packagePath, `${JSON.stringify(pkg, null, 2)}\n`);
}

/** Writes .gitignore, or adds the lines it lacks to the one that is there. */
function writeGitignore(file: string): void {
  const existing = readIfExists(file);
  if (existing === undefined) {
    writeFileSync(file, GITIGNORE);
    return;
  }
  const have = new Set(existing.split("\n").map((l) => l.trim()));
  const missing = GITIGNORE.split("\n").filter((l) => l !== "" && !have.has(l));
  if (missing.length > 0) {
    writeFileSync(
      file,
      `${existing}${existing.endsWith("\n") || existing === "" ? "" : "\n"}${missing.join("\n")}\n`,
    );
  }
}

function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

function listFiles(path: string, prefix = ""): string[] {
  return readdirSync(join(path, prefix), { withFileTypes: true })
    .filter((e) => e.name !== "node_modules" && e.name !== ".git")
    .flatMap((e) => (e.isDirectory() ? listFiles(path, join(prefix, e.name)) : [join(prefix, e.name)]))
    .sort();
}

/**
 * Loading a feature repository's own modules (definitions, data generator)
 * the way Node would from the repository's folder: TypeScript or JavaScript,
 * ES modules or CommonJS as its package.json says, `import ... from "fstore"`
 * reaching the running fstore. Each session is a fresh tsx namespace, so
 * edited files are always read again.
 */
import { pathToFileURL } from "node:url";
import { register as registerCjs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";
import { installFstoreSpecifier } from "./fstore-specifier.js";

/** Imports one repository file (absolute path) in the current session. */
export type RepoModuleImport = (file: string) => Promise<Record<string, unknown>>;

let sessions = 0;

/** Runs `work` with an importer whose modules share one fresh namespace, then unregisters it. */
export async function withRepoModules<T>(work: (load: RepoModuleImport) => Promise<T>): Promise<T> {
  await installFstoreSpecifier();
  sessions += 1;
  const namespace = `fstore-repo-${process.pid}-${sessions}-${Date.now()}`;
  const esm = register({ namespace });
  const cjs = registerCjs({ namespace });
  try {
    return await work((file) => esm.import(pathToFileURL(file).href, import.meta.url));
  } finally {
    await esm.unregister();
    cjs.unregister();
  }
}

/**
 * A feature repository is just files (as a Feast repository is just Python
 * files): its `import ... from "fstore"` must reach the fstore that loads it,
 * even when the repository has no node_modules, or its own copy of fstore.
 * Installed once per process, for both module systems, because a repository's
 * package.json decides whether its files are ES modules or CommonJS:
 * - ES modules: a resolve hook (`fstore-specifier-hooks.mjs`) maps "fstore" to
 *   this package's entry point;
 * - CommonJS (no `"type": "module"`): `require("fstore")` loads
 *   `fstore-cjs-entry.cjs`, which returns this process's instance of the entry point.
 */
import Module, { register } from "node:module";
import { fileURLToPath } from "node:url";

/** The entry point beside this folder: `index.ts` from sources, `index.js` if compiled. */
const ENTRY_URL = new URL(`../index${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);
/** The file `require("fstore")` loads: it returns the entry point published under ENTRY_KEY. */
const CJS_ENTRY = fileURLToPath(new URL("./fstore-cjs-entry.cjs", import.meta.url));
const ENTRY_KEY = Symbol.for("fstore.entry");

interface ModuleInternals {
  _resolveFilename(request: string, ...rest: unknown[]): string;
}

let installed: Promise<void> | undefined;

/** Makes "fstore" resolve to this fstore for every module loaded afterwards. Idempotent. */
export function installFstoreSpecifier(): Promise<void> {
  installed ??= install();
  return installed;
}

async function install(): Promise<void> {
  register(new URL("./fstore-specifier-hooks.mjs", import.meta.url), {
    data: { target: ENTRY_URL.href },
  });
  (globalThis as Record<symbol, unknown>)[ENTRY_KEY] = await import(ENTRY_URL.href);
  // Node 20 has no public synchronous resolve hook for require(); this is the
  // one CommonJS path aliases (tsx, module-alias) have always patched.
  const internals = Module as unknown as ModuleInternals;
  const resolveFilename = internals._resolveFilename;
  internals._resolveFilename = function resolveFstore(request: string, ...rest: unknown[]): string {
    if (request === "fstore") return CJS_ENTRY;
    return resolveFilename.call(this, request, ...rest);
  };
}

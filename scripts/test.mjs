#!/usr/bin/env node
/**
 * `npm test`: vitest, then the Python client's pytest suite (clients/python/tests) with Debian's
 * /usr/bin/python3 (FSTORE_PYTHON overrides it). One after the other: the machine has 2 cores.
 *
 *   npm test                          both suites
 *   npm test -- test/foo.test.ts      only the named vitest files
 *   npm test -- clients/python/tests/test_online.py   only the named pytest files
 *
 * Exits non-zero when either fails. pytest's exit code 5 ("no tests collected") is a failure here
 * with its own message: the suite going missing must not pass silently.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const args = process.argv.slice(2);
const isPython = (a) => a.startsWith("clients/python") || a.endsWith(".py") || a.includes(".py::");
const pythonArgs = args.filter(isPython);
const vitestArgs = args.filter((a) => !isPython(a));
const runVitest = args.length === 0 || vitestArgs.length > 0;
const runPytest = args.length === 0 || pythonArgs.length > 0;

function run(command, commandArgs) {
  const r = spawnSync(command, commandArgs, { stdio: "inherit" });
  if (r.error) {
    console.error(`npm test: cannot run ${command}: ${r.error.message}`);
    return 1;
  }
  return r.status ?? 1;
}

let failed = false;
if (runVitest) {
  failed = run(process.execPath, ["node_modules/vitest/vitest.mjs", "run", ...vitestArgs]) !== 0;
}
if (runPytest) {
  const python = process.env.FSTORE_PYTHON ?? "/usr/bin/python3";
  if (!existsSync(python)) {
    console.error(
      `npm test: ${python} not found (Debian's python3 with python3-grpcio, -protobuf, -pandas, -numpy, -pytest)`,
    );
    process.exit(1);
  }
  const targets = pythonArgs.length > 0 ? pythonArgs : ["clients/python/tests"];
  const code = run(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", ...targets]);
  if (code === 5) console.error("npm test: pytest collected no tests: the Python client's suite is missing");
  if (code !== 0) failed = true;
}
process.exit(failed ? 1 : 0);

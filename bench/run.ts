/**
 * `npm run bench`: runs every benchmark in its own process, one after another
 * (they must not compete for the 2 cores), and prints each one's table.
 *
 *   npm run bench                  all benchmarks
 *   npm run bench -- historical    only those whose name contains "historical"
 *   npm run bench -- scale         the 10x growth benchmark: long, so only when named
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const benchmarks = [
  "historical",
  "lineage",
  "online",
  "access",
  "logging",
  "materialize",
  "streaming",
  "consistency",
  "clients",
  "monitor",
  "isolation",
  "scale",
];
/** Run only when a filter names them. */
const onRequestOnly = new Set(["scale"]);
const filters = process.argv.slice(2);

let failed = 0;
for (const name of benchmarks) {
  if (filters.length > 0 && !filters.some((f) => name.includes(f))) continue;
  if (filters.length === 0 && onRequestOnly.has(name)) continue;
  const file = join(here, `${name}.bench.ts`);
  if (!existsSync(file)) {
    console.log(`\n== ${name}: no benchmark yet (${file})`);
    continue;
  }
  console.log(`\n== ${name}`);
  const res = spawnSync(process.execPath, ["--expose-gc", join(root, "bin/run-ts.js"), file], {
    stdio: "inherit",
    cwd: root,
  });
  if (res.status !== 0) {
    failed++;
    console.log(`== ${name} failed with exit code ${res.status}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;

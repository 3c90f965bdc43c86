import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { loadRepoConfig, onlineStoreIdentity } from "../../config/index.js";
import { FstoreError } from "../../errors/index.js";
import { createOnlineStore } from "../../online/create-online-store.js";
import { openRegistry, redactedUrl, teardownRegistry } from "../../registry/index.js";

async function confirmed(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await Promise.race([
      rl.question(question),
      new Promise<string>((resolveClosed) => rl.once("close", () => resolveClosed(""))),
    ]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/**
 * `fstore teardown`: deletes the online rows of every registered feature
 * view, then the project from the registry (Feast's `feast teardown`).
 * Exit 0 done, 1 aborted or failed.
 */
export async function runTeardown(options: { repo: string; yes?: boolean }): Promise<void> {
  try {
    const config = loadRepoConfig(resolve(options.repo));
    const registry = await openRegistry(config);
    let views: ReturnType<typeof registry.snapshot>["featureViews"];
    try {
      views = registry.snapshot().featureViews;
    } finally {
      await registry.close();
    }
    const store = onlineStoreIdentity(config.onlineStore);
    const names = [...views.keys()].sort();
    const what =
      `the online rows of ${names.length} feature view(s)${names.length ? ` (${names.join(", ")})` : ""} ` +
      `in ${store}, and project "${config.project}" from registry ${redactedUrl(config.registry.path)}`;
    if (!options.yes && !(await confirmed(`This deletes ${what}. Continue? [y/N] `))) {
      console.error("fstore teardown: aborted; nothing was deleted");
      process.exitCode = 1;
      return;
    }
    const online = createOnlineStore(config);
    try {
      for (const view of views.values()) await online.deleteView(view);
    } finally {
      await online.close();
    }
    const result = await teardownRegistry(config);
    const registryNote = result.fileDeleted
      ? "registry file deleted"
      : result.otherProjects.length > 0
        ? `registry kept for project(s) ${result.otherProjects.join(", ")}`
        : config.registry.registryType === "sql"
          ? "registry database kept"
          : "no registry file";
    console.log(`Deleted ${what} (${registryNote}).`);
  } catch (err) {
    const e = FstoreError.from(err);
    console.error(`fstore teardown: ${e.code}: ${e.message}`);
    process.exitCode = 1;
  }
}

/** Registers `fstore teardown`. */
export function registerTeardownCommand(program: Command): void {
  program
    .command("teardown")
    .description("delete the project's online data and its registry (asks first)")
    .option("--repo <dir>", "feature repository folder", ".")
    .option("--yes", "do not ask for confirmation (for scripts)")
    .action(async (options: { repo: string; yes?: boolean }) => {
      await runTeardown(options);
    });
}

import { relative } from "node:path";
import type { Command } from "commander";
import { FstoreError } from "../../errors/index.js";
import { type AppliedRepo, applyRepo, planRepo, type RepoPlan } from "../../registry/apply-repo.js";
import { isPostgresUrl, redactedUrl } from "../../registry/postgres-url.js";
import type { PlannedChange } from "../../registry/registry.js";

const SYMBOL: Record<PlannedChange["kind"], string> = { add: "+", change: "~", remove: "-" };

/** The human-readable plan: one line per change, then a summary. Pure, for tests. */
export function formatPlan(plan: RepoPlan, applied: boolean): string {
  const { path } = plan.config.registry;
  const registry = isPostgresUrl(path) ? redactedUrl(path) : relative(process.cwd(), path) || path;
  const head = `${applied ? "Applied to" : "Plan for"} project "${plan.config.project}" (registry ${registry})`;
  if (plan.changes.length === 0) {
    return `${head}\nNo changes: the registry is up to date (version ${plan.version}).`;
  }
  const lines = plan.changes.map((c) => {
    const details = c.kind === "change" ? ` (changed: ${c.details.join(", ")})` : "";
    const version = c.version === undefined ? "" : ` -> version ${c.version}`;
    return `  ${SYMBOL[c.kind]} ${c.objectType} ${c.name}${details}${version}`;
  });
  const count = (kind: PlannedChange["kind"]) => plan.changes.filter((c) => c.kind === kind).length;
  const summary = `${count("add")} to add, ${count("change")} to change, ${count("remove")} to remove`;
  const tail = applied ? `Applied: ${summary}; registry version ${plan.version}.` : `Plan: ${summary}.`;
  return [head, ...lines, tail].join("\n");
}

/** Registers `fstore plan` and `fstore apply`. */
export function registerApplyCommands(program: Command): void {
  for (const [name, applied] of [
    ["plan", false],
    ["apply", true],
  ] as const) {
    program
      .command(name)
      .description(
        applied
          ? "validate the feature repository and write its definitions to the registry (all or nothing)"
          : "validate the feature repository and show what apply would add, change and remove",
      )
      .option("--repo <dir>", "feature repository folder", ".")
      .option("--json", "print the changes as JSON")
      .action(async (options: { repo: string; json?: boolean }) => {
        try {
          const plan = applied ? await applyRepo(options.repo) : await planRepo(options.repo);
          const deleted: string[] =
            "deletedOnlineViews" in plan ? (plan as AppliedRepo).deletedOnlineViews : [];
          const backfilled: string[] =
            "backfilledStreamViews" in plan ? (plan as AppliedRepo).backfilledStreamViews : [];
          if (options.json) {
            console.log(
              JSON.stringify({
                project: plan.config.project,
                version: plan.version,
                changes: plan.changes,
                ...(applied ? { deletedOnlineViews: deleted, backfilledStreamViews: backfilled } : {}),
              }),
            );
          } else {
            console.log(formatPlan(plan, applied));
            if (deleted.length > 0) console.log(`Deleted the online rows of ${deleted.join(", ")}.`);
            if (backfilled.length > 0) {
              console.log(`Built the online tiles of ${backfilled.join(", ")} from their raw events.`);
            }
          }
        } catch (err) {
          const error = FstoreError.from(err);
          console.error(`fstore ${name}: ${error.code}: ${error.message}`);
          process.exitCode = 1;
        }
      });
  }
}

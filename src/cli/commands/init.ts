import { relative } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { FstoreError } from "../../errors/index.js";
import { initRepo, TEMPLATES, type TemplateName } from "../../init/index.js";

function templateName(value: string): TemplateName {
  if (!(TEMPLATES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${TEMPLATES.join(", ")}`);
  }
  return value as TemplateName;
}

/** Registers `fstore init [DIR]`. */
export function registerInitCommand(program: Command): void {
  program
    .command("init")
    .description("create a feature repository that works at once (configuration, definitions, sample data)")
    .argument("[dir]", "folder to create the repository in", ".")
    .option("--template <name>", `template: ${TEMPLATES.join(" or ")}`, templateName, "minimal")
    .option("--project <name>", "project name (default: the folder's name)")
    .option("--no-data", "do not run the data generator")
    .action(async (dir: string, options: { template: TemplateName; project?: string; data: boolean }) => {
      try {
        const result = await initRepo({
          dir,
          template: options.template,
          ...(options.project !== undefined ? { project: options.project } : {}),
          generateData: options.data,
        });
        const shown = relative(process.cwd(), result.path) || ".";
        const cd = shown === "." ? "" : `cd ${shown}\n  `;
        console.log(
          `Created project "${result.project}" (template ${result.template}) in ${result.path}:\n` +
            result.files.map((f) => `  ${f}`).join("\n") +
            `\n\nNext:\n  ${cd}npx fstore apply\n  npx fstore materialize-incremental now\n  npx fstore serve`,
        );
      } catch (err) {
        const error = FstoreError.from(err);
        console.error(`fstore init: ${error.code}: ${error.message}`);
        process.exitCode = 1;
      }
    });
}

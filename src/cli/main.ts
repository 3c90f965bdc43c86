/**
 * The `fstore` command line. Each command lives in its own file under
 * commands/ and registers itself on the program.
 */
import { Command } from "commander";
import { registerApplyCommands } from "./commands/apply.js";
import { registerDescribeCommand } from "./commands/describe.js";
import { registerHistoricalCommand } from "./commands/historical.js";
import { registerIngestCommand } from "./commands/ingest.js";
import { registerInitCommand } from "./commands/init.js";
import { registerLineageCommands } from "./commands/lineage.js";
import { registerListCommand } from "./commands/list.js";
import { registerMaterializeCommands } from "./commands/materialize.js";
import { registerMonitorCommands } from "./commands/monitor.js";
import { registerPushCommand } from "./commands/push.js";
import { registerServeCommand } from "./commands/serve.js";
import { registerStatusCommand } from "./commands/status.js";
import { registerTeardownCommand } from "./commands/teardown.js";
import { registerUiCommand } from "./commands/ui.js";
import { registerValidateCommand } from "./commands/validate.js";

const program = new Command("fstore")
  .description("A feature store served over gRPC")
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str) });

registerInitCommand(program);
registerApplyCommands(program);
registerServeCommand(program);
registerIngestCommand(program);
registerHistoricalCommand(program);
registerMaterializeCommands(program);
registerValidateCommand(program);
registerStatusCommand(program);
registerListCommand(program);
registerDescribeCommand(program);
registerLineageCommands(program);
registerPushCommand(program);
registerMonitorCommands(program);
registerTeardownCommand(program);
registerUiCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Commands report their own errors; anything reaching here is unexpected.
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}

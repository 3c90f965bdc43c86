/**
 * Process signals for a serving process: the first SIGTERM or SIGINT starts a
 * graceful shutdown and exits 0 once it is done; a second one exits at once.
 */
import type { Logger } from "pino";
import type { RunningServer } from "./server.js";

/** Installs the handlers; returns a function that removes them. */
export function stopOnSignals(running: Pick<RunningServer, "shutdown">, logger: Logger): () => void {
  let received = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      logger.warn({ signal }, "second signal: exiting without waiting");
      process.exit(1);
    }
    received = true;
    logger.info({ signal }, "signal received");
    running.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return () => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  };
}

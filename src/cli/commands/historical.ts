import type { Command } from "commander";

/** Registers `fstore historical` (not implemented yet). */
export function registerHistoricalCommand(_program: Command): void {}

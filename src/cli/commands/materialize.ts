import type { Command } from "commander";

/** Registers `fstore materialize` (not implemented yet). */
export function registerMaterializeCommands(_program: Command): void {}

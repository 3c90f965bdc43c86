import type { Command } from "commander";

/** Registers `fstore plan/apply` (not implemented yet). */
export function registerApplyCommands(_program: Command): void {}

import type { Command } from "commander";

/** Registers `fstore serve` (not implemented yet). */
export function registerServeCommand(_program: Command): void {}

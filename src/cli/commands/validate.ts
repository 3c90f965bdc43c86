import type { Command } from "commander";

/** Registers `fstore validate` (not implemented yet). */
export function registerValidateCommand(_program: Command): void {}

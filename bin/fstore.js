#!/usr/bin/env node
// The `fstore` command. Runs the TypeScript sources through tsx, so the
// feature repository's own TypeScript definitions load the same way.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");

// The logging worker's entry: plain JavaScript that loads the TypeScript
// worker through tsx (a worker thread does not inherit the parent's loader).
import { register } from "tsx/esm/api";

register();
await import("./log-worker.ts");

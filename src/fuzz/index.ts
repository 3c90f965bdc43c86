// The fuzzer (`npm run fuzz`) and what tests and benchmarks reuse from it.

// A real server and Redis in their own processes, and a client sending raw request bytes.
export { createFuzzRepo, fuzzDefinitions } from "./fuzz-repo.js";
export type { Child } from "./processes.js";
export { rssMb, startRedisServer, startServerProcess } from "./processes.js";
export type { RawClient, RawOutcome } from "./raw-client.js";
export { createRawClient, FEATURE_SERVICE_METHODS } from "./raw-client.js";
export type { FuzzFault, FuzzOptions, FuzzReport, FuzzStore } from "./run-fuzz.js";
export { DEFAULT_FUZZ_OPTIONS, formatReport, runFuzz } from "./run-fuzz.js";

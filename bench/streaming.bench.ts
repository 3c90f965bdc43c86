/**
 * Benchmark: streaming features (`npm run bench -- streaming`). Each section
 * prints its own table; the raw floors it is compared to run in the same run.
 * - historical: GetHistoricalFeatures of a stream view against hand-written
 *   DuckDB queries with the same semantics (bench/streaming/historical.ts).
 */
import { historicalStreamBench } from "./streaming/historical.js";

let ok = true;
ok = (await historicalStreamBench()) && ok;
process.exitCode = ok ? 0 : 1;

/**
 * Benchmark: streaming features (`npm run bench -- streaming`). Each section
 * prints its own table; the raw floors it is compared to run in the same run.
 * - online: ingestion from a Redis stream against a raw consumer writing the
 *   same tiles, freshness lag at 5,000 events/s, 1 x 12 aggregates against a
 *   packed 1 x 50 read (bench/streaming/online.ts);
 * - historical: GetHistoricalFeatures of a stream view against hand-written
 *   DuckDB queries with the same semantics (bench/streaming/historical.ts).
 * `npm run bench -- streaming` runs both; STREAM_BENCH_PART=online|historical one.
 */
import { historicalStreamBench } from "./streaming/historical.js";
import { onlineStreamBench } from "./streaming/online.js";

const part = process.env.STREAM_BENCH_PART ?? "";
let ok = true;
if (part === "" || part === "online") ok = (await onlineStreamBench()) && ok;
if (part === "" || part === "historical") ok = (await historicalStreamBench()) && ok;
process.exitCode = ok ? 0 : 1;

/**
 * Node flags for a serving process, passed on node's command line (`npm start`
 * does; NODE_OPTIONS may not carry them).
 *
 * --no-memory-reducer: V8's memory reducer, meant for idle browser tabs, forces
 * a memory-reducing mark-compact once a process has gone 100 s without one (its
 * watchdog) and then keeps the heap limit tight, so mark-compacts follow every
 * few seconds for about a minute. On the 2-core benchmark machine that was one
 * pause of 68-81 ms and then pauses of 5-20 ms inside every 1 x 250 measurement
 * for a minute (p99 2.7-3.0 x its floor); without it, none in the latency rows
 * (p99 1.13-1.23 x). A server keeps its heap after a burst instead.
 */
export const SERVING_NODE_FLAGS: readonly string[] = ["--no-memory-reducer"];

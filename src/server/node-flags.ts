/**
 * Node flags for a serving process, passed on node's command line (`npm start`
 * does; node refuses them in NODE_OPTIONS). README, Operations, has the figures.
 *
 * --no-memory-reducer: V8's memory reducer, meant for idle browser tabs, forces
 * a memory-reducing full collection once a process has gone 100 s without one,
 * then keeps the heap limit tight, so full collections pause serving every few
 * seconds for about a minute. A server keeps its heap after a burst instead.
 */
export const SERVING_NODE_FLAGS: readonly string[] = ["--no-memory-reducer"];

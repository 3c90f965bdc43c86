/**
 * Long synchronous work split into slices, so other calls' I/O and timers
 * run in between: the server has one event loop, and a loop over a large
 * request (a 1,000-row push appended value by value, say) would otherwise
 * hold it for tens of milliseconds while small calls wait behind it. A slice
 * ends after `budgetMs` of work; the work then yields with `setImmediate`,
 * which lets the pending I/O callbacks run first.
 */

/** Resolves after pending I/O callbacks (and due timers) have run. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Default slice length: well under the small calls' latency, large enough that yielding costs nothing measurable. */
export const DEFAULT_SLICE_MS = 2;

/**
 * A budget of synchronous time. Loops call `due()` now and then (it reads the
 * clock: every 64 rows, say) and `await slice.yield()` when it is true.
 */
export class TimeSlice {
  #start = performance.now();
  constructor(readonly budgetMs = DEFAULT_SLICE_MS) {}

  /** Whether this slice has used its budget. */
  due(): boolean {
    return performance.now() - this.#start >= this.budgetMs;
  }

  /** Yields to the event loop and starts a new slice. */
  async yield(): Promise<void> {
    await yieldToLoop();
    this.#start = performance.now();
  }

  /** Yields only if the slice is used up. */
  async maybeYield(): Promise<void> {
    if (this.due()) await this.yield();
  }
}

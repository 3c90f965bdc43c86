/**
 * Retrievals in flight in this process (historical, materialization,
 * validation): while any holds a pin, compaction never swaps files (a
 * retrieval may have listed the files it is about to read). Counting is
 * enough: the swap is synchronous, so no retrieval can start between the
 * check and the swap.
 */
export class RetrievalPins {
  #count = 0;

  /** Pins until the returned function is called (once). */
  pin(): () => void {
    this.#count++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#count--;
    };
  }

  get pinned(): boolean {
    return this.#count > 0;
  }
}

/** What a server hands over (structurally, so push/ does not depend on server/). */
export interface ResourcePool {
  get<T>(key: string, open: () => T, close: (resource: T) => Promise<void> | void): T;
}

/** The process's retrieval pins: a retrieval holds one while it reads sources. */
export function sharedRetrievalPins(pool: ResourcePool): RetrievalPins {
  return pool.get(
    "retrieval-pins",
    () => new RetrievalPins(),
    () => {},
  );
}

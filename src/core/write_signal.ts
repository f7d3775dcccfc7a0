// Wakes waiting stream readers when records are committed. Internal to the core.

/**
 * A set of parked readers that a commit wakes all at once. A waiting reader holds no
 * timer; an aborted reader removes itself and its abort listener, so it holds nothing.
 */
export class WriteSignal {
  #waiters = new Set<() => void>();

  /** How many readers are parked right now. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Wakes every parked reader. */
  notify(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /**
   * Resolves at the next {@linkcode WriteSignal.notify}; rejects with the signal's reason
   * when `signal` aborts first.
   */
  wait(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal === undefined) {
        this.#waiters.add(resolve);
        return;
      }
      const onAbort = () => {
        this.#waiters.delete(wake);
        reject(signal.reason);
      };
      const wake = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      this.#waiters.add(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

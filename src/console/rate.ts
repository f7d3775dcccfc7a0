/**
 * The append rate of the live view, counted from the records it received (their creation
 * times): per bucket of a few seconds over the last minutes. Nothing is asked of the server
 * for it. No DOM.
 *
 * @example
 * ```ts
 * import { RateWindow } from "./rate.ts";
 * import assert from "node:assert/strict";
 *
 * const rate = new RateWindow({ bucketMs: 10_000, buckets: 3 });
 * rate.add(100_000);
 * rate.add(105_000);
 * rate.add(119_000);
 * assert.deepEqual(rate.counts(120_000), [2, 1, 0]);
 * ```
 *
 * @module
 */

/** Options of {@linkcode RateWindow}. */
export interface RateOptions {
  /** The width of one bucket in milliseconds. Default 10 s. */
  bucketMs?: number;
  /** How many buckets the window holds. Default 30 (5 minutes of 10 s). */
  buckets?: number;
}

/** Record counts per time bucket over a sliding window that ends now. */
export class RateWindow {
  /** The width of one bucket in milliseconds. */
  readonly bucketMs: number;
  /** How many buckets the window holds. */
  readonly buckets: number;
  /** Count per bucket number (time / bucketMs, floored). */
  readonly #counts = new Map<number, number>();

  /**
   * Creates an empty window.
   *
   * @param options The bucket width and count.
   * @throws {RangeError} When either is not a positive integer.
   */
  constructor(options: RateOptions = {}) {
    this.bucketMs = options.bucketMs ?? 10_000;
    this.buckets = options.buckets ?? 30;
    for (const [name, value] of [["bucketMs", this.bucketMs], ["buckets", this.buckets]] as const) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`Expected ${name} to be a positive integer, got "${value}"`);
      }
    }
  }

  /**
   * Counts one record.
   *
   * @param created The record's creation time, in milliseconds since the Unix epoch.
   */
  add(created: number): void {
    const bucket = Math.floor(created / this.bucketMs);
    this.#counts.set(bucket, (this.#counts.get(bucket) ?? 0) + 1);
    // Forget buckets that can no longer be in a window, keeping memory bounded.
    if (this.#counts.size > this.buckets * 4) {
      const newest = Math.max(...this.#counts.keys());
      for (const key of this.#counts.keys()) {
        if (key <= newest - this.buckets) this.#counts.delete(key);
      }
    }
  }

  /**
   * The counts of the buckets of the window that ends at `now`, oldest first; the last bucket
   * is the one `now` falls in.
   *
   * @param now The end of the window, in milliseconds since the Unix epoch.
   * @returns One count per bucket.
   */
  counts(now: number): number[] {
    const last = Math.floor(now / this.bucketMs);
    return Array.from(
      { length: this.buckets },
      (_, i) => this.#counts.get(last - this.buckets + 1 + i) ?? 0,
    );
  }
}

/**
 * The Journal contract: an append-only log of binary records with optimistic
 * concurrency control, in the style of persistencekit's `journal` package.
 *
 * @module
 */

/** Options accepted by every Journal and Log method. */
export interface CallOptions {
  /** Aborts the call; an already aborted signal rejects with its reason and changes nothing. */
  signal?: AbortSignal;
}

/** The half-open range `[begin, end)` of positions that hold records. */
export interface Bounds {
  /** The position of the oldest record, or `end` when the journal is empty. */
  begin: number;
  /** The next unused position: where the next record will be appended. */
  end: number;
}

/**
 * A function called by {@linkcode Journal.range} for each record. Returning `false`
 * (or a promise of `false`) stops the iteration.
 */
export type RangeFn = (
  pos: number,
  record: Uint8Array,
) => boolean | void | Promise<boolean | void>;

/**
 * An append-only log of binary records. Positions are non-negative safe integers;
 * records are copied in and out, so two journals never share records.
 *
 * @example Appending with optimistic concurrency
 * ```ts
 * import { ConflictError, MemoryJournal } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const journal = new MemoryJournal();
 * const { end } = await journal.bounds();
 * await journal.append(end, new TextEncoder().encode("first"));
 * await assert.rejects(journal.append(end, new Uint8Array([1])), ConflictError);
 * assert.deepEqual(await journal.bounds(), { begin: 0, end: 1 });
 * ```
 */
export interface Journal {
  /**
   * Resolves the half-open range `[begin, end)` of positions that hold records.
   *
   * @param opts Call options.
   * @returns The bounds; `[end, end)` when the journal is empty.
   * @throws {ClosedError} After {@linkcode Journal.close}.
   */
  bounds(opts?: CallOptions): Promise<Bounds>;

  /**
   * Resolves a copy of the record at `pos`.
   *
   * @param pos The position to read.
   * @param opts Call options.
   * @returns The record's bytes.
   * @throws {NotFoundError} When no record is at `pos` (truncated or not yet written).
   * @throws {RangeError} When `pos` is negative or not a safe integer.
   */
  get(pos: number, opts?: CallOptions): Promise<Uint8Array>;

  /**
   * Calls `fn` for each record in position order, starting at `pos`, until the end of
   * the journal or until `fn` returns `false`. An error thrown by `fn` is propagated.
   *
   * @param pos The first position to visit.
   * @param fn Called with each position and a copy of its record.
   * @param opts Call options.
   * @throws {NotFoundError} When no record is at `pos`; `fn` is then never called.
   */
  range(pos: number, fn: RangeFn, opts?: CallOptions): Promise<void>;

  /**
   * Appends `record` at position `end`, which must be the journal's current end.
   *
   * @param end The position the caller expects to be the end.
   * @param record The bytes to store; empty records are valid.
   * @param opts Call options.
   * @throws {ConflictError} When `end` is below the current end (the position is taken,
   * or was truncated); its `position` is `end`.
   * @throws {RangeError} When `end` is above the current end.
   */
  append(end: number, record: Uint8Array, opts?: CallOptions): Promise<void>;

  /**
   * Removes the oldest records, those in `[begin, end)`. `end <= begin` is a no-op.
   *
   * @param end The first position to keep.
   * @param opts Call options.
   * @throws {RangeError} When `end` is above the current end.
   */
  truncate(end: number, opts?: CallOptions): Promise<void>;

  /**
   * Closes the journal. Every later call rejects with `ClosedError`; closing twice is
   * harmless.
   */
  close(): Promise<void>;
}

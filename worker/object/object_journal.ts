/**
 * The LogObject's journal: the core's SQLite driver with its bounds and producers kept in memory.
 *
 * @module
 */
import { type Bounds, SqliteJournal } from "../../mod.ts";
import type { ProducerCommit, ProducerState } from "../../src/core/producer.ts";
import type { NewRecord } from "../../src/core/storage_journal.ts";

/**
 * A {@linkcode SqliteJournal} that keeps its bounds in memory for reads. In a Durable Object
 * nothing else writes its tables: the SQLite database is private to the object, has one
 * connection, and the object writes the journal through one instance (a deleted log gets a
 * new one). That saves the query a Log makes to place each new commit, the first statement
 * after the previous commit and the costliest, and the tails' reads of the bounds on every
 * commit and every history frame.
 *
 * Writes still check the end against SQLite's own bounds, inside their transaction, as the
 * plain driver does: an instance whose bounds are out of date fails as the plain driver
 * would and never writes at a stale position. Bounds change only in `storeRecords` (append
 * and retention), `dropRecords` (truncation) and `moveOrigin`; after an append they are
 * moved in memory, after the other two (rare) read again. A commit the runtime fails to make
 * durable resets the whole object, this instance with it.
 *
 * The producers' states are kept the same way: a producer's write reads its state from
 * memory, once read or stored, and its commit stores the next state in the same transaction
 * as the records. Unlike the bounds, these are not checked again inside the transaction: the
 * one-writer rule above is what keeps them true.
 *
 * @example
 * ```ts ignore
 * const db = durableObjectSql(ctx.storage);
 * new SqliteStore(db); // creates the catalog
 * const journal = new ObjectJournal(db, "log");
 * ```
 */
export class ObjectJournal extends SqliteJournal {
  #bounds: Bounds | undefined;
  /**
   * The producers' states read or stored so far, as SQLite holds them: a producer's write
   * reads its state without a query. Bounded by the table it mirrors (the Log's
   * `maxProducers`); emptied when pruning may have removed rows.
   */
  #producers = new Map<string, ProducerState>();

  /** Driver hook: the bounds, from memory once read. */
  protected override loadBounds(): Bounds {
    const bounds = this.#bounds ?? super.loadBounds();
    this.#bounds = bounds;
    // A copy: `bounds()` hands it to callers, who may change it.
    return { begin: bounds.begin, end: bounds.end };
  }

  /** Driver hook: appends as the SQLite driver does, then moves the bounds in memory. */
  protected override storeRecords(
    end: number,
    records: readonly NewRecord[],
    truncateBefore: number,
    producers: ProducerCommit | undefined,
  ): void {
    // Unset, so that the driver's check inside its transaction reads SQLite's bounds; it
    // reads them through `loadBounds`, which keeps them: `begin` before this append.
    this.#bounds = undefined;
    try {
      super.storeRecords(end, records, truncateBefore, producers);
    } catch (error) {
      // The transaction rolled back: SQLite still holds the states from before.
      this.#producers.clear();
      throw error;
    }
    if (producers !== undefined) {
      // Pruning deleted rows this map cannot name: read them again when asked. It deletes
      // the commit's own states too when they are more than maxCount (then keep none), and
      // those already expired.
      const { states, added, maxCount, expireBefore } = producers;
      if (added) this.#producers.clear();
      if (!added || states.length <= maxCount) {
        for (const state of states) {
          if (!added || state.lastUsed >= expireBefore) this.#producers.set(state.id, { ...state });
        }
      }
    }
    const { begin } = this.#bounds ?? super.loadBounds();
    // The driver's own rule: retention never moves the beginning back or past the end.
    const newEnd = end + records.length;
    this.#bounds = { begin: Math.max(begin, Math.min(truncateBefore, newEnd)), end: newEnd };
  }

  /** Driver hook: a producer's state, from memory once read. */
  protected override loadProducer(id: string): ProducerState | undefined {
    const known = this.#producers.get(id);
    if (known !== undefined) return { ...known };
    const state = super.loadProducer(id);
    if (state !== undefined) this.#producers.set(id, { ...state });
    return state;
  }

  /** Driver hook: truncates as the SQLite driver does; the bounds are read again. */
  protected override dropRecords(end: number): void {
    super.dropRecords(end);
    this.#bounds = undefined;
  }

  /** Driver hook: moves a fresh journal's start; the bounds are read again. */
  protected override moveOrigin(first: number): boolean {
    const moved = super.moveOrigin(first);
    this.#bounds = undefined;
    return moved;
  }
}

/**
 * The LogObject's journal: the core's SQLite driver with its bounds kept in memory.
 *
 * @module
 */
import { type Bounds, SqliteJournal } from "../mod.ts";
import type { NewRecord } from "../src/storage_journal.ts";

/**
 * A {@linkcode SqliteJournal} that reads its bounds from SQLite once and then keeps them in
 * memory. That is sound only where nothing else writes its tables, which holds in a Durable
 * Object: its SQLite database is private to it, has one connection, and the object writes
 * the journal through this instance only (a deleted log gets a new instance). It saves one
 * SQL query per commit, and one per read of the bounds (the tails read them on every commit
 * and every history frame).
 *
 * Bounds change only in `storeRecords` (append and retention), `dropRecords` (truncation) and
 * `moveOrigin`; after an append they are recomputed from what it did, after the other two
 * (rare) they are read again. A failed append throws before the cache is touched, and a
 * commit the runtime fails to make durable resets the whole object, this instance with it.
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
  ): void {
    const { begin } = this.loadBounds();
    super.storeRecords(end, records, truncateBefore);
    // The driver's own rule: retention never moves the beginning back or past the end.
    const newEnd = end + records.length;
    this.#bounds = { begin: Math.max(begin, Math.min(truncateBefore, newEnd)), end: newEnd };
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

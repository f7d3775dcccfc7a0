/**
 * The LogObject's journal: the core's SQLite driver with its bounds kept in memory.
 *
 * @module
 */
import { type Bounds, SqliteJournal } from "../../mod.ts";
import type { ProducerCommit } from "../../src/core/producer.ts";
import type { JournalOptions, NewRecord, StoredRecord } from "../../src/core/storage_journal.ts";
import type { SqlDatabase } from "../../src/drivers/sql.ts";

/**
 * A {@linkcode SqliteJournal} that keeps its bounds in memory for reads. In a Durable Object
 * nothing else writes its tables: the SQLite database is private to the object, has one
 * connection, and the object writes the journal through one instance (a deleted log gets a
 * new one). That saves the query a Log makes to place each new commit, the first statement
 * after the previous commit and the costliest, and the tails' reads of the bounds on every
 * commit and every history frame. A read of records checks the position against them too,
 * so it reads only the records' rows (the plain driver also reads the catalog's beginning,
 * which another connection could move).
 *
 * Writes still check the end against SQLite's own bounds, inside their transaction, as the
 * plain driver does: an instance whose bounds are out of date fails as the plain driver
 * would and never writes at a stale position. Bounds change only in `storeRecords` (append
 * and retention), `dropRecords` (truncation) and `moveOrigin`; after an append they are
 * moved in memory, after the other two (rare) read again. A commit the runtime fails to make
 * durable resets the whole object, this instance with it.
 *
 * The producers' states are kept in memory by the SQLite driver itself, for as long as the
 * end is where its own last commit left it, which in an object it always is.
 *
 * A truncation is seen by readers at once and deletes a first bounded step of rows; the rest
 * are deleted by a chain of steps ({@linkcode SqliteJournal.reclaim}), each on a
 * `setTimeout(…, 0)` of its own, so that requests run between them and no step holds the
 * object long. No alarm: the chain ends when nothing is left, with no timer pending. An
 * object that restarts with rows left (evicted or reset mid-chain) starts it again when it
 * opens the journal. A closed journal (the log deleted) ends its chain.
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
  /** Whether a step of the deletion is scheduled. */
  #stepScheduled = false;
  readonly #later: (fn: () => void) => void;

  /**
   * Opens the journal `name`, and starts deleting what an earlier truncation left.
   *
   * @param db The object's SQL, with the store's catalog created.
   * @param name The journal's name.
   * @param options `start` for a new journal, and `clock`.
   * @param later Runs a step on a later turn (the object's counted `setTimeout(fn, 0)`).
   */
  constructor(
    db: SqlDatabase,
    name: string,
    options: JournalOptions = {},
    later: (fn: () => void) => void = (fn) => setTimeout(fn, 0),
  ) {
    super(db, name, options);
    this.#later = later;
    this.#scheduleStep();
  }

  /** Driver hook: the bounds, from memory once read. */
  protected override loadBounds(): Bounds {
    const bounds = this.#known();
    // A copy: `bounds()` hands it to callers, who may change it.
    return { begin: bounds.begin, end: bounds.end };
  }

  #known(): Bounds {
    return this.#bounds ??= super.loadBounds();
  }

  /**
   * Driver hook: the record at `pos`, checked against the bounds in memory: one row read,
   * not also the catalog's.
   */
  protected override loadRecord(pos: number): StoredRecord | undefined {
    const { begin, end } = this.#known();
    return pos >= begin && pos < end ? this.loadStoredRecord(pos) : undefined;
  }

  /** Driver hook: up to `limit` records from `pos`, checked against the bounds in memory. */
  protected override loadRecords(pos: number, limit: number): StoredRecord[] {
    const { begin, end } = this.#known();
    return pos >= begin && pos < end ? this.loadStoredRecords(pos, limit) : [];
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
    super.storeRecords(end, records, truncateBefore, producers);
    const { begin } = this.#bounds ?? super.loadBounds();
    // The driver's own rule: retention never moves the beginning back or past the end.
    const newEnd = end + records.length;
    this.#bounds = { begin: Math.max(begin, Math.min(truncateBefore, newEnd)), end: newEnd };
  }

  /**
   * Driver hook: truncates as the SQLite driver does (the bounds are read again), then
   * deletes what is left in steps.
   */
  protected override dropRecords(end: number): void {
    try {
      super.dropRecords(end);
    } finally {
      this.#bounds = undefined;
    }
    this.#scheduleStep();
  }

  /** Schedules the next step while rows wait to be deleted; one at a time. */
  #scheduleStep(): void {
    if (this.#stepScheduled || !this.reclaimPending) return;
    this.#stepScheduled = true;
    this.#later(this.#step);
  }

  readonly #step = (): void => {
    this.#stepScheduled = false;
    if (this.closed) return;
    try {
      this.reclaim();
    } catch (error) {
      // The rows stay unreadable; the next truncation or start-up takes the chain up again.
      console.error("edgelog: a deletion step after a truncation failed", error);
      return;
    }
    this.#scheduleStep();
  };

  /** Driver hook: moves a fresh journal's start; the bounds are read again. */
  protected override moveOrigin(first: number): boolean {
    const moved = super.moveOrigin(first);
    this.#bounds = undefined;
    return moved;
  }
}

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
 * The generation of each journal's bounds, per database and name, shared by every instance
 * over that database: a change of the bounds by one instance (or a new instance, which may
 * follow a change made outside: a deleted log) moves it on, and every other instance then
 * reads the bounds again.
 */
const generations = new WeakMap<SqlDatabase, Map<string, { generation: number }>>();

/**
 * A {@linkcode SqliteJournal} that keeps its bounds in memory. In a Durable Object nothing
 * else writes its tables: the SQLite database is private to the object, has one connection,
 * and the object writes the journal through its instances of this class (one in use; a
 * deleted log gets a new one). That saves the query a Log makes to place each new commit, the
 * first statement after the previous commit and the costliest, and the tails' reads of the
 * bounds on every commit and every history frame. A read of records checks the position
 * against them too, so it reads only the records' rows (the plain driver also reads the
 * catalog's beginning, which another connection could move).
 *
 * The instances over one database keep in step: each change of the bounds (append,
 * retention, truncation, a moved origin), and each new instance, moves on a generation they
 * share, and an instance whose bounds are of an older generation reads SQLite's again before
 * it uses them. So its bounds are SQLite's whenever it uses them: an append at a stale
 * position is refused as the plain driver refuses it (a deleted log's instance never writes
 * into the tables of the log that replaced it), and an append that is a single INSERT (a
 * record, or a few, with no retention, producer or deletion step) runs without a
 * transaction of its own, as the statement is atomic. A commit the runtime fails to make
 * durable resets the whole object, these instances with it.
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
  /** The bounds, as of generation `#seen`. */
  #bounds: Bounds | undefined;
  #seen = 0;
  /** The generation shared by the instances of this journal over the same database. */
  readonly #shared: { generation: number };
  /** Whether a step of the deletion is scheduled. */
  #stepScheduled = false;

  /**
   * Opens the journal `name`, and starts deleting what an earlier truncation left.
   *
   * @param db The object's SQL, with the store's catalog created.
   * @param name The journal's name.
   * @param options `start` for a new journal, and `clock`.
   */
  constructor(db: SqlDatabase, name: string, options: JournalOptions = {}) {
    super(db, name, options);
    let names = generations.get(db);
    if (names === undefined) generations.set(db, names = new Map());
    let shared = names.get(name);
    if (shared === undefined) names.set(name, shared = { generation: 0 });
    this.#shared = shared;
    // The other instances read the bounds again: this one may follow a change made outside.
    this.#seen = ++shared.generation;
    this.#scheduleStep();
  }

  /** Driver hook: the bounds this instance uses are SQLite's (see the class). */
  protected override get ownsBounds(): boolean {
    return true;
  }

  /** Driver hook: the bounds, from memory once read. */
  protected override loadBounds(): Bounds {
    const bounds = this.#known();
    // A copy: `bounds()` hands it to callers, who may change it.
    return { begin: bounds.begin, end: bounds.end };
  }

  /** The bounds, read from SQLite when another instance changed them since. */
  #known(): Bounds {
    if (this.#seen !== this.#shared.generation) {
      this.#bounds = undefined;
      this.#seen = this.#shared.generation;
    }
    return this.#bounds ??= super.loadBounds();
  }

  /** Records the bounds this instance just gave the journal, as the new generation. */
  #moved(bounds: Bounds | undefined): void {
    this.#bounds = bounds;
    this.#seen = ++this.#shared.generation;
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
    // The driver checks the end against `loadBounds`: up to date, `begin` before this append.
    let begin: number;
    try {
      begin = this.#known().begin;
      super.storeRecords(end, records, truncateBefore, producers);
    } catch (error) {
      this.#moved(undefined);
      throw error;
    }
    // The driver's own rule: retention never moves the beginning back or past the end.
    const newEnd = end + records.length;
    this.#moved({ begin: Math.max(begin, Math.min(truncateBefore, newEnd)), end: newEnd });
  }

  /**
   * Driver hook: truncates as the SQLite driver does (the bounds are read again), then
   * deletes what is left in steps.
   */
  protected override dropRecords(end: number): void {
    try {
      super.dropRecords(end);
    } finally {
      this.#moved(undefined);
    }
    this.#scheduleStep();
  }

  /** Schedules the next step while rows wait to be deleted; one at a time. */
  #scheduleStep(): void {
    if (this.#stepScheduled || !this.reclaimPending) return;
    this.#stepScheduled = true;
    setTimeout(this.#step, 0);
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
    this.#moved(undefined);
    return moved;
  }
}

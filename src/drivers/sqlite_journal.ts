/**
 * The SQLite storage driver.
 *
 * @module
 */
import { ClosedError, ConflictError } from "../core/errors.ts";
import type { Bounds } from "../core/journal.ts";
import type { ProducerCommit, ProducerState } from "../core/producer.ts";
import type { SqlDatabase, SqlRow, SqlValue } from "./sql.ts";
import {
  type CreatedPosition,
  type JournalOptions,
  type NewRecord,
  StorageJournal,
  type StoredRecord,
} from "../core/storage_journal.ts";
import { ProducerLru } from "./producer_lru.ts";

/**
 * Rows per multi-row INSERT, within SQLite's limit of 100 parameters in a Durable Object:
 * the first position (`?1`), then for records that share their created time the time once
 * and each record's data, else each record's time and data.
 */
const SHARED_ROWS = 98;
const MIXED_ROWS = 49;
/**
 * The most rows one step of {@linkcode SqliteJournal.reclaim} deletes. With `RECLAIM_BYTES`,
 * the most bytes of record data (a step over large records frees their overflow pages one
 * by one), whichever comes first: a few milliseconds (BENCHMARKS.md measures it).
 */
export const RECLAIM_ROWS = 8_192;
const RECLAIM_BYTES = 1024 * 1024;
/**
 * The most rows the step of a truncation, or of a commit while rows are left, deletes (with
 * `COMMIT_RECLAIM_BYTES`): smaller than `reclaim()`'s, so that appends stay quick.
 */
export const COMMIT_RECLAIM_ROWS = 4_096;
const COMMIT_RECLAIM_BYTES = 256 * 1024;
/** SQLite's default page size: free pages given back per step, twice the data deleted. */
const PAGE_SIZE = 4096;
/** Producer states per multi-row upsert: the journal's id, then six values per state. */
const PRODUCER_ROWS = 16;
/** Producer ids per DELETE of pruned states: the journal's id, then the ids. */
const PRUNED_ROWS = 99;

/**
 * A journal stored in SQLite: one row per record in its own table (position as
 * INTEGER PRIMARY KEY, created time, data BLOB) plus a row in the store's catalog. The
 * bounds follow from the records (the lowest and the highest position, index lookups), so
 * an append without a producer writes one row per record and nothing else: one transaction
 * that checks the end, inserts the rows with multi-row INSERTs and applies retention. The
 * catalog row is written only by a truncation (the floor of the beginning), by retention
 * that empties the journal (its end, which must outlive its records) and by a moved origin.
 * A read is one statement (one lookup by position, which also checks the beginning in the
 * catalog).
 *
 * A truncation moves the journal's beginning (its catalog row) at once: from that moment the
 * records below it are gone for every reader, through any connection. Their rows are deleted
 * in bounded steps ({@linkcode SqliteJournal.reclaim}): the truncation itself deletes the
 * first, each later commit one more, and an owner that wants them gone sooner calls
 * `reclaim()` until it returns false (a Durable Object chains it on `setTimeout(…, 0)`, so
 * requests run between steps). Nothing runs in the background: a journal that is neither
 * written nor reclaimed keeps the rows, unreadable, until it is. A crash between steps keeps
 * the beginning; the next steps delete what is left. Where the connection can
 * ({@linkcode SqlDatabase.incrementalVacuum}), each step gives the pages it freed back to the
 * file system.
 *
 * The journal's producer states are also kept in memory, least recently used first, once a
 * producer is first looked up (at most `maxProducers` of them): a producer's write reads
 * its state, and a new producer's commit finds the states to prune, without a query. They
 * are used while the journal's end is where they were read or last written (as this
 * instance's latest read of the bounds says): every change to a producer's row comes with an
 * append, so a write through another connection to the same file moves the end, and the
 * states are read from SQLite again.
 *
 * Obtain one from {@linkcode SqliteStore.open}.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { nodeSqlite, SqliteStore } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
 * const journal = store.open("orders");
 * await journal.append(0, new TextEncoder().encode("placed"));
 * assert.deepEqual(await journal.bounds(), { begin: 0, end: 1 });
 * store.close();
 * ```
 */
export class SqliteJournal extends StorageJournal {
  /** The journal's name in its store. */
  readonly name: string;
  readonly #db: SqlDatabase;
  readonly #id: number;
  readonly #table: string;
  readonly #onClose: (journal: SqliteJournal) => void;
  /**
   * Every producer state of the journal, by id, least recently used first, as SQLite holds
   * them when the journal ends at `#mirrorEnd`; `undefined` until a producer is looked up.
   */
  #mirror: ProducerLru | undefined;
  /** The end at which `#mirror` matches SQLite. */
  #mirrorEnd: number | undefined;
  /** The end as this instance last read or wrote it. */
  #seenEnd: number | undefined;
  /** Whether rows below the beginning may still wait to be deleted, as this instance knows. */
  #reclaiming: boolean;
  /** The statements of this journal, built once (its table and id are part of them). */
  readonly #sql: JournalSql;

  /**
   * Opens (creating when missing) the journal `name` in `db`. Use
   * {@linkcode SqliteStore.open}, which also creates the catalog.
   *
   * @param db The connection.
   * @param name The journal's name.
   * @param options `start` for a new journal, and `clock`.
   * @param onClose Called once when the journal closes.
   */
  constructor(
    db: SqlDatabase,
    name: string,
    options: JournalOptions = {},
    onClose: (journal: SqliteJournal) => void = () => {},
  ) {
    super(options);
    this.name = name;
    this.#db = db;
    this.#onClose = onClose;
    const start = options.start ?? 0;
    this.#id = db.transaction(() => {
      db.exec(
        "INSERT INTO edgelog_journals (name, origin, begin_pos, end_pos) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
        name,
        start,
        start,
        start,
      );
      const [row] = db.exec("SELECT id FROM edgelog_journals WHERE name = ?", name);
      const id = Number(row?.id);
      db.exec(
        `CREATE TABLE IF NOT EXISTS edgelog_records_${id} (pos INTEGER PRIMARY KEY, created INTEGER NOT NULL, data BLOB)`,
      );
      return id;
    });
    this.#table = `edgelog_records_${this.#id}`;
    this.#sql = journalSql(this.#table, this.#id);
    // Left by a truncation whose deletion had not finished (a crash, a closed store).
    const [first] = db.exec(this.#sql.leftover);
    this.#reclaiming = first !== undefined;
  }

  /** Commits are costly (a transaction, synced to disk): a Log coalesces its writes. */
  override get coalescesWrites(): boolean {
    return true;
  }

  /**
   * The rows of a statement as arrays of values: through the connection's `values` where
   * it has one (node:sqlite builds arrays faster than objects with named properties).
   */
  #values(sql: string, ...params: SqlValue[]): SqlValue[][] {
    const db = this.#db;
    if (db.values !== undefined) return db.values(sql, ...params);
    return db.exec(sql, ...params).map((row) => Object.values(row));
  }

  /** Driver hook: Reads the bounds. */
  protected override loadBounds(): Bounds {
    const row = this.#values(this.#sql.bounds)[0];
    if (row === undefined) throw new RangeError(`The journal "${this.name}" was deleted`);
    const end = Number(row[1]);
    this.#seenEnd = end;
    return { begin: Number(row[0]), end };
  }

  /**
   * Driver hook: Reads the record at `pos` in one statement: one lookup by position, which
   * finds nothing below the beginning (rows a truncation left for later steps to delete).
   */
  protected override loadRecord(pos: number): StoredRecord | undefined {
    return this.#recordOf(this.#sql.readOne, pos);
  }

  /** Driver hook: Reads up to `limit` records from `pos`, none when `pos` holds none. */
  protected override loadRecords(pos: number, limit: number): StoredRecord[] {
    return this.#recordsOf(this.#sql.readMany, pos, limit);
  }

  /**
   * For a subclass that knows the bounds, the record at `pos` (one lookup, one row read),
   * without the check of the beginning in the catalog: it may find a row below the
   * beginning that a truncation left. Call it only with `pos` at or above the beginning.
   *
   * @param pos A position at or above the beginning.
   * @returns The record, or `undefined` when no row holds it.
   */
  protected loadStoredRecord(pos: number): StoredRecord | undefined {
    return this.#recordOf(this.#sql.readOneStored, pos);
  }

  /**
   * For a subclass that knows the bounds, up to `limit` records from `pos`, as
   * {@linkcode SqliteJournal.loadStoredRecord} reads one: `pos` must be at or above the
   * beginning.
   *
   * @param pos A position at or above the beginning.
   * @param limit The most records.
   * @returns The records, none when `pos` holds none.
   */
  protected loadStoredRecords(pos: number, limit: number): StoredRecord[] {
    return this.#recordsOf(this.#sql.readManyStored, pos, limit);
  }

  #recordOf(sql: string, pos: number): StoredRecord | undefined {
    const row = this.#values(sql, pos)[0];
    return row === undefined ? undefined : storedRecord(row);
  }

  #recordsOf(sql: string, pos: number, limit: number): StoredRecord[] {
    const rows = this.#values(sql, pos, limit);
    // A first row past `pos` would mean a gap at `pos`: it holds no record.
    if (rows.length === 0 || Number(rows[0]![0]) !== pos) return [];
    const records = new Array<StoredRecord>(rows.length);
    for (let i = 0; i < rows.length; i++) records[i] = storedRecord(rows[i]!);
    return records;
  }

  /**
   * Whether {@linkcode SqliteJournal.loadBounds} answers with bounds that no other connection
   * or instance can change: a subclass that owns the database says so (a Durable Object's
   * journal, while it is its name's newest instance), and an append that is a single INSERT
   * then runs without a transaction of its own. `false` here: the bounds are read inside each
   * commit's transaction.
   */
  protected get ownsBounds(): boolean {
    return false;
  }

  /** Driver hook: Appends records atomically, with retention. */
  protected override storeRecords(
    end: number,
    records: readonly NewRecord[],
    truncateBefore: number,
    producers: ProducerCommit | undefined,
  ): void {
    let reclaiming: boolean;
    try {
      reclaiming = this.#commitRecords(end, records, truncateBefore, producers);
    } catch (error) {
      // Rolled back, or written by another connection meanwhile: read the states again.
      this.#forgetMirror();
      throw error;
    }
    // The mirror is kept up to date by the commit (or was dropped by it).
    if (this.#mirrorEnd === end) this.#mirrorEnd = end + records.length;
    this.#seenEnd = end + records.length;
    this.#reclaiming = reclaiming;
  }

  /**
   * One transaction: the end checked, the records, retention, bounds and producer states, and
   * a step of the deletion a truncation left. Returns whether rows still wait to be deleted.
   */
  #commitRecords(
    end: number,
    records: readonly NewRecord[],
    truncateBefore: number,
    producers: ProducerCommit | undefined,
  ): boolean {
    const db = this.#db;
    // An append that is one INSERT needs no transaction where nothing else can move the
    // bounds between their check and the write: the statement is atomic on its own.
    if (
      this.ownsBounds && producers === undefined && !this.#reclaiming &&
      records.length <= MIXED_ROWS
    ) {
      const { begin, end: current } = this.loadBounds();
      if (truncateBefore <= begin) {
        checkAppendEnd(end, current);
        this.#insert(end, records, 0);
        return false;
      }
    }
    return db.transaction(() => {
      const { begin, end: current } = this.loadBounds();
      checkAppendEnd(end, current);
      for (let i = 0; i < records.length;) {
        i += this.#insert(end + i, records, i);
      }
      const newEnd = end + records.length;
      const newBegin = Math.max(begin, Math.min(truncateBefore, newEnd));
      // Retention deletes its own records (at most a segment, or the Log's expiry step), and
      // only those: rows a truncation left below `begin` go a step at a time, below. The
      // bounds follow from the rows left; only a log emptied keeps its end in the catalog.
      if (newBegin > begin) {
        db.exec(this.#sql.deleteRange, begin, newBegin);
        if (newBegin === newEnd) db.exec(this.#sql.moveBounds, newEnd, newEnd);
      }
      if (producers !== undefined) this.#storeProducers(producers, end);
      return this.#reclaiming && this.#deleteStep(COMMIT_RECLAIM_ROWS, COMMIT_RECLAIM_BYTES);
    });
  }

  /**
   * Driver hook: Finds a creation time by binary search over positions, in one statement: a
   * recursive query whose each step looks up the middle row by its INTEGER PRIMARY KEY, so
   * it reads about log2(end - from) rows. No index on the time: that would cost a second
   * row written per record.
   */
  protected override seekCreated(time: number, from: number, end: number): CreatedPosition {
    const [row] = this.#db.exec(seekSql(this.#table), from, end, time);
    if (row !== undefined) {
      const position = Number(row.lo);
      return {
        position,
        created: position < end && row.created !== null ? Number(row.created) : undefined,
      };
    }
    // A missing row inside the bounds stops the search early; a scan still answers.
    const [found] = this.#db.exec(
      `SELECT pos, created FROM ${this.#table} WHERE pos >= ? AND pos < ? AND created >= ? ORDER BY pos LIMIT 1`,
      from,
      end,
      time,
    );
    return found === undefined
      ? { position: end, created: undefined }
      : { position: Number(found.pos), created: Number(found.created) };
  }

  /** Driver hook: Reads a producer's state. */
  protected override loadProducer(id: string): ProducerState | undefined {
    const mirror = this.#mirror ?? this.#loadMirror();
    // Another connection wrote since the mirror was read: this one state is read again.
    return this.#mirrorEnd === this.#seenEnd ? mirror.get(id) : this.#selectProducer(id);
  }

  /** Reads every producer state of the journal, with the end they belong to. */
  #loadMirror(): ProducerLru {
    const rows = this.#db.exec(this.#sql.mirror);
    if (rows.length === 0) throw new RangeError(`The journal "${this.name}" was deleted`);
    const mirror = new ProducerLru();
    for (const row of rows) {
      if (row.producer === null || row.producer === undefined) continue;
      mirror.store(stateOf(String(row.producer), row));
    }
    this.#mirror = mirror;
    this.#mirrorEnd = Number(rows[0]!.end);
    return mirror;
  }

  #forgetMirror(): void {
    this.#mirror = undefined;
    this.#mirrorEnd = undefined;
  }

  #selectProducer(id: string): ProducerState | undefined {
    const [row] = this.#db.exec(
      "SELECT epoch, seq, first_pos, count, last_used FROM edgelog_producers WHERE journal_id = ? AND producer = ?",
      this.#id,
      id,
    );
    return row === undefined ? undefined : stateOf(id, row);
  }

  /**
   * Stores producer states in the append's transaction (one row written per producer), and
   * when one is new, deletes the rows of expired producers and of the least recently used
   * over `maxCount`, as the mirror names them: least recently used first, this commit's
   * states last, in its order. A commit that needs the mirror while
   * it is out of date (another connection wrote) reads it again first.
   */
  #storeProducers({ states, added, expireBefore, maxCount }: ProducerCommit, end: number): void {
    const db = this.#db;
    // Of use only when it holds SQLite's states as of this commit's start, the end `end`.
    let mirror = this.#mirrorEnd === end ? this.#mirror : undefined;
    if (mirror === undefined && added) {
      mirror = this.#loadMirror();
      this.#mirrorEnd = end;
    }
    for (let i = 0; i < states.length; i += PRODUCER_ROWS) {
      const rows = states.slice(i, i + PRODUCER_ROWS);
      const params: SqlValue[] = [this.#id];
      for (const { id, epoch, seq, offset, count, lastUsed } of rows) {
        params.push(id, epoch, seq, offset, count, lastUsed);
      }
      db.exec(upsertProducersSql(rows.length), ...params);
    }
    if (mirror === undefined) {
      this.#forgetMirror();
      return;
    }
    // The mirror stays in the order of last use: the writes a commit gathered each read the
    // clock (a stable sort keeps ties in the commit's order).
    const used = states.length === 1 ? states : [...states].sort(byLastUsed);
    for (const state of used) mirror.store(state);
    if (!added) return;
    const pruned: string[] = [];
    const kept = (state: ProducerState) =>
      state.lastUsed >= expireBefore && mirror.size <= maxCount;
    // The commit's own states are the newest: the others come first, least recently used
    // first, until one is kept.
    const own = new Set(states.map((state) => state.id));
    let done = false;
    for (let state = mirror.oldest(); state !== undefined && !own.has(state.id);) {
      if (kept(state)) {
        done = true;
        break;
      }
      const next = mirror.newerThan(state);
      mirror.delete(state.id);
      pruned.push(state.id);
      state = next;
    }
    // Every other state went: the commit's own come next, in the commit's order.
    for (let i = 0; !done && i < states.length; i++) {
      const state = states[i]!;
      if (kept(state)) break;
      mirror.delete(state.id);
      pruned.push(state.id);
    }
    for (let i = 0; i < pruned.length; i += PRUNED_ROWS) {
      const ids = pruned.slice(i, i + PRUNED_ROWS);
      db.exec(deleteProducersSql(ids.length), this.#id, ...ids);
    }
  }

  #insert(position: number, records: readonly NewRecord[], from: number): number {
    const created = records[from]!.created;
    let run = 1;
    while (
      run < SHARED_ROWS && from + run < records.length && records[from + run]!.created === created
    ) run++;
    const params: SqlValue[] = [position];
    if (run >= MIXED_ROWS || from + run === records.length) {
      params.push(created);
      for (let k = 0; k < run; k++) params.push(records[from + k]!.data);
      this.#db.exec(insertSql(this.#table, run, true), ...params);
      return run;
    }
    const rows = Math.min(MIXED_ROWS, records.length - from);
    for (let k = 0; k < rows; k++) {
      const record = records[from + k]!;
      params.push(record.created, record.data);
    }
    this.#db.exec(insertSql(this.#table, rows, false), ...params);
    return rows;
  }

  /**
   * Driver hook: Removes the records below `end`: moves the beginning, the only row written,
   * so that they are gone for every reader at once, and deletes a first bounded step of
   * their rows in the same transaction. Later steps delete the rest ({@linkcode SqliteJournal.reclaim}).
   */
  protected override dropRecords(end: number): void {
    const reclaiming = this.#db.transaction(() => {
      const { begin, end: current } = this.loadBounds();
      if (end > current) {
        throw new RangeError(`Cannot truncate to position "${end}" past the end "${current}"`);
      }
      if (end <= begin) return this.#reclaiming;
      // The end too: it is the catalog's when the truncation leaves no record.
      this.#db.exec(this.#sql.moveBounds, end, current);
      return this.#deleteStep(COMMIT_RECLAIM_ROWS, COMMIT_RECLAIM_BYTES);
    });
    this.#reclaiming = reclaiming;
  }

  /**
   * Whether rows of truncated records may still wait to be deleted, as far as this instance
   * knows (from its own truncations, commits and steps, and from a check when it was
   * opened): {@linkcode SqliteJournal.reclaim} then has work to do.
   */
  get reclaimPending(): boolean {
    return this.#reclaiming;
  }

  /**
   * Deletes one bounded step of the rows that truncations left (records already gone for
   * every reader), in one transaction, and gives the pages it freed back to the file system
   * where the connection can. A step removes at most 8,192 rows or 1 MiB of record data,
   * whichever comes first, however many records were truncated. Call it until it returns
   * false to delete them all, letting other work run between calls.
   *
   * @returns Whether rows still wait to be deleted.
   * @throws {ClosedError} After close.
   *
   * @example Truncate, then delete what is left step by step
   * ```ts
   * import { DatabaseSync } from "node:sqlite";
   * import { nodeSqlite, SqliteStore } from "@edgelog/edgelog";
   * import assert from "node:assert/strict";
   *
   * const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
   * const journal = store.open("big");
   * for (let pos = 0; pos < 20_000; pos++) await journal.append(pos, new Uint8Array([1]));
   * await journal.truncate(20_000); // gone for readers at once
   * assert.deepEqual(await journal.bounds(), { begin: 20_000, end: 20_000 });
   * while (journal.reclaim()) await new Promise((resolve) => setTimeout(resolve, 0));
   * assert.equal(journal.reclaimPending, false);
   * store.close();
   * ```
   */
  reclaim(): boolean {
    if (this.closed) throw new ClosedError();
    const reclaiming = this.#db.transaction(() => this.#deleteStep(RECLAIM_ROWS, RECLAIM_BYTES));
    this.#reclaiming = reclaiming;
    return reclaiming;
  }

  /**
   * Inside a transaction: deletes the oldest rows below the beginning, at most `rows` of them
   * holding at most `bytes` of data (at least one row), and vacuums about as many pages as
   * that freed. Returns whether rows below the beginning remain.
   */
  #deleteStep(rows: number, bytes: number): boolean {
    const [found] = this.#db.exec(this.#sql.leftover);
    if (found === undefined) return false;
    const first = Number(found.pos);
    const floor = Number(found.begin_pos);
    let span = Math.min(floor - first, rows);
    let sum = this.#dataBytes(first, span);
    // Too many bytes: as many rows as the average size allows, then halved while still over.
    if (sum > bytes) {
      span = Math.max(1, Math.floor((span * bytes) / sum));
      sum = this.#dataBytes(first, span);
    }
    while (span > 1 && sum > bytes) {
      span = Math.floor(span / 2);
      sum = this.#dataBytes(first, span);
    }
    this.#db.exec(this.#sql.deleteRange, first, first + span);
    this.#db.incrementalVacuum?.(Math.ceil((2 * bytes) / PAGE_SIZE));
    return this.#db.exec(this.#sql.leftover).length > 0;
  }

  /** The bytes of record data in the `span` rows from `first`. */
  #dataBytes(first: number, span: number): number {
    const [row] = this.#db.exec(this.#sql.dataBytes, first, first + span);
    return Number(row?.bytes ?? 0);
  }

  /** Driver hook: Reads the first position. */
  protected override loadOrigin(): number {
    const [row] = this.#db.exec("SELECT origin FROM edgelog_journals WHERE id = ?", this.#id);
    return Number(row?.origin);
  }

  /** Driver hook: Moves a fresh journal to start at `first`. */
  protected override moveOrigin(first: number): boolean {
    this.#forgetMirror();
    return this.#db.transaction(() => {
      const [row] = this.#db.exec(this.#sql.originEnd);
      if (row === undefined || Number(row.origin) !== Number(row.end)) return false;
      this.#db.exec(
        "UPDATE edgelog_journals SET origin = ?, begin_pos = ?, end_pos = ? WHERE id = ?",
        first,
        first,
        first,
        this.#id,
      );
      return true;
    });
  }

  /** Driver hook: Releases resources on close. */
  protected override release(): void {
    this.#forgetMirror();
    this.#onClose(this);
  }
}

/** The statements of one journal, with its table and catalog id written in. */
interface JournalSql {
  /** Its bounds: `begin, end`. */
  bounds: string;
  /** Its origin and end: `origin, end`. */
  originEnd: string;
  /**
   * Every producer state of the journal, least recently used first (ties by id), with its
   * end (`end`) read in the same statement: one row with null producer columns when none.
   */
  mirror: string;
  /** The record at `?1` (`pos, created, data`), none below the beginning. */
  readOne: string;
  /** Up to `?2` records from `?1`, none when `?1` is below the beginning. */
  readMany: string;
  /** The record at `?1`, the beginning not checked. */
  readOneStored: string;
  /** Up to `?2` records from `?1`, the beginning not checked. */
  readManyStored: string;
  /** Sets the catalog's floor to `?1` and its end to `?2`. */
  moveBounds: string;
  /** Deletes the rows in `[?1, ?2)`. */
  deleteRange: string;
  /** The lowest row below the beginning (with the beginning), if any. */
  leftover: string;
  /** The bytes of data of the rows in `[?1, ?2)`. */
  dataBytes: string;
}

function journalSql(table: string, id: number): JournalSql {
  // The beginning is read from the catalog in the same statement: a truncation through
  // another connection is seen at once. Its id is written in, not bound: a bound parameter
  // costs more than the lookup in node:sqlite. `LIMIT` takes an integer cast, without which
  // node:sqlite's bound number makes the statement several times slower.
  const floor = `(SELECT begin_pos FROM edgelog_journals WHERE id = ${id})`;
  // The bounds follow from the rows, so that an append writes nothing but its records: the
  // end is one past the highest row, the beginning the lowest row at or above the catalog's
  // `begin_pos` (the floor a truncation sets; rows below it wait for `reclaim()`), each an
  // index lookup on the key. The catalog's `end_pos` is a floor of the end, exact whenever
  // the journal is empty (a truncation or retention that empties it writes it), so that
  // the next position survives an empty journal and a restart.
  const end = `max(j.end_pos, coalesce((SELECT pos FROM ${table} ORDER BY pos DESC LIMIT 1) + 1,
    j.end_pos))`;
  const lowest = `(SELECT pos FROM ${table} WHERE pos >= j.begin_pos ORDER BY pos LIMIT 1)`;
  return {
    bounds: `WITH j AS (SELECT begin_pos, ${end} AS end FROM edgelog_journals AS j
        WHERE j.id = ${id})
      SELECT coalesce(${lowest}, j.end) AS begin, j.end AS end FROM j`,
    originEnd: `SELECT j.origin, ${end} AS end FROM edgelog_journals AS j WHERE j.id = ${id}`,
    mirror: `SELECT ${end} AS end, p.producer, p.epoch, p.seq, p.first_pos, p.count,
        p.last_used
      FROM edgelog_journals AS j LEFT JOIN edgelog_producers AS p ON p.journal_id = j.id
      WHERE j.id = ${id} ORDER BY p.last_used, p.producer`,
    readOne: `SELECT pos, created, data FROM ${table} WHERE pos = ?1 AND ?1 >= ${floor}`,
    readMany: `SELECT pos, created, data FROM ${table} WHERE pos >= ?1 AND ?1 >= ${floor}
      ORDER BY pos LIMIT CAST(?2 AS INTEGER)`,
    readOneStored: `SELECT pos, created, data FROM ${table} WHERE pos = ?1`,
    readManyStored: `SELECT pos, created, data FROM ${table} WHERE pos >= ?1
      ORDER BY pos LIMIT CAST(?2 AS INTEGER)`,
    moveBounds: `UPDATE edgelog_journals SET begin_pos = ?1, end_pos = ?2 WHERE id = ${id}`,
    deleteRange: `DELETE FROM ${table} WHERE pos >= ?1 AND pos < ?2`,
    leftover: `SELECT r.pos, j.begin_pos FROM edgelog_journals AS j,
      (SELECT pos FROM ${table} ORDER BY pos LIMIT 1) AS r
      WHERE j.id = ${id} AND r.pos < j.begin_pos`,
    // length() of a BLOB reads its size from the row's header, not its overflow pages.
    dataBytes: `SELECT total(length(data)) AS bytes FROM ${table} WHERE pos >= ?1 AND pos < ?2`,
  };
}

const insertStatements = new Map<string, string>();
const seekStatements = new Map<string, string>();

/**
 * The multi-row INSERT of `rows` records into `table`, built once per shape. Positions are
 * `?1 + k`; with `shared`, every row's created time is `?2` and the data follow, else each
 * row binds its created time and its data.
 */
function insertSql(table: string, rows: number, shared: boolean): string {
  const key = `${table}:${rows}:${shared}`;
  let sql = insertStatements.get(key);
  if (sql === undefined) {
    const values = Array.from({ length: rows }, (_, k) => {
      const pos = k === 0 ? "?1" : `?1 + ${k}`;
      return shared ? `(${pos}, ?2, ?${k + 3})` : `(${pos}, ?${2 * k + 2}, ?${2 * k + 3})`;
    });
    sql = `INSERT INTO ${table} (pos, created, data) VALUES ${values.join(", ")}`;
    insertStatements.set(key, sql);
  }
  return sql;
}

const upsertStatements = new Map<number, string>();

/**
 * The multi-row upsert of `rows` producer states, built once per size: `?1` is the journal's
 * id, then each state binds its id, epoch, seq, first position, count and last use.
 */
function upsertProducersSql(rows: number): string {
  let sql = upsertStatements.get(rows);
  if (sql === undefined) {
    const values = Array.from({ length: rows }, (_, k) => {
      const at = 2 + 6 * k;
      return `(?1, ?${at}, ?${at + 1}, ?${at + 2}, ?${at + 3}, ?${at + 4}, ?${at + 5})`;
    });
    sql = `INSERT INTO edgelog_producers
        (journal_id, producer, epoch, seq, first_pos, count, last_used)
      VALUES ${values.join(", ")}
      ON CONFLICT (journal_id, producer) DO UPDATE SET epoch = excluded.epoch,
        seq = excluded.seq, first_pos = excluded.first_pos, count = excluded.count,
        last_used = excluded.last_used`;
    upsertStatements.set(rows, sql);
  }
  return sql;
}

/**
 * The binary search of `seekCreated` over `table`: `?1` the first position, `?2` the end,
 * `?3` the time. Each step halves `[lo, hi)`, which always holds the answer or ends at `hi`;
 * the bounds are cast to integers so that `/ 2` divides as integers whatever the binding.
 */
/** The state of producer `id` from its row in `edgelog_producers`. */
function stateOf(id: string, row: SqlRow): ProducerState {
  return {
    id,
    epoch: Number(row.epoch),
    seq: Number(row.seq),
    offset: Number(row.first_pos),
    count: Number(row.count),
    lastUsed: Number(row.last_used),
  };
}

/** Orders producer states by the time they were last used. */
function byLastUsed(a: ProducerState, b: ProducerState): number {
  return a.lastUsed - b.lastUsed;
}

const deleteStatements = new Map<number, string>();

/** A DELETE of `rows` producers' states of the journal `?1`. */
function deleteProducersSql(rows: number): string {
  let sql = deleteStatements.get(rows);
  if (sql === undefined) {
    const ids = Array.from({ length: rows }, (_, k) => `?${k + 2}`);
    sql = `DELETE FROM edgelog_producers WHERE journal_id = ?1 AND producer IN (${ids.join(", ")})`;
    deleteStatements.set(rows, sql);
  }
  return sql;
}

function seekSql(table: string): string {
  let sql = seekStatements.get(table);
  if (sql === undefined) {
    sql = `WITH RECURSIVE search(lo, hi) AS (
      SELECT CAST(?1 AS INTEGER), CAST(?2 AS INTEGER)
      UNION ALL
      SELECT CASE WHEN r.created >= ?3 THEN search.lo ELSE r.pos + 1 END,
             CASE WHEN r.created >= ?3 THEN r.pos ELSE search.hi END
      FROM search JOIN ${table} AS r ON r.pos = (search.lo + search.hi) / 2
      WHERE search.lo < search.hi
    )
    SELECT lo, (SELECT created FROM ${table} WHERE pos = lo) AS created
    FROM search WHERE lo = hi`;
    seekStatements.set(table, sql);
  }
  return sql;
}

/** A row of `pos, created, data` as a stored record. */
function storedRecord(row: SqlValue[]): StoredRecord {
  return { position: Number(row[0]), created: Number(row[1]), data: toBytes(row[2] ?? null) };
}

/** BLOBs come back as Uint8Array (node:sqlite) or ArrayBuffer (Durable Objects); empty may be null. */
function toBytes(value: SqlValue): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value === null) return new Uint8Array(0);
  throw new TypeError(`Expected a BLOB, got "${typeof value}"`);
}

/**
 * Checks that an append starts at the journal's end: before it is a `ConflictError` (someone
 * appended first), past it a `RangeError`.
 */
function checkAppendEnd(end: number, current: number): void {
  if (end < current) throw new ConflictError(end, current);
  if (end > current) {
    throw new RangeError(`Cannot append at position "${end}" past the end "${current}"`);
  }
}

/**
 * The SQLite storage driver.
 *
 * @module
 */
import { ConflictError } from "./errors.ts";
import type { Bounds } from "./journal.ts";
import type { SqlDatabase, SqlValue } from "./sql.ts";
import {
  type JournalOptions,
  type NewRecord,
  StorageJournal,
  type StoredRecord,
} from "./storage_journal.ts";

/** Rows per multi-row INSERT: 3 parameters each, within the 100-parameter limit. */
const ROWS_PER_INSERT = 33;

/**
 * A journal stored in SQLite: one row per record in its own table (position as
 * INTEGER PRIMARY KEY, created time, data BLOB) plus its bounds in the store's catalog.
 * An append is one transaction that checks the end, inserts the rows with multi-row
 * INSERTs, applies retention and moves the bounds; reads are paged by position.
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
  }

  /** Commits are costly (a transaction, synced to disk): a Log coalesces its writes. */
  override get coalescesWrites(): boolean {
    return true;
  }

  /** Driver hook: Reads the bounds. */
  protected override loadBounds(): Bounds {
    const [row] = this.#db.exec(
      "SELECT begin_pos, end_pos FROM edgelog_journals WHERE id = ?",
      this.#id,
    );
    if (row === undefined) throw new RangeError(`The journal "${this.name}" was deleted`);
    return { begin: Number(row.begin_pos), end: Number(row.end_pos) };
  }

  /** Driver hook: Reads up to `limit` records from `pos`. */
  protected override loadRecords(pos: number, limit: number): StoredRecord[] {
    const rows = this.#db.exec(
      `SELECT pos, created, data FROM ${this.#table} WHERE pos >= ? ORDER BY pos LIMIT ?`,
      pos,
      limit,
    );
    // A first row past `pos` means `pos` itself was truncated: it holds no record.
    if (rows.length === 0 || Number(rows[0]!.pos) !== pos) return [];
    return rows.map((row) => ({
      position: Number(row.pos),
      created: Number(row.created),
      data: toBytes(row.data ?? null),
    }));
  }

  /** Driver hook: Appends records atomically, with retention. */
  protected override storeRecords(
    end: number,
    records: readonly NewRecord[],
    truncateBefore: number,
  ): void {
    const db = this.#db;
    db.transaction(() => {
      const { begin, end: current } = this.loadBounds();
      if (end < current) throw new ConflictError(end, current);
      if (end > current) {
        throw new RangeError(`Cannot append at position "${end}" past the end "${current}"`);
      }
      for (let i = 0; i < records.length; i += ROWS_PER_INSERT) {
        const chunk = records.slice(i, i + ROWS_PER_INSERT);
        const params: SqlValue[] = [];
        let position = end + i;
        for (const { created, data } of chunk) params.push(position++, created, data);
        db.exec(insertSql(this.#table, chunk.length), ...params);
      }
      const newBegin = Math.max(begin, Math.min(truncateBefore, end + records.length));
      if (newBegin > begin) db.exec(`DELETE FROM ${this.#table} WHERE pos < ?`, newBegin);
      db.exec(
        "UPDATE edgelog_journals SET begin_pos = ?, end_pos = ? WHERE id = ?",
        newBegin,
        end + records.length,
        this.#id,
      );
    });
  }

  /** Driver hook: Removes the records below `end`. */
  protected override dropRecords(end: number): void {
    this.#db.transaction(() => {
      const { begin, end: current } = this.loadBounds();
      if (end > current) {
        throw new RangeError(`Cannot truncate to position "${end}" past the end "${current}"`);
      }
      if (end <= begin) return;
      this.#db.exec(`DELETE FROM ${this.#table} WHERE pos < ?`, end);
      this.#db.exec("UPDATE edgelog_journals SET begin_pos = ? WHERE id = ?", end, this.#id);
    });
  }

  /** Driver hook: Reads the first position. */
  protected override loadOrigin(): number {
    const [row] = this.#db.exec("SELECT origin FROM edgelog_journals WHERE id = ?", this.#id);
    return Number(row?.origin);
  }

  /** Driver hook: Moves a fresh journal to start at `first`. */
  protected override moveOrigin(first: number): boolean {
    return this.#db.transaction(() => {
      const [row] = this.#db.exec(
        "SELECT origin, end_pos FROM edgelog_journals WHERE id = ?",
        this.#id,
      );
      if (row === undefined || row.origin !== row.end_pos) return false;
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
    this.#onClose(this);
  }
}

const insertStatements = new Map<string, string>();

/** The multi-row INSERT for `rows` records into `table`, built once per shape. */
function insertSql(table: string, rows: number): string {
  const key = `${table}:${rows}`;
  let sql = insertStatements.get(key);
  if (sql === undefined) {
    sql = `INSERT INTO ${table} (pos, created, data) VALUES ${
      Array(rows).fill("(?, ?, ?)").join(", ")
    }`;
    insertStatements.set(key, sql);
  }
  return sql;
}

/** BLOBs come back as Uint8Array (node:sqlite) or ArrayBuffer (Durable Objects); empty may be null. */
function toBytes(value: SqlValue): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value === null) return new Uint8Array(0);
  throw new TypeError(`Expected a BLOB, got "${typeof value}"`);
}

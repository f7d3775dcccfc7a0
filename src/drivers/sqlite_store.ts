/**
 * Several named journals in one SQLite database.
 *
 * @module
 */
import { ClosedError } from "../core/errors.ts";
import type { SqlDatabase } from "./sql.ts";
import { SqliteJournal } from "./sqlite_journal.ts";
import type { JournalOptions } from "../core/storage_journal.ts";
import { describe } from "../core/validate.ts";
import { migrate, type Migration } from "./sqlite_schema.ts";

/**
 * The layout of the store's tables, one step per version (see `migrate`):
 *
 * 1. (release 6c31caf) The catalog, one row per named journal holding its bounds; each
 *    journal's records in a table `edgelog_records_{id}` created when it is opened.
 * 2. The producers: one row per producer of each journal, its last write.
 * 3. The bounds follow from the records: a journal's `end_pos` is no longer written by
 *    every append but is a floor of its end (one past its highest record), exact when it
 *    is empty; `begin_pos` is the floor of its beginning (its lowest record at or above
 *    it). Every catalog row written before was exact, so a floor already: nothing is
 *    rewritten. The version keeps a release that reads `end_pos` as the end from opening
 *    a database it would misread.
 */
const JOURNAL_LAYOUT: readonly Migration[] = [
  (db) =>
    db.exec(`CREATE TABLE IF NOT EXISTS edgelog_journals (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      origin INTEGER NOT NULL,
      begin_pos INTEGER NOT NULL,
      end_pos INTEGER NOT NULL
    )`),
  (db) =>
    db.exec(`CREATE TABLE IF NOT EXISTS edgelog_producers (
      journal_id INTEGER NOT NULL,
      producer TEXT NOT NULL,
      epoch INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      first_pos INTEGER NOT NULL,
      count INTEGER NOT NULL,
      last_used INTEGER NOT NULL,
      PRIMARY KEY (journal_id, producer)
    ) WITHOUT ROWID`),
  () => {},
];

/**
 * A SQLite database holding any number of named journals. Each journal keeps one row
 * per record in its own table (position as INTEGER PRIMARY KEY, created time, data
 * BLOB), a catalog row (its origin, and floors of its bounds: the bounds follow from the
 * records, so an append writes only its records), and one row per producer. The layout is versioned
 * (`edgelog_schema`): a database written by an older release is brought up to date when a
 * store opens it.
 *
 * A store runs nothing in the background. A truncation removes the records for every reader
 * at once and deletes their rows in bounded steps: the first at once, one more with each
 * later append to that journal, and the rest when the application calls
 * {@linkcode SqliteJournal.reclaim} until it returns false (between event-loop turns, so
 * that no call holds the thread long). Until then the rows stay in the file, unreadable.
 *
 * @example A durable log in one database file
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { Log, nodeSqlite, SqliteStore } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".db" });
 * const store = new SqliteStore(nodeSqlite(new DatabaseSync(path)));
 * const log = new Log({ journal: store.open("events") });
 * await log.write(new TextEncoder().encode("kept"));
 * store.close();
 *
 * // Later, or in another process: the record is still there.
 * const reopened = new SqliteStore(nodeSqlite(new DatabaseSync(path)));
 * const again = new Log({ journal: reopened.open("events") });
 * assert.equal(new TextDecoder().decode((await again.read(0)).data), "kept");
 * reopened.close();
 * ```
 */
export class SqliteStore {
  readonly #db: SqlDatabase;
  readonly #open = new Set<SqliteJournal>();
  #closed = false;

  /**
   * Opens a store over `db`, creating its tables when missing and bringing those of a
   * database written by an older release to this release's layout.
   *
   * @param db A synchronous SQL connection, such as {@linkcode nodeSqlite}'s adapter.
   */
  constructor(db: SqlDatabase) {
    if (typeof db?.exec !== "function" || typeof db.transaction !== "function") {
      throw new TypeError(`Expected db to be a SqlDatabase, got ${describe(db)}`);
    }
    this.#db = db;
    migrate(db, "journals", JOURNAL_LAYOUT);
  }

  /**
   * Opens the journal called `name`, creating it (empty, starting at `options.start`)
   * when it does not exist. `start` is ignored for a journal that exists already.
   *
   * @param name A non-empty name.
   * @param options `start` and `clock` of the journal.
   * @returns The journal.
   * @throws {TypeError} When `name` is not a string.
   * @throws {RangeError} When `name` is empty.
   * @throws {ClosedError} After {@linkcode SqliteStore.close}.
   */
  open(name: string, options: JournalOptions = {}): SqliteJournal {
    this.#assertOpen();
    checkName(name);
    const journal = new SqliteJournal(this.#db, name, options, (j) => this.#open.delete(j));
    this.#open.add(journal);
    return journal;
  }

  /**
   * Lists the names of the journals in this store.
   *
   * @returns The names, sorted.
   */
  names(): string[] {
    this.#assertOpen();
    return this.#db.exec("SELECT name FROM edgelog_journals ORDER BY name").map((row) =>
      String(row.name)
    );
  }

  /**
   * Deletes the journal called `name` and all its records; journals opened on it are
   * closed.
   *
   * @param name The journal's name.
   * @returns Whether a journal of that name existed.
   */
  delete(name: string): boolean {
    this.#assertOpen();
    checkName(name);
    for (const journal of this.#open) {
      if (journal.name === name) void journal.close();
    }
    return this.#db.transaction(() => {
      const [row] = this.#db.exec("SELECT id FROM edgelog_journals WHERE name = ?", name);
      if (row === undefined) return false;
      const id = Number(row.id);
      this.#db.exec(`DROP TABLE IF EXISTS edgelog_records_${id}`);
      this.#db.exec("DELETE FROM edgelog_producers WHERE journal_id = ?", id);
      this.#db.exec("DELETE FROM edgelog_journals WHERE id = ?", id);
      return true;
    });
  }

  /** Closes every journal opened from this store, then the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const journal of this.#open) void journal.close();
    this.#db.close?.();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError("store");
  }
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string") {
    throw new TypeError(`Expected name to be a string, got ${describe(name)}`);
  }
  if (name.length === 0) throw new RangeError('Expected name to be non-empty, got ""');
}

/**
 * A log's stored configuration: one row in the object's SQLite database, beside the log. Its
 * layout is versioned (the part `config` of `edgelog_schema`): an object started over storage
 * written by an older release brings the table up to date before it reads it.
 *
 * @module
 */
import type { SqlDatabase } from "../../src/drivers/sql.ts";
import { migrate, type Migration } from "../../src/drivers/sqlite_schema.ts";
import type { LogConfig } from "../../src/protocol/config.ts";

/**
 * The layout of the configuration table, one step per version (see `migrate`):
 *
 * 1. (release 6c31caf) One row: the segment size (`NULL`: no retention by count) and the
 *    maximum record size.
 * 2. Retention by age, `max_age` in milliseconds (`NULL`: none, also for rows written before).
 */
export const CONFIG_LAYOUT: readonly Migration[] = [
  (db) =>
    db.exec(`CREATE TABLE IF NOT EXISTS edgelog_config (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      max_segment_size INTEGER,
      max_record_size INTEGER NOT NULL
    )`),
  (db) => db.exec("ALTER TABLE edgelog_config ADD COLUMN max_age INTEGER"),
];

/** The part of `edgelog_schema` whose version is that of {@linkcode CONFIG_LAYOUT}. */
export const CONFIG_PART = "config";

/** The configuration row of one log; deleting the object's storage deletes it too. */
export class ConfigStore {
  readonly #db: SqlDatabase;

  /**
   * Opens the store: creates its table when the storage is fresh, or brings a table written
   * by an older release to this release's layout.
   *
   * @param db The object's SQLite database.
   * @throws {RangeError} When the table was written by a newer release.
   */
  constructor(db: SqlDatabase) {
    this.#db = db;
    migrate(db, CONFIG_PART, CONFIG_LAYOUT);
  }

  /**
   * Reads the stored configuration.
   *
   * @returns It, or `undefined` for a log never configured.
   */
  read(): LogConfig | undefined {
    const row = this.#db.exec("SELECT * FROM edgelog_config WHERE id = 1")[0];
    if (row === undefined) return undefined;
    const segment = row.max_segment_size;
    const maxAge = row.max_age;
    return {
      maxSegmentSize: segment === null ? null : Number(segment),
      maxRecordSize: Number(row.max_record_size),
      maxAge: maxAge === null ? null : Number(maxAge),
    };
  }

  /**
   * Stores a configuration in place of the previous one.
   *
   * @param config The configuration.
   */
  write(config: LogConfig): void {
    this.#db.exec(
      "INSERT OR REPLACE INTO edgelog_config (id, max_segment_size, max_record_size, max_age) VALUES (1, ?, ?, ?)",
      config.maxSegmentSize,
      config.maxRecordSize,
      config.maxAge,
    );
  }
}

/**
 * A log's stored configuration: one row in the object's SQLite database, beside the log.
 *
 * @module
 */
import type { SqlDatabase } from "../../src/drivers/sql.ts";
import type { LogConfig } from "../../src/protocol/config.ts";

const CONFIG_TABLE = `CREATE TABLE IF NOT EXISTS edgelog_config (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  max_segment_size INTEGER,
  max_record_size INTEGER NOT NULL
)`;

/** The configuration row of one log; deleting the object's storage deletes it too. */
export class ConfigStore {
  readonly #db: SqlDatabase;

  /**
   * Opens the store, creating its table when the storage is fresh.
   *
   * @param db The object's SQLite database.
   */
  constructor(db: SqlDatabase) {
    this.#db = db;
    db.exec(CONFIG_TABLE);
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
    return {
      maxSegmentSize: segment === null ? null : Number(segment),
      maxRecordSize: Number(row.max_record_size),
    };
  }

  /**
   * Stores a configuration in place of the previous one.
   *
   * @param config The configuration.
   */
  write(config: LogConfig): void {
    this.#db.exec(
      "INSERT OR REPLACE INTO edgelog_config (id, max_segment_size, max_record_size) VALUES (1, ?, ?)",
      config.maxSegmentSize,
      config.maxRecordSize,
    );
  }
}

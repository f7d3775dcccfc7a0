/**
 * Versioned SQLite layouts: each part of edgelog that keeps tables (the journals' store, a
 * Durable Object's configuration) numbers its layout, and opening a database written by an
 * older release runs the steps from its version to the current one, once, in one
 * transaction. Stored data outlives code.
 *
 * @module
 */
import type { SqlDatabase } from "./sql.ts";

/** The table that holds each part's layout version. */
const SCHEMA_TABLE = `CREATE TABLE IF NOT EXISTS edgelog_schema (
  part TEXT PRIMARY KEY,
  version INTEGER NOT NULL
)`;

/**
 * One step of a layout: it brings the part from the version before it (its index in the
 * list) to the next. A step must also work on a database where the part has no tables yet,
 * so the same list builds a fresh database and upgrades an old one.
 */
export type Migration = (db: SqlDatabase) => void;

/**
 * Brings the tables of `part` to the layout of `steps.length`, running the steps it has not
 * run yet in one transaction: a failure leaves the database as it was. A database with no
 * version recorded for `part` is at version 0 (the first release kept none).
 *
 * @param db The database.
 * @param part The part's name, e.g. `"journals"`.
 * @param steps The steps, oldest first: `steps[0]` builds version 1.
 * @returns The version the part was at before.
 * @throws {RangeError} When the database was written by a newer release (a version above
 * `steps.length`): opening it would misread it.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { nodeSqlite } from "./sql.ts";
 * import { type Migration, migrate } from "./sqlite_schema.ts";
 * import assert from "node:assert/strict";
 *
 * const db = nodeSqlite(new DatabaseSync(":memory:"));
 * const steps: Migration[] = [(db) => void db.exec("CREATE TABLE IF NOT EXISTS t (x)")];
 * assert.equal(migrate(db, "demo", steps), 0);
 * assert.equal(migrate(db, "demo", steps), 1);
 * ```
 */
export function migrate(db: SqlDatabase, part: string, steps: readonly Migration[]): number {
  return db.transaction(() => {
    db.exec(SCHEMA_TABLE);
    const [row] = db.exec("SELECT version FROM edgelog_schema WHERE part = ?", part);
    const from = row === undefined ? 0 : Number(row.version);
    if (from > steps.length) {
      throw new RangeError(
        `The ${part} tables have layout version ${from}, newer than this release's ${steps.length}`,
      );
    }
    if (from === steps.length) return from;
    for (let version = from; version < steps.length; version++) steps[version]!(db);
    db.exec(
      "INSERT INTO edgelog_schema (part, version) VALUES (?, ?) ON CONFLICT (part) DO UPDATE SET version = excluded.version",
      part,
      steps.length,
    );
    return from;
  });
}

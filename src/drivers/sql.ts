/**
 * The minimal, synchronous SQL interface the SQLite driver is written against, and its
 * adapter for `node:sqlite`. A Durable Object's `ctx.storage.sql` satisfies it through
 * an equally thin adapter in the deployment.
 *
 * @module
 */

/** A value bound to or read from SQLite. Drivers may return BLOBs as either type. */
export type SqlValue = null | number | bigint | string | Uint8Array | ArrayBuffer;

/** One result row, by column name. */
export type SqlRow = Record<string, SqlValue>;

/**
 * A synchronous SQLite connection: the whole surface the SQLite driver needs.
 *
 * @example An adapter over a Durable Object's SQL storage (in the deployment)
 * ```ts ignore
 * const db: SqlDatabase = {
 *   exec: (sql, ...params) => ctx.storage.sql.exec(sql, ...params).toArray(),
 *   transaction: (fn) => ctx.storage.transactionSync(fn),
 * };
 * ```
 */
export interface SqlDatabase {
  /**
   * Runs one statement with positional `?` parameters and returns its rows (none for a
   * statement that returns none). At most 100 parameters are bound per statement.
   */
  exec(sql: string, ...params: SqlValue[]): SqlRow[];
  /**
   * Runs one statement as {@linkcode SqlDatabase.exec} does and returns its rows as arrays of
   * values, in the order of the statement's columns. Optional: where a connection builds
   * arrays more cheaply than objects with named properties (node:sqlite's
   * `setReturnArrays`, a Durable Object cursor's `raw()`), the driver reads records through
   * it; through `exec` otherwise.
   */
  values?(sql: string, ...params: SqlValue[]): SqlValue[][];
  /** Runs `fn` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: () => T): T;
  /** Closes the connection, where the connection is the driver's to close. */
  close?(): void;
  /**
   * Gives up to `pages` free pages back to the file system (SQLite's incremental vacuum),
   * where the connection can; the SQLite driver calls it after deleting rows. Optional: a
   * Durable Object's SQL forbids the pragma, and counts only the pages in use in its
   * `databaseSize` (free pages are reused by later writes).
   */
  incrementalVacuum?(pages: number): void;
}

/** The part of `node:sqlite`'s `StatementSync` the adapter uses. */
export interface NodeSqliteStatement {
  /** Runs the statement and returns every row. */
  all(...params: Array<null | number | bigint | string | Uint8Array>): unknown[];
  /** Makes the statement return rows as arrays (Deno 2.x, Node 24+): used when present. */
  setReturnArrays?(enabled: boolean): void;
}

/** The part of `node:sqlite`'s `DatabaseSync` the adapter uses. */
export interface NodeSqliteDatabase {
  /** Compiles a statement. */
  prepare(sql: string): NodeSqliteStatement;
  /** Runs SQL without parameters. */
  exec(sql: string): void;
  /** Closes the database. */
  close(): void;
}

/**
 * Adapts a `node:sqlite` `DatabaseSync` (Deno 2.9+, Node 22.5+) to {@linkcode SqlDatabase}.
 * Statements are prepared once and cached. A file database is switched to WAL mode with
 * a busy timeout; SQLite's default `synchronous=FULL` stays, so every commit is durable.
 *
 * A new database (one without tables yet) is created with `auto_vacuum = INCREMENTAL`, so
 * that the pages of deleted records go back to the file system, a bounded number at a time
 * ({@linkcode SqlDatabase.incrementalVacuum}). A database created otherwise, such as one
 * written before this release, keeps its mode: the space of deleted records is reused by
 * later records, and the file shrinks only after `PRAGMA auto_vacuum = INCREMENTAL` and a
 * `VACUUM`, which rewrite the whole file (run them once, offline, if that matters).
 *
 * @param database An open `DatabaseSync`; the adapter's `close()` closes it.
 * @returns The adapter.
 *
 * @example
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { Log, nodeSqlite, SqliteStore } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
 * const log = new Log({ journal: store.open("events") });
 * assert.equal(await log.write(new Uint8Array([1])), 0);
 * store.close();
 * ```
 */
export function nodeSqlite(database: NodeSqliteDatabase): SqlDatabase {
  const statements = new Map<string, NodeSqliteStatement>();
  let depth = 0;
  /** Statements that return rows as arrays, apart: the mode is the statement's. */
  const arrayStatements = new Map<string, NodeSqliteStatement>();
  const prepared = (sql: string): NodeSqliteStatement => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = database.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const preparedArrays = (sql: string): NodeSqliteStatement => {
    let statement = arrayStatements.get(sql);
    if (statement === undefined) {
      statement = database.prepare(sql);
      statement.setReturnArrays!(true);
      arrayStatements.set(sql, statement);
    }
    return statement;
  };
  // auto_vacuum first: it takes effect only while the database has no tables.
  database.exec(
    "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL",
  );
  const arrays = typeof database.prepare("SELECT 1").setReturnArrays === "function";
  const adapter: SqlDatabase = {
    exec(sql, ...params) {
      return prepared(sql).all(...bindable(params)) as SqlRow[];
    },
    transaction(fn) {
      // Nested calls join the outer transaction, as transactionSync does in a Durable Object.
      if (depth > 0) return fn();
      database.exec("BEGIN IMMEDIATE");
      depth++;
      try {
        const result = fn();
        database.exec("COMMIT");
        return result;
      } catch (error) {
        try {
          database.exec("ROLLBACK");
        } catch {
          // SQLite already rolled back (e.g. after SQLITE_FULL); the original error matters.
        }
        throw error;
      } finally {
        depth--;
      }
    },
    close() {
      statements.clear();
      arrayStatements.clear();
      database.close();
    },
    incrementalVacuum(pages) {
      if (!Number.isSafeInteger(pages) || pages <= 0) {
        throw new RangeError(`Expected pages to be a positive integer, got "${pages}"`);
      }
      // Stepped to the end: one step of the pragma (as `database.exec` runs it) frees one page.
      prepared(`PRAGMA incremental_vacuum(${pages})`).all();
    },
  };
  if (arrays) {
    adapter.values = (sql, ...params) =>
      preparedArrays(sql).all(...bindable(params)) as SqlValue[][];
  }
  return adapter;
}

/**
 * The parameters as node:sqlite binds them: ArrayBuffers as Uint8Arrays, in place (the rest
 * array is the call's own), so that a statement costs no copy of its parameters.
 */
function bindable(params: SqlValue[]): Array<Exclude<SqlValue, ArrayBuffer>> {
  for (let i = 0; i < params.length; i++) {
    const param = params[i];
    if (param instanceof ArrayBuffer) params[i] = new Uint8Array(param);
  }
  return params as Array<Exclude<SqlValue, ArrayBuffer>>;
}

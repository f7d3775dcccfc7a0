/**
 * The core's `SqlDatabase` over a Durable Object's SQLite storage.
 *
 * @module
 */
import type { SqlDatabase, SqlRow, SqlValue } from "../../src/drivers/sql.ts";

/**
 * Adapts `ctx.storage` of a SQLite-backed Durable Object to the core's synchronous
 * {@linkcode SqlDatabase}. `sql.exec` is synchronous and `transactionSync` commits when its
 * callback returns, so the core's check-then-write never crosses an `await`.
 *
 * @param storage The object's `ctx.storage`.
 * @returns The adapter, the same one for every call with `storage`. It has no `close`: the
 * runtime owns the connection.
 */
export function durableObjectSql(storage: DurableObjectStorage): SqlDatabase {
  let db = adapters.get(storage);
  if (db === undefined) adapters.set(storage, db = adapt(storage));
  return db;
}

/**
 * One adapter per storage: the journals of an object know one another by their database
 * (`ObjectJournal`: the newest of a name owns its bounds), whoever asked for it.
 */
const adapters = new WeakMap<DurableObjectStorage, SqlDatabase>();

function adapt(storage: DurableObjectStorage): SqlDatabase {
  return {
    exec(sql: string, ...params: SqlValue[]): SqlRow[] {
      return storage.sql.exec<Record<string, SqlStorageValue>>(sql, ...params.map(toStorage))
        .toArray();
    },
    values(sql: string, ...params: SqlValue[]): SqlValue[][] {
      return Array.from(storage.sql.exec(sql, ...params.map(toStorage)).raw());
    },
    transaction<T>(fn: () => T): T {
      return storage.transactionSync(fn);
    },
  };
}

/** Binds a value the way Durable Object SQL takes it: BLOBs as bytes, bigints as numbers. */
function toStorage(value: SqlValue): SqlStorageValue {
  if (typeof value === "bigint") return Number(value);
  // A Uint8Array binds as a BLOB of its own bytes, a view into a larger buffer included
  // (the types say ArrayBuffer only; test/worker/sql_adapter.test.ts holds the runtime to it).
  if (value instanceof Uint8Array) return value as unknown as ArrayBuffer;
  return value;
}

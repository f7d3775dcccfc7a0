/**
 * The core's `SqlDatabase` over a Durable Object's SQLite storage.
 *
 * @module
 */
import type { SqlDatabase, SqlRow, SqlValue } from "../src/sql.ts";

/**
 * Adapts `ctx.storage` of a SQLite-backed Durable Object to the core's synchronous
 * {@linkcode SqlDatabase}. `sql.exec` is synchronous and `transactionSync` commits when its
 * callback returns, so the core's check-then-write never crosses an `await`.
 *
 * @param storage The object's `ctx.storage`.
 * @returns The adapter. It has no `close`: the runtime owns the connection.
 */
export function durableObjectSql(storage: DurableObjectStorage): SqlDatabase {
  return {
    exec(sql: string, ...params: SqlValue[]): SqlRow[] {
      return storage.sql.exec<Record<string, SqlStorageValue>>(sql, ...params.map(toStorage))
        .toArray();
    },
    transaction<T>(fn: () => T): T {
      return storage.transactionSync(fn);
    },
  };
}

/** Binds a value the way Durable Object SQL takes it: BLOBs as ArrayBuffers. */
function toStorage(value: SqlValue): SqlStorageValue {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Uint8Array) {
    // A view into a larger buffer binds its own bytes only.
    if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) {
      return value.buffer as ArrayBuffer;
    }
    return value.slice().buffer as ArrayBuffer;
  }
  return value;
}

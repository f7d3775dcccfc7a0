// worker/object/object_journal.ts beyond the conformance suite: bounds kept in memory never let a
// journal write at a stale position.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConflictError } from "../../src/core/errors.ts";
import { SqliteStore } from "../../src/drivers/sqlite_store.ts";
import { ObjectJournal } from "../../worker/object/object_journal.ts";
import { durableObjectSql } from "../../worker/object/sql_adapter.ts";
import { bytes, text, uniqueName } from "./helpers.ts";

describe("ObjectJournal", () => {
  it("an append from an instance with out-of-date bounds is a ConflictError", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("object-journal")));
    await runInDurableObject(stub, async (_instance, state) => {
      const db = durableObjectSql(state.storage);
      new SqliteStore(db);
      const a = new ObjectJournal(db, "log");
      const b = new ObjectJournal(db, "log");
      await a.append(0, bytes("a0"));
      await b.append(1, bytes("b1"));
      await expect(a.append(1, bytes("a1"))).rejects.toBeInstanceOf(ConflictError);
      // The failed append read the bounds again.
      expect(await a.bounds()).toEqual({ begin: 0, end: 2 });
      expect(text(await a.get(1))).toBe("b1");
    });
  });

  it("a deleted log's instance cannot write into the tables of the log that replaced it", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("object-journal")));
    await runInDurableObject(stub, async (_instance, state) => {
      const db = durableObjectSql(state.storage);
      new SqliteStore(db);
      const old = new ObjectJournal(db, "log");
      for (let i = 0; i < 3; i++) await old.append(i, bytes(`old${i}`));
      // As DELETE /logs/{name} does: everything goes, and a fresh journal takes its name
      // (and its table, the catalog's ids starting over).
      await state.storage.deleteAll();
      new SqliteStore(db);
      const fresh = new ObjectJournal(db, "log");
      await expect(old.append(3, bytes("stale"))).rejects.toBeInstanceOf(RangeError);
      expect(await fresh.bounds()).toEqual({ begin: 0, end: 0 });
      await fresh.append(0, bytes("new0"));
      expect(await fresh.bounds()).toEqual({ begin: 0, end: 1 });
      expect(text(await fresh.get(0))).toBe("new0");
    });
  });

  it("an older instance's append makes the newest one read the bounds again", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("object-journal")));
    await runInDurableObject(stub, async (_instance, state) => {
      const db = durableObjectSql(state.storage);
      new SqliteStore(db);
      const older = new ObjectJournal(db, "log");
      const newest = new ObjectJournal(db, "log");
      await newest.append(0, bytes("n0"));
      // The newest instance's bounds (end 1) are now out of date: the older one wrote at 1.
      await older.append(1, bytes("o1"));
      await expect(newest.append(1, bytes("n1"))).rejects.toBeInstanceOf(ConflictError);
      await newest.append(2, bytes("n2"));
      expect(await newest.bounds()).toEqual({ begin: 0, end: 3 });
      expect(text(await newest.get(1))).toBe("o1");
      expect(text(await older.get(2))).toBe("n2");
    });
  });

  it("an append of a record is one statement: no transaction, no lookup of the bounds", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("object-journal")));
    await runInDurableObject(stub, async (_instance, state) => {
      let transactions = 0;
      let cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
      const storage = {
        sql: {
          exec(query: string, ...params: SqlStorageValue[]) {
            const cursor = state.storage.sql.exec(query, ...params);
            cursors.push(cursor);
            return cursor;
          },
        },
        transactionSync<T>(fn: () => T): T {
          transactions++;
          return state.storage.transactionSync(fn);
        },
      } as unknown as DurableObjectStorage;
      const db = durableObjectSql(storage);
      new SqliteStore(db);
      const journal = new ObjectJournal(db, "log");
      await journal.append(0, bytes("first"));
      [transactions, cursors] = [0, []];
      await journal.append(1, bytes("second"));
      // Each cursor's counts are final: the adapter consumes its rows at once.
      const read = cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0);
      const written = cursors.reduce((sum, cursor) => sum + cursor.rowsWritten, 0);
      expect({ transactions, statements: cursors.length, read, written }).toEqual({
        transactions: 0,
        statements: 1,
        // The INSERT's own: workerd counts a row read for each row it inserts.
        read: 1,
        written: 1,
      });
      // An append at a stale position is still refused, and writes nothing.
      await expect(journal.append(1, bytes("again"))).rejects.toBeInstanceOf(ConflictError);
      expect(await journal.bounds()).toEqual({ begin: 0, end: 2 });
      expect(text(await journal.get(1))).toBe("second");
    });
  });
});

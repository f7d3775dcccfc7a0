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
});

// Truncation in the Durable Object (worker/object/object_journal.ts): the beginning moves at
// once for every reader, the rows go in a chain of bounded steps on setTimeout(0) that ends
// with nothing pending, a new instance over the same storage keeps the beginning and takes the
// chain up, and appends during the deletion work. Through the LogObject's RPC as well.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/core/errors.ts";
import type { SqlDatabase } from "../../src/drivers/sql.ts";
import { RECLAIM_ROWS } from "../../src/drivers/sqlite_journal.ts";
import { SqliteStore } from "../../src/drivers/sqlite_store.ts";
import { ObjectJournal } from "../../worker/object/object_journal.ts";
import { durableObjectSql } from "../../worker/object/sql_adapter.ts";
import { bytes, text, uniqueName } from "./helpers.ts";

/** More records than two steps of reclaim() and a truncation's own step. */
const COUNT = 40_000;
/** The journal the tests write: not "log", which the LogObject itself opens. */
const NAME = "truncated";

/** Appends `count` small records through the driver, in commits of 1000. */
function fill(journal: ObjectJournal, count: number): void {
  const data = bytes("0123456789abcdef0123456789abcdef");
  for (let done = 0; done < count; done += 1000) {
    const n = Math.min(1000, count - done);
    const { end } = journal.readBounds();
    journal.appendRecords(end, Array.from({ length: n }, () => ({ created: done, data })));
  }
}

/** The rows of journal `name` still stored below `before`. */
function rowsBelow(db: SqlDatabase, name: string, before: number): number {
  const [journal] = db.exec("SELECT id FROM edgelog_journals WHERE name = ?", name);
  const [row] = db.exec(
    `SELECT count(*) AS n FROM edgelog_records_${Number(journal?.id)} WHERE pos < ?`,
    before,
  );
  return Number(row?.n);
}

/** Lets the object's timers run until `journal` has nothing left to delete; counts the turns. */
async function drained(journal: ObjectJournal): Promise<number> {
  let turns = 0;
  while (journal.reclaimPending) {
    if (++turns > 1000) throw new Error("The deletion chain did not end");
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return turns;
}

/** A fresh object's SQL with the store's catalog, and a journal over it. */
function openJournal(state: DurableObjectState): { db: SqlDatabase; journal: ObjectJournal } {
  const db = durableObjectSql(state.storage);
  new SqliteStore(db);
  return { db, journal: new ObjectJournal(db, NAME) };
}

describe("truncation in the Durable Object", () => {
  it("removes many records at once for readers and deletes the rows in a chain of steps", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("truncation")));
    await runInDurableObject(stub, async (_instance, state) => {
      const { db, journal } = openJournal(state);
      fill(journal, COUNT);
      const before = COUNT - 10;
      await journal.truncate(before);

      expect(await journal.bounds()).toEqual({ begin: before, end: COUNT });
      await expect(journal.get(before - 1)).rejects.toBeInstanceOf(NotFoundError);
      await expect(journal.get(0)).rejects.toBeInstanceOf(NotFoundError);
      expect(journal.readRecords(0, 5)).toEqual([]);
      expect(journal.findCreated(0)).toEqual({ position: before, created: COUNT - 1000 });
      const left = rowsBelow(db, NAME, before);
      expect(left).toBeGreaterThan(RECLAIM_ROWS);
      expect(journal.reclaimPending).toBe(true);

      // An append between the steps takes the next offset.
      await journal.append(COUNT, bytes("during"));
      expect(rowsBelow(db, NAME, before)).toBeLessThan(left);

      const turns = await drained(journal);
      expect(turns).toBeGreaterThanOrEqual(2);
      expect(rowsBelow(db, NAME, before)).toBe(0);
      expect(await journal.bounds()).toEqual({ begin: before, end: COUNT + 1 });
      expect(text(await journal.get(COUNT))).toBe("during");
      expect((await journal.get(before)).byteLength).toBe(32);
    });
  });

  it("a new instance over the same storage keeps the beginning and deletes what is left", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("truncation")));
    await runInDurableObject(stub, async (_instance, state) => {
      const { db, journal } = openJournal(state);
      fill(journal, COUNT);
      await journal.truncate(COUNT - 1);
      // The object goes away mid-deletion: its instance is closed, its chain stops.
      await journal.close();
      await new Promise((resolve) => setTimeout(resolve, 0));
      const left = rowsBelow(db, NAME, COUNT - 1);
      expect(left).toBeGreaterThan(0);

      const restarted = new ObjectJournal(db, NAME);
      expect(restarted.reclaimPending).toBe(true);
      expect(await restarted.bounds()).toEqual({ begin: COUNT - 1, end: COUNT });
      await expect(restarted.get(COUNT - 2)).rejects.toBeInstanceOf(NotFoundError);
      await drained(restarted);
      expect(rowsBelow(db, NAME, COUNT - 1)).toBe(0);
      expect((await restarted.get(COUNT - 1)).byteLength).toBe(32);
    });
  });

  it("a log emptied by a truncation keeps its next offset", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("truncation")));
    await runInDurableObject(stub, async (_instance, state) => {
      const { db, journal } = openJournal(state);
      fill(journal, COUNT);
      await journal.truncate(COUNT);
      expect(await journal.bounds()).toEqual({ begin: COUNT, end: COUNT });
      await drained(journal);
      expect(rowsBelow(db, NAME, COUNT)).toBe(0);
      expect(await journal.bounds()).toEqual({ begin: COUNT, end: COUNT });
      await journal.append(COUNT, bytes("next"));
      expect(await journal.bounds()).toEqual({ begin: COUNT, end: COUNT + 1 });
    });
  });

  it("the LogObject's truncate answers at once; reads below fail and the rows go", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("truncation")));
    expect((await stub.configure({ maxSegmentSize: null })).error).toBeUndefined();
    const records = Array.from({ length: 1000 }, (_, i) => bytes(`record ${i}`));
    for (let i = 0; i < 30; i++) expect((await stub.appendBatch(records)).error).toBeUndefined();
    expect(await stub.truncate(29_990)).toEqual({ value: { begin: 29_990, end: 30_000 } });
    expect((await stub.read(29_989)).error?.code).toBe("OUT_OF_RANGE");
    expect((await stub.readBatch(0)).error?.code).toBe("OUT_OF_RANGE");
    const kept = await stub.read(29_990);
    expect("value" in kept && text(kept.value.data)).toBe("record 990");
    const after = await stub.appendBatch([bytes("after")]);
    expect("value" in after && after.value.offset).toBe(30_000);
    // Each RPC call is an event of its own: the chain's steps run between them.
    for (let turn = 0;; turn++) {
      const left = await runInDurableObject(stub, (_instance, state) => {
        return rowsBelow(durableObjectSql(state.storage), "log", 29_990);
      });
      if (left === 0) break;
      expect(turn).toBeLessThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(await stub.bounds()).toEqual({ value: { begin: 29_990, end: 30_001 } });
  });
});

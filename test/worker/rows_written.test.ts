// What a log costs in SQLite rows on Cloudflare, counted by workerd itself: every statement's
// cursor reports the rows it wrote and read (`SqlStorageCursor.rowsWritten` / `rowsRead`, the
// figures Durable Objects bill), summed here over the statements the journal runs through a
// Log, as the LogObject runs them. An append without a producer writes one row per record,
// single or batched; with a producer, one more row per commit (its state).
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Log, type LogRecord } from "../../src/core/log.ts";
import { SqliteStore } from "../../src/drivers/sqlite_store.ts";
import { COMMIT_RECLAIM_ROWS, RECLAIM_ROWS } from "../../src/drivers/sqlite_journal.ts";
import { ObjectJournal } from "../../worker/object/object_journal.ts";
import { durableObjectSql } from "../../worker/object/sql_adapter.ts";
import { uniqueName } from "./helpers.ts";

/** Rows written and read by the statements run since the last `take()`. */
interface Counts {
  written: number;
  read: number;
}

/**
 * `storage` whose SQL statements are counted: each cursor is kept, and `take()` sums the
 * rows the cursors since the last call wrote and read (a cursor's counts are final once its
 * rows are consumed, which the adapter does at once).
 */
function counted(storage: DurableObjectStorage): {
  storage: DurableObjectStorage;
  take: () => Counts;
} {
  let cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  const sql = {
    exec(query: string, ...params: SqlStorageValue[]) {
      const cursor = storage.sql.exec(query, ...params);
      cursors.push(cursor);
      return cursor;
    },
  };
  const wrapped = {
    sql,
    transactionSync: <T>(fn: () => T): T => storage.transactionSync(fn),
  } as unknown as DurableObjectStorage;
  return {
    storage: wrapped,
    take() {
      const counts = { written: 0, read: 0 };
      for (const cursor of cursors) {
        counts.written += cursor.rowsWritten;
        counts.read += cursor.rowsRead;
      }
      cursors = [];
      return counts;
    },
  };
}

/** Runs `fn` in a fresh object with a Log over its journal, and the counter of its SQL. */
async function withLog(
  fn: (log: Log, take: () => Counts) => Promise<void>,
  options: { maxSegmentSize?: number } = {},
): Promise<void> {
  const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("rows")));
  await runInDurableObject(stub, async (_instance, state) => {
    const { storage, take } = counted(state.storage);
    const db = durableObjectSql(storage);
    new SqliteStore(db);
    const log = new Log({ journal: new ObjectJournal(db, "log"), ...options });
    take();
    await fn(log, take);
  });
}

const records = (n: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => new Uint8Array([i & 255, 1, 2, 3]));

describe("rows written and read, as workerd counts them", () => {
  for (const n of [1, 100, 1000]) {
    it(`an append of ${n} record(s) without a producer writes ${n} row(s)`, async () => {
      await withLog(async (log, take) => {
        // The first commit of a fresh log, then one after it (the log's usual state).
        await log.writeBatch(records(n));
        const first = take();
        await log.writeBatch(records(n));
        const second = take();
        console.log(
          `rows: append of ${n}: written ${first.written}, then ${second.written}; read ${second.read}`,
        );
        expect(first.written).toBe(n);
        expect(second.written).toBe(n);
        expect(await log.bounds()).toEqual({ begin: 0, end: 2 * n });
      });
    });
  }

  for (const n of [1, 100]) {
    it(`an append of ${n} record(s) with a producer writes ${n} + 1 rows`, async () => {
      await withLog(async (log, take) => {
        await log.writeBatch(records(n), { producer: { id: "p", epoch: 0, seq: 0 } });
        const first = take();
        await log.writeBatch(records(n), { producer: { id: "p", epoch: 0, seq: 1 } });
        const second = take();
        console.log(
          `rows: producer append of ${n}: written ${first.written}, then ${second.written}`,
        );
        expect(first.written).toBe(n + 1);
        expect(second.written).toBe(n + 1);
        // A retry is a duplicate: nothing written.
        await log.writeBatch(records(n), { producer: { id: "p", epoch: 0, seq: 1 } });
        expect(take().written).toBe(0);
      });
    });
  }

  it("a read of one record reads one row, a page of 100 reads 100", async () => {
    await withLog(async (log, take) => {
      await log.writeBatch(records(1000));
      take();
      await log.read(500);
      const one = take();
      const page: LogRecord[] = new Array(100);
      expect(await log.readBatch(200, page)).toBe(100);
      const hundred = take();
      console.log(`rows: read of 1: read ${one.read}; page of 100: read ${hundred.read}`);
      expect(one.written + hundred.written).toBe(0);
      expect(one.read).toBe(1);
      expect(hundred.read).toBe(100);
    });
  });

  it("retention writes a row per record it deletes, and none for the bounds", async () => {
    await withLog(async (log, take) => {
      let deleted = 0;
      for (let i = 0; i < 5; i++) {
        const before = await log.bounds();
        take();
        await log.writeBatch(records(100));
        const counts = take();
        const after = await log.bounds();
        expect(counts.written).toBe(100 + after.begin - before.begin);
        deleted += after.begin - before.begin;
      }
      console.log(`rows: retention deleted ${deleted} records in 5 commits of 100`);
      expect(deleted).toBeGreaterThan(0);
    }, { maxSegmentSize: 100 });
  });

  it("a truncation writes the catalog row and a row per record its first step deletes", async () => {
    await withLog(async (log, take) => {
      await log.writeBatch(records(1000));
      take();
      await log.truncate(500);
      const counts = take();
      console.log(`rows: truncation of 500 records: written ${counts.written}`);
      expect(counts.written).toBe(1 + 500);
      expect(await log.bounds()).toEqual({ begin: 500, end: 1000 });
      await expect(log.read(499)).rejects.toThrow();
      expect((await log.read(500)).data).toEqual(new Uint8Array([500 & 255, 1, 2, 3]));
      // The next append writes its record only: nothing was left to delete.
      await log.write(new Uint8Array([1]));
      expect(take().written).toBe(1);
    }, { maxSegmentSize: Infinity });
  });

  it("a write that drops a segment writes its record plus one row per record dropped", async () => {
    await withLog(async (log, take) => {
      // S = 100: 200 records fill the active and the history segment.
      await log.writeBatch(records(200));
      take();
      // Record number 201 drops the oldest segment, 100 records, in its own commit.
      await log.write(new Uint8Array([1]));
      const drop = take();
      // The next one drops nothing.
      await log.write(new Uint8Array([2]));
      const plain = take();
      console.log(
        `rows: the write that drops a segment of 100: written ${drop.written}, read ${drop.read}; ` +
          `the next write: written ${plain.written}, read ${plain.read}`,
      );
      // A DELETE counts each row it removes as written (as Cloudflare bills deletes).
      expect(drop.written).toBe(1 + 100);
      expect(plain.written).toBe(1);
      // Reads: those of any commit (the bounds checked in the transaction, the INSERT), and
      // the DELETE's range scan: the 100 rows it removes and the row just past the range.
      expect(drop.read).toBe(plain.read + 100 + 1);
      expect(await log.bounds()).toEqual({ begin: 100, end: 202 });
    }, { maxSegmentSize: 100 });
  });

  it("a truncation of 20,000 records: the catalog row and a first step, then two reclaim steps", async () => {
    const stub = env.LOGS.get(env.LOGS.idFromName(uniqueName("rows")));
    await runInDurableObject(stub, (_instance, state) => {
      const { storage, take } = counted(state.storage);
      const db = durableObjectSql(storage);
      // The plain driver, so that this test runs each step itself (the ObjectJournal chains
      // them on timers).
      const journal = new SqliteStore(db).open("log");
      const log = new Log({ journal, maxSegmentSize: Infinity });
      const n = 20_000;
      return (async () => {
        for (let pos = 0; pos < n; pos += 1000) await log.writeBatch(records(1000));
        take();
        await log.truncate(n);
        const first = take();
        const steps: Counts[] = [];
        let more = true;
        while (more) {
          more = journal.reclaim();
          steps.push(take());
        }
        console.log(
          `rows: truncation of ${n}: written ${first.written}, read ${first.read}; reclaim steps: ` +
            steps.map((s) => `written ${s.written}, read ${s.read}`).join("; "),
        );
        // The catalog row (the new beginning), then the first bounded step's deletes.
        expect(first.written).toBe(1 + COMMIT_RECLAIM_ROWS);
        // Then steps of RECLAIM_ROWS, and the rest: every row deleted once, none twice.
        expect(steps.map((s) => s.written)).toEqual([
          RECLAIM_ROWS,
          n - COMMIT_RECLAIM_ROWS - RECLAIM_ROWS,
        ]);
        // Rows read: each step sums the bytes of its span (its rows, read once) and deletes
        // them (read again); the rest are index lookups of the bounds and of the lowest row
        // left, before and after. Cheap: $0.001 per million rows read (COST.md).
        expect(first.read).toBe(2 * COMMIT_RECLAIM_ROWS + 13);
        expect(steps.map((s) => s.read)).toEqual([
          2 * RECLAIM_ROWS + 6,
          2 * (n - COMMIT_RECLAIM_ROWS - RECLAIM_ROWS) + 4,
        ]);
        expect(journal.reclaimPending).toBe(false);
      })();
    });
  });
});

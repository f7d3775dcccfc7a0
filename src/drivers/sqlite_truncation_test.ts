// Truncation over SQLite files (node:sqlite): the beginning moves at once for every reader,
// through this connection and others, and the rows go in bounded steps (the truncation's
// own, each later commit's, reclaim()) that survive a reopen; new files give the pages back.
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import {
  FutureOffsetError,
  Log,
  type LogRecord,
  nodeSqlite,
  NotFoundError,
  OutOfRangeError,
  type SqliteJournal,
  SqliteStore,
} from "../../mod.ts";
import { COMMIT_RECLAIM_ROWS, RECLAIM_ROWS } from "./sqlite_journal.ts";

/** Records written by the tests: several steps of reclaim(). */
const COUNT = 40_000;

/** A store over a new database file in a temporary directory, and its raw view. */
async function tempStore(): Promise<{ path: string; store: SqliteStore; raw: DatabaseSync }> {
  const dir = await Deno.makeTempDir({ prefix: "edgelog_truncation_" });
  const path = `${dir}/log.db`;
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(path)));
  return { path, store, raw: new DatabaseSync(path) };
}

/** Appends `count` small records through the driver, in commits of 1000. */
function fill(journal: SqliteJournal, count: number): void {
  const data = new Uint8Array(32).fill(7);
  for (let done = 0; done < count; done += 1000) {
    const n = Math.min(1000, count - done);
    const { end } = journal.readBounds();
    journal.appendRecords(end, Array.from({ length: n }, () => ({ created: done, data })));
  }
}

/** The rows still stored below `before` in the journal's table, counted by another connection. */
function rowsBelow(raw: DatabaseSync, name: string, before: number): number {
  const { id } = raw.prepare("SELECT id FROM edgelog_journals WHERE name = ?").get(name) as {
    id: number;
  };
  const row = raw.prepare(`SELECT count(*) AS n FROM edgelog_records_${id} WHERE pos < ?`)
    .get(before) as { n: number };
  return Number(row.n);
}

function pragma(raw: DatabaseSync, name: string): number {
  return Number(Object.values(raw.prepare(`PRAGMA ${name}`).get()!)[0]);
}

async function cleanUp(path: string, ...closers: Array<{ close(): void }>): Promise<void> {
  for (const closer of closers) closer.close();
  await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
}

Deno.test("a truncation of many records is gone at once for every reader, rows deleted later", async () => {
  const { path, store, raw } = await tempStore();
  const journal = store.open("log");
  fill(journal, COUNT);
  const log = new Log({ journal, maxSegmentSize: Infinity });
  const stream = log.stream(100);
  const before = COUNT - 10;

  await log.truncate(before);

  // The rows are still there: the truncation deleted only its first step.
  assert.ok(rowsBelow(raw, "log", before) > 0, "rows left for later steps");
  assert.equal(journal.reclaimPending, true);
  // ...but no reader finds them.
  assert.deepEqual(await log.bounds(), { begin: before, end: COUNT });
  assert.deepEqual(await log.range(), { earliest: before, latest: COUNT - 1 });
  await assert.rejects(log.read(before - 1), OutOfRangeError);
  await assert.rejects(log.read(0), OutOfRangeError);
  assert.throws(() => log.readBatchSync(before - 1, new Array<LogRecord>(5)), OutOfRangeError);
  await assert.rejects(stream.next(), OutOfRangeError);
  await assert.rejects(journal.get(before - 1), NotFoundError);
  await assert.rejects(journal.range(0, () => {}), NotFoundError);
  assert.deepEqual(journal.readRecords(before - 1, 10), []);
  assert.equal(journal.readRecord(before - 1), undefined);
  assert.deepEqual(journal.findCreated(0), { position: before, created: COUNT - 1000 });
  assert.equal(log.offsetAtSync(0), before);
  // A reader on another connection to the file does not find them either.
  const other = new SqliteStore(nodeSqlite(new DatabaseSync(path)));
  const otherJournal = other.open("log");
  await assert.rejects(otherJournal.get(before - 1), NotFoundError);
  assert.deepEqual(await otherJournal.bounds(), { begin: before, end: COUNT });
  // The records kept read as before.
  assert.equal((await log.read(before)).offset, before);

  // reclaim() deletes the rest in bounded steps.
  let steps = 0;
  let left = rowsBelow(raw, "log", before);
  while (journal.reclaim()) {
    steps++;
    const now = rowsBelow(raw, "log", before);
    assert.ok(left - now > 0 && left - now <= RECLAIM_ROWS, `a step deleted ${left - now} rows`);
    left = now;
  }
  assert.ok(steps >= 2, `${steps} steps`);
  assert.equal(rowsBelow(raw, "log", before), 0);
  assert.equal(journal.reclaimPending, false);
  assert.equal(journal.reclaim(), false);
  assert.deepEqual(await log.bounds(), { begin: before, end: COUNT });
  await cleanUp(path, other, store, raw);
});

Deno.test("a new SQLite file gives the pages of truncated records back", async () => {
  const { path, store, raw } = await tempStore();
  const journal = store.open("log");
  fill(journal, COUNT);
  assert.equal(pragma(raw, "auto_vacuum"), 2, "auto_vacuum = INCREMENTAL");
  const pagesBefore = pragma(raw, "page_count");
  await journal.truncate(COUNT);
  while (journal.reclaim());
  const pagesAfter = pragma(raw, "page_count");
  assert.ok(pagesAfter * 10 < pagesBefore, `${pagesBefore} pages, then ${pagesAfter}`);
  assert.equal(pragma(raw, "freelist_count"), 0);
  await cleanUp(path, store, raw);
});

Deno.test("later commits delete what a truncation left, a bounded step each", async () => {
  const { path, store, raw } = await tempStore();
  const journal = store.open("log");
  fill(journal, COUNT);
  const log = new Log({ journal, maxSegmentSize: Infinity });
  await log.truncate(COUNT);
  let left = rowsBelow(raw, "log", COUNT);
  let writes = 0;
  while (left > 0) {
    // Appends during the deletion take the offsets after the end.
    assert.equal(await log.write(new Uint8Array([writes])), COUNT + writes);
    writes++;
    const now = rowsBelow(raw, "log", COUNT);
    assert.ok(
      left - now > 0 && left - now <= COMMIT_RECLAIM_ROWS,
      `a commit deleted ${left - now} rows`,
    );
    left = now;
  }
  assert.equal(journal.reclaimPending, false);
  assert.deepEqual(await log.bounds(), { begin: COUNT, end: COUNT + writes });
  for (let i = 0; i < writes; i++) {
    assert.deepEqual((await log.read(COUNT + i)).data, new Uint8Array([i]));
  }
  await cleanUp(path, store, raw);
});

Deno.test("a reopened journal keeps the beginning of a truncation whose deletion had not finished", async () => {
  const { path, store, raw } = await tempStore();
  const journal = store.open("log");
  fill(journal, COUNT);
  await journal.truncate(COUNT - 1);
  assert.equal(journal.reclaim(), true);
  // The process stops between steps: the store is closed with rows left.
  store.close();
  assert.ok(rowsBelow(raw, "log", COUNT - 1) > 0);

  const reopened = new SqliteStore(nodeSqlite(new DatabaseSync(path)));
  const again = reopened.open("log");
  assert.equal(again.reclaimPending, true, "found at open");
  const log = new Log({ journal: again, maxSegmentSize: Infinity });
  assert.deepEqual(await log.bounds(), { begin: COUNT - 1, end: COUNT });
  await assert.rejects(log.read(COUNT - 2), OutOfRangeError);
  while (again.reclaim());
  assert.equal(rowsBelow(raw, "log", COUNT - 1), 0);
  assert.equal((await log.read(COUNT - 1)).offset, COUNT - 1);
  await cleanUp(path, reopened, raw);
});

Deno.test("a log emptied by a truncation keeps its next offset, before and after the deletion", async () => {
  const { path, store, raw } = await tempStore();
  const journal = store.open("log", { start: 5 });
  fill(journal, COUNT);
  const log = new Log({ journal, maxSegmentSize: Infinity });
  const end = COUNT + 5;
  await log.truncate(end);
  assert.deepEqual(await log.bounds(), { begin: end, end });
  assert.deepEqual(await log.range(), { earliest: -1, latest: -1 });
  await assert.rejects(log.read(end), FutureOffsetError);
  await assert.rejects(log.read(end - 1), OutOfRangeError);
  while (journal.reclaim());
  assert.deepEqual(await log.bounds(), { begin: end, end });
  assert.equal(await log.write(new Uint8Array([1])), end);
  await cleanUp(path, store, raw);
});

Deno.test("retention by segments deletes its own records only, not what a truncation left", async () => {
  const { path, store, raw } = await tempStore();
  const journal = store.open("log");
  fill(journal, COUNT);
  await journal.truncate(COUNT - 100);
  const left = rowsBelow(raw, "log", COUNT - 100);
  assert.ok(left > COMMIT_RECLAIM_ROWS);
  // Writes that rotate segments: each commit deletes retention's range and one step more.
  const log = new Log({ journal, maxSegmentSize: 50 });
  await log.writeBatch(Array.from({ length: 100 }, () => new Uint8Array([1])));
  const { begin } = await log.bounds();
  assert.ok(begin > COUNT - 100, "retention moved the beginning");
  assert.ok(
    rowsBelow(raw, "log", COUNT - 100) >= left - COMMIT_RECLAIM_ROWS,
    "at most one step more went",
  );
  assert.equal(rowsBelow(raw, "log", begin) - rowsBelow(raw, "log", COUNT - 100), 0);
  await cleanUp(path, store, raw);
});

Deno.test("a step deletes large records a few at a time: bounded by bytes, not only rows", async () => {
  const { path, store, raw } = await tempStore();
  const journal = store.open("log");
  // 300 KiB each: the truncation's step (256 KiB) takes one, reclaim()'s (1 MiB) three.
  const big = new Uint8Array(300 * 1024).fill(1);
  for (let pos = 0; pos < 12; pos++) journal.appendRecords(pos, [{ created: 0, data: big }]);
  await journal.truncate(12);
  assert.equal(rowsBelow(raw, "log", 12), 11);
  const deleted: number[] = [];
  for (let left = 11; journal.reclaim() || left > 0;) {
    const now = rowsBelow(raw, "log", 12);
    deleted.push(left - now);
    left = now;
  }
  assert.deepEqual(deleted, [3, 3, 3, 2]);
  await cleanUp(path, store, raw);
});

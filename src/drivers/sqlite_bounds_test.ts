// The bounds of a SQLite journal follow from its records (layout 3): an append writes only
// its records, the catalog's end is kept for an empty journal, and a database of layout 2
// (whose catalog held the exact bounds, with rows a truncation left below the beginning)
// opens with the same bounds and keeps working.
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import { nodeSqlite, SqliteStore } from "../../mod.ts";

/** A database file in a fresh temporary directory, removed on dispose. */
async function tempPath(): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "edgelog_bounds_" });
  return {
    path: `${dir}/log.db`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** The journal's catalog row, read by another connection. */
function catalog(path: string): { begin_pos: number; end_pos: number } {
  const raw = new DatabaseSync(path);
  try {
    const row = raw.prepare("SELECT begin_pos, end_pos FROM edgelog_journals").get()!;
    return { begin_pos: Number(row.begin_pos), end_pos: Number(row.end_pos) };
  } finally {
    raw.close();
  }
}

const record = (created: number, byte: number) => ({ created, data: new Uint8Array([byte]) });

Deno.test("an append leaves the catalog row as it was; the bounds come from the records", async () => {
  await using file = await tempPath();
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(file.path)));
  const journal = store.open("log", { start: 7 });
  journal.appendRecords(7, [record(1, 1), record(1, 2)]);
  journal.appendRecords(9, [record(2, 3)]);
  assert.deepEqual(journal.readBounds(), { begin: 7, end: 10 });
  assert.deepEqual(catalog(file.path), { begin_pos: 7, end_pos: 7 });
  store.close();
  const again = new SqliteStore(nodeSqlite(new DatabaseSync(file.path)));
  assert.deepEqual(again.open("log").readBounds(), { begin: 7, end: 10 });
  again.close();
});

Deno.test("retention moves the beginning by its deletes; one that empties the journal keeps its end", async () => {
  await using file = await tempPath();
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(file.path)));
  const journal = store.open("log");
  journal.appendRecords(0, [record(1, 1), record(1, 2), record(1, 3)]);
  journal.appendRecords(3, [record(2, 4)], 2);
  assert.deepEqual(journal.readBounds(), { begin: 2, end: 4 });
  assert.deepEqual(catalog(file.path), { begin_pos: 0, end_pos: 0 });
  // Retention of everything: no row is left to tell the end, the catalog does.
  journal.appendRecords(4, [record(3, 5)], 5);
  assert.deepEqual(journal.readBounds(), { begin: 5, end: 5 });
  assert.deepEqual(catalog(file.path), { begin_pos: 5, end_pos: 5 });
  store.close();
  const again = new SqliteStore(nodeSqlite(new DatabaseSync(file.path)));
  const reopened = again.open("log");
  assert.deepEqual(reopened.readBounds(), { begin: 5, end: 5 });
  reopened.appendRecords(5, [record(4, 6)]);
  assert.deepEqual(reopened.readBounds(), { begin: 5, end: 6 });
  assert.deepEqual(reopened.readRecord(5)?.data, new Uint8Array([6]));
  again.close();
});

Deno.test("a database of layout 2 (exact bounds, a truncation half deleted) opens with its bounds", async () => {
  await using file = await tempPath();
  // As today's main leaves it: the catalog holds the exact bounds [5, 10), the rows 2..4 wait
  // for reclaim() below the beginning, and a producer wrote record 9.
  const old = new DatabaseSync(file.path);
  old.exec(`CREATE TABLE edgelog_schema (part TEXT PRIMARY KEY, version INTEGER NOT NULL);
    INSERT INTO edgelog_schema VALUES ('journals', 2);
    CREATE TABLE edgelog_journals (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
      origin INTEGER NOT NULL, begin_pos INTEGER NOT NULL, end_pos INTEGER NOT NULL);
    INSERT INTO edgelog_journals VALUES (1, 'log', 0, 5, 10);
    CREATE TABLE edgelog_records_1 (pos INTEGER PRIMARY KEY, created INTEGER NOT NULL, data BLOB);
    CREATE TABLE edgelog_producers (journal_id INTEGER NOT NULL, producer TEXT NOT NULL,
      epoch INTEGER NOT NULL, seq INTEGER NOT NULL, first_pos INTEGER NOT NULL,
      count INTEGER NOT NULL, last_used INTEGER NOT NULL, PRIMARY KEY (journal_id, producer))
      WITHOUT ROWID;
    INSERT INTO edgelog_producers VALUES (1, 'p', 0, 0, 9, 1, 1000);`);
  const insert = old.prepare("INSERT INTO edgelog_records_1 VALUES (?, 1000, ?)");
  for (let pos = 2; pos < 10; pos++) insert.run(pos, new Uint8Array([pos]));
  old.close();

  const store = new SqliteStore(nodeSqlite(new DatabaseSync(file.path)));
  const journal = store.open("log");
  assert.deepEqual(journal.readBounds(), { begin: 5, end: 10 });
  assert.equal(journal.readRecord(4), undefined);
  assert.deepEqual(journal.readRecords(5, 10).map((r) => r.data[0]), [5, 6, 7, 8, 9]);
  assert.deepEqual(journal.readProducer("p")?.offset, 9);
  assert.equal(journal.reclaimPending, true);
  journal.appendRecords(10, [record(2000, 10)]);
  while (journal.reclaim());
  journal.truncateRecords(8);
  store.close();

  const again = new SqliteStore(nodeSqlite(new DatabaseSync(file.path)));
  const reopened = again.open("log");
  assert.deepEqual(reopened.readBounds(), { begin: 8, end: 11 });
  assert.deepEqual(reopened.readRecords(8, 10).map((r) => r.data[0]), [8, 9, 10]);
  again.close();
  const raw = new DatabaseSync(file.path);
  const row = raw.prepare("SELECT version FROM edgelog_schema WHERE part = 'journals'").get();
  raw.close();
  assert.equal(row?.version, 3);
});

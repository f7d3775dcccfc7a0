// The Log and SqliteJournal on a SQLite file (node:sqlite, WAL, synchronous=FULL: every
// commit is synced). Same-run baselines are raw node:sqlite transactions on a file with
// the same settings, so the ratios show the driver's overhead over SQLite itself.
import { DatabaseSync } from "node:sqlite";
import { Log, type LogRecord, nodeSqlite, SqliteStore } from "../mod.ts";
import { BATCH_SIZE, payload, payloads, SEGMENT_SIZE } from "./fixtures.ts";

const dir = await Deno.makeTempDir({ prefix: "edgelog_bench_" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const data = payload();
const batch = payloads(BATCH_SIZE);
let sink = 0;

/** A raw node:sqlite database file set up like `nodeSqlite` sets up its connection. */
function rawDatabase(name: string): { db: DatabaseSync; insert: (pos: number) => void } {
  const db = new DatabaseSync(`${dir}/${name}.db`);
  db.exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL");
  db.exec("CREATE TABLE records (pos INTEGER PRIMARY KEY, created INTEGER NOT NULL, data BLOB)");
  const statement = db.prepare("INSERT INTO records (pos, created, data) VALUES (?, ?, ?)");
  return { db, insert: (pos) => statement.run(pos, Date.now(), data) };
}

/** A Log over a SqliteJournal in its own database file. */
function sqliteLog(name: string): Log {
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(`${dir}/${name}.db`)));
  return new Log({ maxSegmentSize: SEGMENT_SIZE, journal: store.open(name) });
}

// Single appends: one transaction, one synced commit, per record.
{
  const raw = rawDatabase("raw_single");
  let pos = 0;
  Deno.bench("baseline: node:sqlite INSERT in its own transaction", {
    group: "SQLite single append",
    baseline: true,
  }, () => {
    raw.db.exec("BEGIN IMMEDIATE");
    raw.insert(pos++);
    raw.db.exec("COMMIT");
  });
  const log = sqliteLog("log_single");
  Deno.bench("Log.write (32 B, SQLite file)", { group: "SQLite single append" }, async () => {
    sink += await log.write(data);
  });
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(`${dir}/journal.db`)));
  const journal = store.open("journal");
  let end = 0;
  Deno.bench("SqliteJournal.append (32 B)", { group: "SQLite single append" }, async () => {
    await journal.append(end++, data);
  });
}

// Batches of 100: one transaction per batch.
{
  const raw = rawDatabase("raw_batch");
  let pos = 0;
  Deno.bench(`baseline: node:sqlite ${BATCH_SIZE} INSERTs in one transaction`, {
    group: "SQLite batch append",
    baseline: true,
  }, () => {
    raw.db.exec("BEGIN IMMEDIATE");
    for (let i = 0; i < BATCH_SIZE; i++) raw.insert(pos++);
    raw.db.exec("COMMIT");
  });
  const log = sqliteLog("log_batch");
  Deno.bench(`Log.writeBatch (${BATCH_SIZE} x 32 B, SQLite file)`, {
    group: "SQLite batch append",
  }, async () => {
    sink += await log.writeBatch(batch);
  });
  const coalesced = sqliteLog("log_coalesced");
  Deno.bench(`${BATCH_SIZE} concurrent Log.write (coalesced, SQLite file)`, {
    group: "SQLite batch append",
  }, async () => {
    const offsets = await Promise.all(batch.map((record) => coalesced.write(record)));
    sink += offsets.length;
  });
}

// Reads from a full log: two segments of 1000 records.
{
  const log = sqliteLog("log_read");
  for (let i = 0; i < 2 * SEGMENT_SIZE; i += BATCH_SIZE) await log.writeBatch(batch);
  const { earliest, latest } = await log.range();
  const span = latest - earliest + 1;
  const journal = log.journal;
  const raw = new DatabaseSync(`${dir}/log_read.db`, { readOnly: true });
  // The driver's own table for the journal, read by the raw baselines: one row by its
  // position, and a page by a range of positions (the fastest forms of each).
  const row = raw.prepare("SELECT id FROM edgelog_journals WHERE name = ?").get("log_read");
  const table = `edgelog_records_${Number(row?.id)}`;
  const selectOne = raw.prepare(`SELECT pos, created, data FROM ${table} WHERE pos = ?`);
  const selectPage = raw.prepare(
    `SELECT pos, created, data FROM ${table} WHERE pos >= ? ORDER BY pos LIMIT ${BATCH_SIZE}`,
  );
  // Rows as arrays (node:sqlite builds them faster than objects), each row's fields read.
  selectOne.setReturnArrays(true);
  selectPage.setReturnArrays(true);
  const fields = (row: unknown) => {
    const [pos, created, data] = row as [number, number, Uint8Array];
    return pos + created + data.byteLength;
  };
  let next = 0;

  Deno.bench("baseline: node:sqlite SELECT 1 row (WHERE pos = ?)", {
    group: "SQLite read",
    baseline: true,
  }, () => {
    sink += fields(selectOne.get(earliest + (next++ % span)));
  });
  Deno.bench("Log.read (32 B, SQLite file)", { group: "SQLite read" }, async () => {
    sink += (await log.read(earliest + (next++ % span))).offset;
  });
  Deno.bench("SqliteJournal.readRecord (32 B)", { group: "SQLite read" }, () => {
    sink += journal.readRecord(earliest + (next++ % span))?.position ?? 0;
  });
  Deno.bench("SqliteJournal.get (32 B)", { group: "SQLite read" }, async () => {
    sink += (await journal.get(earliest + (next++ % span))).byteLength;
  });

  const records = new Array<LogRecord>(BATCH_SIZE);
  const starts = span - BATCH_SIZE + 1;
  Deno.bench(`baseline: node:sqlite SELECT ${BATCH_SIZE} rows`, {
    group: "SQLite readBatch",
    baseline: true,
  }, () => {
    for (const row of selectPage.all(earliest + (next++ % starts))) sink += fields(row);
  });
  Deno.bench(`Log.readBatch (${BATCH_SIZE} x 32 B, SQLite file)`, {
    group: "SQLite readBatch",
  }, async () => {
    sink += await log.readBatch(earliest + (next++ % starts), records);
  });
}

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});

// Log.read and Log.readBatch over SQLite against raw node:sqlite SELECTs of the same rows,
// interleaved: each case runs in short slices taken in turn, many rounds, and the figures are
// the median time per operation over the rounds. `deno bench` (bench/sqlite_bench.ts) runs
// the same cases one after another, which a shared machine's drifting load skews; this is
// the ratio to quote. Usage: `deno run -A bench/sqlite_read_ratio.ts` (READ_ROUNDS, default 40).
import { DatabaseSync } from "node:sqlite";
import { Log, type LogRecord, nodeSqlite, SqliteStore } from "../mod.ts";
import { BATCH_SIZE, payloads, SEGMENT_SIZE } from "./fixtures.ts";

const ROUNDS = Number(Deno.env.get("READ_ROUNDS") ?? 40);
const dir = await Deno.makeTempDir({ prefix: "edgelog_read_ratio_" });
const path = `${dir}/log.db`;
const store = new SqliteStore(nodeSqlite(new DatabaseSync(path)));
const journal = store.open("log");
const log = new Log({ maxSegmentSize: SEGMENT_SIZE, journal });
const batch = payloads(BATCH_SIZE);
for (let i = 0; i < 2 * SEGMENT_SIZE; i += BATCH_SIZE) await log.writeBatch(batch);
const { earliest, latest } = await log.range();
const span = latest - earliest + 1;
const starts = span - BATCH_SIZE + 1;

// The raw baselines, on their own connection: the fastest SELECTs of the same rows (rows as
// arrays, which node:sqlite builds faster than objects), each row's fields read.
const raw = new DatabaseSync(path, { readOnly: true });
const id = Number(raw.prepare("SELECT id FROM edgelog_journals WHERE name = 'log'").get()?.id);
const selectOne = raw.prepare(`SELECT pos, created, data FROM edgelog_records_${id} WHERE pos = ?`);
const selectPage = raw.prepare(
  `SELECT pos, created, data FROM edgelog_records_${id} WHERE pos >= ? ORDER BY pos LIMIT ${BATCH_SIZE}`,
);

// The same SELECT with rows as objects (node:sqlite's default), for comparison.
const selectObject = raw.prepare(
  `SELECT pos, created, data FROM edgelog_records_${id} WHERE pos = ?`,
);
// The statement the driver ran for one record before this change, for comparison.
const selectBefore = raw.prepare(
  `SELECT pos, created, data FROM edgelog_records_${id} WHERE pos >= ? ORDER BY pos LIMIT ?`,
);
selectOne.setReturnArrays(true);
selectPage.setReturnArrays(true);
let sink = 0;
/** Reads a raw row's fields, as a reader of the record would. */
const fields = (row: unknown) => {
  const [pos, created, data] = row as [number, number, Uint8Array];
  return pos + created + data.byteLength;
};
/** Reads a record's fields as `fields` reads a raw row's: its Date and bytes are built. */
const recordFields = (record: LogRecord) =>
  record.offset + record.created.getTime() + record.data.byteLength;
const records = new Array<LogRecord>(BATCH_SIZE);
/** A case: its name, operations per slice, and one operation (`i` picks the offset). */
type Case = { name: string; ops: number; run: (i: number) => unknown };
const cases: Case[] = [
  {
    name: "raw SELECT 1 row (WHERE pos = ?)",
    ops: 2000,
    run: (i) => sink += fields(selectOne.get(earliest + (i % span))),
  },
  {
    name: "Log.read, awaited",
    ops: 2000,
    run: async (i) => sink += (await log.read(earliest + (i % span))).offset,
  },
  {
    name: "Log.readSync",
    ops: 2000,
    run: (i) => sink += log.readSync(earliest + (i % span)).offset,
  },
  {
    name: "Log.readSync, every field read",
    ops: 2000,
    run: (i) => sink += recordFields(log.readSync(earliest + (i % span))),
  },
  {
    name: "SqliteJournal.readRecord",
    ops: 2000,
    run: (i) => sink += journal.readRecord(earliest + (i % span))?.position ?? 0,
  },
  {
    name: "awaited no-op (an async call)",
    ops: 2000,
    run: async (i) => sink += await Promise.resolve(i),
  },
  {
    name: "raw SELECT 1 row, as an object",
    ops: 2000,
    run: (i) => {
      const row = selectObject.get(earliest + (i % span)) as Record<string, unknown>;
      sink += Number(row.pos) + Number(row.created) + (row.data as Uint8Array).byteLength;
    },
  },
  {
    name: "the driver's SELECT before (>=, LIMIT ?)",
    ops: 2000,
    run: (i) => {
      const row = selectBefore.all(earliest + (i % span), 1)[0] as Record<string, unknown>;
      sink += Number(row.pos) + Number(row.created) + (row.data as Uint8Array).byteLength;
    },
  },
  {
    name: `raw SELECT ${BATCH_SIZE} rows`,
    ops: 40,
    run: (i) => {
      for (const row of selectPage.all(earliest + (i % starts))) sink += fields(row);
    },
  },
  {
    name: `Log.readBatch(${BATCH_SIZE}), awaited`,
    ops: 40,
    run: async (i) => sink += await log.readBatch(earliest + (i % starts), records),
  },
];

const times = cases.map((): number[] => []);
for (let round = 0; round < ROUNDS; round++) {
  // Every other round in reverse order, so that no case always follows the same one.
  const order = round % 2 === 0 ? cases.keys() : [...cases.keys()].reverse();
  for (const c of order) {
    const { ops, run } = cases[c]!;
    const start = performance.now();
    for (let i = 0; i < ops; i++) {
      const result = run(i + round * ops);
      if (result instanceof Promise) await result;
    }
    times[c]!.push(((performance.now() - start) * 1000) / ops);
  }
}
const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
const medians = times.map(median);
console.log(`${ROUNDS} interleaved rounds, median µs per operation:`);
for (const [c, { name }] of cases.entries()) {
  console.log(`  ${name.padEnd(42)} ${medians[c]!.toFixed(2).padStart(8)} µs`);
}
console.log(`Log.read / raw SELECT 1 row: ${(medians[1]! / medians[0]!).toFixed(2)}x`);
console.log(`Log.readSync / raw SELECT 1 row: ${(medians[2]! / medians[0]!).toFixed(2)}x`);
console.log(
  `Log.readSync, every field read / raw SELECT 1 row: ${(medians[3]! / medians[0]!).toFixed(2)}x`,
);
console.log(`SqliteJournal.readRecord / raw: ${(medians[4]! / medians[0]!).toFixed(2)}x`);
console.log(`Log.read / raw SELECT as an object: ${(medians[1]! / medians[6]!).toFixed(2)}x`);
console.log(
  `Log.readBatch(${BATCH_SIZE}) / raw SELECT ${BATCH_SIZE} rows: ${
    (medians[9]! / medians[8]!).toFixed(2)
  }x (${(medians[9]! / BATCH_SIZE).toFixed(2)} µs per record)`,
);
store.close();
raw.close();
await Deno.remove(dir, { recursive: true });
if (sink === -1) console.log(sink);

// Truncation of many records over a SQLite file (node:sqlite, WAL, synchronous=FULL): the
// truncation's own time, then each step of SqliteJournal.reclaim() until nothing is left (the
// longest and the median), the file's pages before and after, against the same-run baseline of
// one `DELETE FROM ... WHERE pos < N` of as many rows in a copy of the same table.
// Usage: `deno run -A bench/sqlite_truncate.ts [records]` (default 1,000,000 of 32 bytes).
import { DatabaseSync } from "node:sqlite";
import { nodeSqlite, SqliteStore } from "../mod.ts";

const RECORDS = Number(Deno.args[0] ?? 1_000_000);
const KEEP = 10;
const dir = await Deno.makeTempDir({ prefix: "edgelog_truncate_" });
const path = `${dir}/log.db`;
const store = new SqliteStore(nodeSqlite(new DatabaseSync(path)));
const journal = store.open("log");
const data = new Uint8Array(32).fill(7);
for (let done = 0; done < RECORDS; done += 1000) {
  const n = Math.min(1000, RECORDS - done);
  journal.appendRecords(done, Array.from({ length: n }, () => ({ created: 0, data })));
}
const probe = new DatabaseSync(path);
const pages = () => {
  const count = (name: string) => Number(Object.values(probe.prepare(`PRAGMA ${name}`).get()!)[0]);
  return { pages: count("page_count"), free: count("freelist_count") };
};
const mib = (n: number) => `${((n * 4096) / 1048576).toFixed(2)} MiB`;
const before = pages();

let start = performance.now();
await journal.truncate(RECORDS - KEEP);
const truncation = performance.now() - start;
const steps: number[] = [];
for (let more = true; more;) {
  start = performance.now();
  more = journal.reclaim();
  steps.push(performance.now() - start);
}
const after = pages();
store.close();

// The baseline: one DELETE of as many rows, in a table of the same shape and content.
const raw = new DatabaseSync(`${dir}/raw.db`);
raw.exec("PRAGMA journal_mode = WAL");
raw.exec("CREATE TABLE t (pos INTEGER PRIMARY KEY, created INTEGER NOT NULL, data BLOB)");
raw.prepare(
  "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < ?) " +
    "INSERT INTO t SELECT x, 0, zeroblob(32) FROM c",
).run(RECORDS - 1);
start = performance.now();
raw.prepare("DELETE FROM t WHERE pos < ?").run(RECORDS - KEEP);
const oneDelete = performance.now() - start;
raw.close();
probe.close();

const sorted = [...steps].sort((a, b) => a - b);
const ms = (value: number) => `${value.toFixed(1)} ms`;
console.log(`Truncation of ${(RECORDS - KEEP).toLocaleString("en")} records of 32 B:`);
console.log(`  one DELETE statement of as many rows (same run): ${ms(oneDelete)}`);
console.log(`  the truncation itself (moves the beginning, first step): ${ms(truncation)}`);
console.log(
  `  reclaim() steps: ${steps.length}, longest ${ms(sorted.at(-1)!)}, median ${
    ms(sorted[sorted.length >> 1]!)
  }, total ${ms(steps.reduce((a, b) => a + b, 0))}`,
);
console.log(
  `  file: ${before.pages} pages (${mib(before.pages)}, ${before.free} free) before, ` +
    `${after.pages} pages (${mib(after.pages)}, ${after.free} free) after`,
);
await Deno.remove(dir, { recursive: true });

import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import { ClosedError, Log, nodeSqlite, SqliteStore } from "../../mod.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function tempDb(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "edgelog_sqlite_" });
  return `${dir}/events.db`;
}

Deno.test("SqliteStore keeps every acknowledged record after its process is killed", async () => {
  const path = await tempDb();
  // A child process writes 500 records one by one and in batches, reports each
  // acknowledged offset on stdout, and is then killed with SIGKILL without closing.
  const script = `
    import { DatabaseSync } from "node:sqlite";
    import { Log, nodeSqlite, SqliteStore } from "${new URL("../../mod.ts", import.meta.url)}";
    const store = new SqliteStore(nodeSqlite(new DatabaseSync(${JSON.stringify(path)})));
    const log = new Log({ journal: store.open("events"), startOffset: 7 });
    for (let i = 0; i < 250; i++) {
      const offset = await log.write(new TextEncoder().encode("single " + i));
      console.log(offset);
    }
    for (let b = 0; b < 25; b++) {
      const records = Array.from({ length: 10 }, (_, i) => new TextEncoder().encode("batch " + (b * 10 + i)));
      console.log(await log.writeBatch(records));
    }
    console.log("done");
    await new Promise(() => {}); // never exits by itself
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let output = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (!output.includes("done")) {
    const { value, done } = await reader.read();
    if (done) break;
    output += value;
  }
  child.kill("SIGKILL");
  await child.status;
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});

  const acknowledged = output.trim().split("\n").filter((l) => l !== "done").map(Number);
  assert.equal(acknowledged.length, 275);
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(path)));
  const log = new Log({ journal: store.open("events") });
  assert.deepEqual(await log.range(), { earliest: 7, latest: 7 + 499 });
  for (let i = 0; i < 250; i++) {
    assert.equal(acknowledged[i], 7 + i);
    assert.equal(text((await log.read(7 + i)).data), `single ${i}`);
  }
  for (let i = 0; i < 250; i++) {
    assert.equal(text((await log.read(7 + 250 + i)).data), `batch ${i}`);
  }
  // The log continues where the killed process stopped.
  assert.equal(await log.write(bytes("after")), 507);
  store.close();
});

Deno.test("SqliteStore keeps named journals apart in one file", async () => {
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(await tempDb())));
  const a = store.open("tenant-a/orders");
  const b = store.open("tenant-b/orders", { start: 100 });
  await a.append(0, bytes("a0"));
  await b.append(100, bytes("b100"));
  await a.append(1, bytes("a1"));
  assert.deepEqual(await a.bounds(), { begin: 0, end: 2 });
  assert.deepEqual(await b.bounds(), { begin: 100, end: 101 });
  assert.equal(text(await b.get(100)), "b100");
  assert.deepEqual(store.names(), ["tenant-a/orders", "tenant-b/orders"]);
  store.close();
});

Deno.test("SqliteStore.delete() removes a journal's records and closes its open journals", async () => {
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
  const journal = store.open("doomed");
  await journal.append(0, bytes("x"));
  assert.equal(store.delete("doomed"), true);
  assert.equal(store.delete("doomed"), false);
  await assert.rejects(journal.bounds(), ClosedError);
  const fresh = store.open("doomed");
  assert.deepEqual(await fresh.bounds(), { begin: 0, end: 0 });
  store.close();
});

Deno.test("SqliteStore.open() ignores start for a journal that exists already", async () => {
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
  await store.open("log", { start: 5 }).append(5, bytes("x"));
  assert.deepEqual(await store.open("log", { start: 50 }).bounds(), { begin: 5, end: 6 });
  store.close();
});

Deno.test("SqliteStore rejects use after close() and bad names", async () => {
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
  assert.throws(() => store.open(""), RangeError);
  assert.throws(() => store.open(42 as unknown as string), TypeError);
  const journal = store.open("log");
  store.close();
  store.close();
  assert.throws(() => store.open("log"), ClosedError);
  await assert.rejects(journal.get(0), ClosedError);
});

Deno.test("SqliteJournal appends a batch larger than one INSERT statement atomically", async () => {
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
  const log = new Log({ journal: store.open("log") });
  const records = Array.from({ length: 250 }, (_, i) => bytes(`r${i}`));
  assert.equal(await log.writeBatch(records), 0);
  // A batch whose last record is too large fails whole: nothing of it is stored.
  const tooLarge = [...records.slice(0, 99), new Uint8Array(log.maxRecordSize + 1)];
  await assert.rejects(log.writeBatch(tooLarge));
  assert.deepEqual(await log.range(), { earliest: 0, latest: 249 });
  assert.equal(text((await log.read(249)).data), "r249");
  store.close();
});

Deno.test("SqliteJournal stores one commit of records with mixed created times exactly", async () => {
  const adapter = nodeSqlite(new DatabaseSync(":memory:"));
  const inserts: number[] = [];
  const store = new SqliteStore({
    ...adapter,
    exec(sql, ...params) {
      if (sql.startsWith("INSERT INTO edgelog_records")) inserts.push(params.length);
      return adapter.exec(sql, ...params);
    },
  });
  // The clock ticks when told: runs of equal created times of every length around the
  // INSERT shapes (49 and 98 rows), singles between them, and batches packed in one buffer.
  let now = 1_000;
  const log = new Log({ journal: store.open("log"), clock: () => new Date(now) });
  const runs = [1, 48, 49, 50, 97, 98, 99, 1, 2, 200, 1, 3];
  const expected: Array<{ created: number; text: string }> = [];
  const writes: Promise<number>[] = [];
  for (const [r, length] of runs.entries()) {
    now += 1;
    const texts = Array.from({ length }, (_, i) => `run ${r} record ${i}`);
    if (r % 2 === 0) writes.push(...texts.map((t) => log.write(bytes(t))));
    else writes.push(log.writeBatch(texts.map(bytes)));
    expected.push(...texts.map((text) => ({ created: now, text })));
  }
  inserts.length = 0;
  await Promise.all(writes); // one coalesced commit
  assert.ok(inserts.every((n) => n <= 100), `parameters per INSERT: ${inserts}`);
  const stored = log.journal.readRecords(0, expected.length + 1);
  assert.deepEqual(
    stored.map((r) => ({ position: r.position, created: r.created, text: text(r.data) })),
    expected.map((e, position) => ({ position, ...e })),
  );
  store.close();
});

Deno.test("SqliteJournal rolls back a batch whose commit fails", async () => {
  const adapter = nodeSqlite(new DatabaseSync(":memory:"));
  let inserts = 0;
  const failing = {
    ...adapter,
    exec(sql: string, ...params: Parameters<typeof adapter.exec>[1][]) {
      // The second INSERT of the batch fails, after the first stored its rows.
      if (sql.startsWith("INSERT INTO edgelog_records") && ++inserts === 2) {
        throw new Error("disk full");
      }
      return adapter.exec(sql, ...params);
    },
  };
  const store = new SqliteStore(failing);
  const log = new Log({ journal: store.open("log") });
  // More records than one INSERT takes.
  await assert.rejects(log.writeBatch(Array.from({ length: 150 }, () => bytes("x"))), /disk full/);
  assert.equal(inserts, 2);
  assert.deepEqual(await log.range(), { earliest: -1, latest: -1 });
  // The failed batch consumed no offset.
  assert.equal(await log.write(bytes("y")), 0);
  store.close();
});

Deno.test("Log keeps the start of a fresh journal when no startOffset is given", async () => {
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
  const log = new Log({ journal: store.open("log", { start: 100 }) });
  assert.equal(log.startOffset, 100);
  assert.equal(await log.write(bytes("x")), 100);
  const placed = new Log({ journal: store.open("other", { start: 100 }), startOffset: 7 });
  assert.equal(await placed.write(bytes("y")), 7);
  store.close();
});

Deno.test("Log gathers writes of separate tasks into one commit when scheduleCommit defers it", async () => {
  for (const [deferred, commits] of [[false, 2], [true, 1]] as const) {
    const adapter = nodeSqlite(new DatabaseSync(":memory:"));
    let transactions = 0;
    const store = new SqliteStore({
      ...adapter,
      transaction: (fn) => (transactions++, adapter.transaction(fn)),
    });
    const log = new Log({
      journal: store.open("log"),
      ...(deferred ? { scheduleCommit: (commit: () => void) => setTimeout(commit, 0) } : {}),
    });
    transactions = 0;
    // Two writes from two tasks, as two requests reach a Durable Object.
    const inTask = (data: Uint8Array) =>
      new Promise<number>((resolve, reject) => {
        setTimeout(() => log.write(data).then(resolve, reject), 0);
      });
    assert.deepEqual(await Promise.all([inTask(bytes("a")), inTask(bytes("b"))]), [0, 1]);
    assert.equal(transactions, commits);
    assert.equal(text((await log.read(1)).data), "b");
    store.close();
  }
});

Deno.test("Log.flush() commits gathered writes so that a new Log over the journal does not race them", async () => {
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
  const journal = store.open("log");
  const deferred = { scheduleCommit: (commit: () => void) => setTimeout(commit, 0) };
  const old = new Log({ journal, ...deferred });
  const first = old.write(bytes("old"));
  old.flush();
  // A Log built after flush() sees the committed end and appends after it.
  const next = new Log({ journal, ...deferred, maxRecordSize: 10 });
  assert.deepEqual(await Promise.all([first, next.write(bytes("new"))]), [0, 1]);
  assert.equal(text((await next.read(1)).data), "new");
  store.close();
});

// Producer states in a SQLite database beyond one journal's lifetime: across a reopened
// file, a deleted journal, journals that share a store, and a database written before
// producers existed (layout version 1). The conformance suite covers each journal alone.
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import { Log, nodeSqlite, ProducerSeqGapError, SqliteStore, StaleEpochError } from "../../mod.ts";

const producer = (id: string, seq: number, epoch = 0) => ({ id, epoch, seq });

async function tempDb(): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "edgelog_producers_" });
  return {
    path: `${dir}/events.db`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("Producer states survive closing and reopening the database file", async () => {
  await using db = await tempDb();
  const first = new SqliteStore(nodeSqlite(new DatabaseSync(db.path)));
  const log = new Log({ journal: first.open("log") });
  await log.write(new Uint8Array([1]), { producer: producer("p", 0) });
  await log.writeBatch([new Uint8Array([2]), new Uint8Array([3])], { producer: producer("p", 1) });
  first.close();

  const second = new SqliteStore(nodeSqlite(new DatabaseSync(db.path)));
  const reopened = new Log({ journal: second.open("log") });
  const retry = await reopened.writeBatch([new Uint8Array([2]), new Uint8Array([3])], {
    producer: producer("p", 1),
  });
  assert.deepEqual(retry, { offset: 1, count: 2, duplicate: true });
  assert.deepEqual(
    await reopened.write(new Uint8Array([4]), { producer: producer("p", 2) }),
    { offset: 3, count: 1, duplicate: false },
  );
  second.close();
});

Deno.test("SqliteStore.delete() removes a journal's producer states", async () => {
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
  const log = new Log({ journal: store.open("doomed") });
  await log.write(new Uint8Array([1]), { producer: producer("p", 0) });
  assert.equal(store.delete("doomed"), true);
  // A journal created again under the name knows no producer: seq 0 is a first write.
  const fresh = store.open("doomed");
  assert.equal(fresh.readProducer("p"), undefined);
  const again = new Log({ journal: fresh });
  assert.deepEqual(
    await again.write(new Uint8Array([1]), { producer: producer("p", 0) }),
    { offset: 0, count: 1, duplicate: false },
  );
  store.close();
});

Deno.test("Journals of one SqliteStore keep the states of producers with the same id apart", async () => {
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
  const a = new Log({ journal: store.open("a") });
  const b = new Log({ journal: store.open("b") });
  await a.write(new Uint8Array([1]), { producer: producer("p", 0, 3) });
  assert.deepEqual(
    await b.write(new Uint8Array([1]), { producer: producer("p", 0, 1) }),
    { offset: 0, count: 1, duplicate: false },
  );
  await a.write(new Uint8Array([2]), { producer: producer("p", 1, 3) });
  assert.equal(a.journal.readProducer("p")?.seq, 1);
  assert.equal(b.journal.readProducer("p")?.epoch, 1);
  // maxProducers prunes within a journal only.
  const c = new Log({ journal: store.open("c"), maxProducers: 1 });
  await c.write(new Uint8Array([1]), { producer: producer("q", 0) });
  await c.write(new Uint8Array([2]), { producer: producer("r", 0) });
  assert.equal(c.journal.readProducer("q"), undefined);
  assert.equal(c.journal.readProducer("r")?.seq, 0);
  assert.equal(a.journal.readProducer("p")?.seq, 1);
  store.close();
});

Deno.test("A journal reads a producer's state again once another connection to the file wrote", async (t) => {
  // Each journal keeps the states it read or stored in memory; a second connection's write
  // must not be judged against them.
  await using db = await tempDb();
  const first = new SqliteStore(nodeSqlite(new DatabaseSync(db.path)));
  const second = new SqliteStore(nodeSqlite(new DatabaseSync(db.path)));
  const here = new Log({ journal: first.open("log") });
  const there = new Log({ journal: second.open("log") });
  const one = new Uint8Array([1]);

  await t.step("a retry of a write made through the other connection is a duplicate", async () => {
    await here.write(one, { producer: producer("p", 0) });
    assert.deepEqual(
      await there.write(one, { producer: producer("p", 1) }),
      { offset: 1, count: 1, duplicate: false },
    );
    assert.deepEqual(
      await here.write(one, { producer: producer("p", 1) }),
      { offset: 1, count: 1, duplicate: true },
    );
    assert.deepEqual(await here.bounds(), { begin: 0, end: 2 });
  });

  await t.step("an epoch raised through the other connection fences this one", async () => {
    await here.write(one, { producer: producer("q", 0) });
    await there.write(one, { producer: producer("q", 0, 1) });
    await assert.rejects(() => here.write(one, { producer: producer("q", 1) }), StaleEpochError);
    assert.deepEqual(await here.bounds(), { begin: 0, end: 4 });
  });

  await t.step("a state pruned through the other connection is not taken for known", async () => {
    const pruning = new Log({ journal: second.open("log"), maxProducers: 1 });
    await here.write(one, { producer: producer("r", 0) });
    // A new producer with maxProducers 1 prunes every other state, r's included.
    await pruning.write(one, { producer: producer("s", 0) });
    assert.equal(pruning.journal.readProducer("r"), undefined);
    // r is unknown again: its next seq is a gap, not a write.
    await assert.rejects(
      () => here.write(one, { producer: producer("r", 1) }),
      ProducerSeqGapError,
    );
  });

  await t.step("pruning counts the states written through the other connection", async () => {
    const few = new Log({ journal: first.open("log"), maxProducers: 2 });
    await few.write(one, { producer: producer("t", 0) });
    // Through the other connection: two more producers this one has not seen.
    await there.write(one, { producer: producer("u", 0) });
    await there.write(one, { producer: producer("v", 0) });
    // A new one here prunes down to 2: the newest two of all four.
    await few.write(one, { producer: producer("w", 0) });
    const rows = new DatabaseSync(db.path).prepare(
      "SELECT producer FROM edgelog_producers ORDER BY last_used, producer",
    ).all().map((row) => row.producer);
    assert.deepEqual(rows, ["v", "w"]);
  });
  first.close();
  second.close();
});

Deno.test("SqliteStore brings a database of layout 1 (before producers) to the current layout", async () => {
  await using db = await tempDb();
  // Layout 1: the catalog and a journal's records, no producers, no version table.
  const old = new DatabaseSync(db.path);
  old.exec(`CREATE TABLE edgelog_journals (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, origin INTEGER NOT NULL,
    begin_pos INTEGER NOT NULL, end_pos INTEGER NOT NULL)`);
  old.exec("INSERT INTO edgelog_journals VALUES (1, 'log', 0, 0, 2)");
  old.exec(
    "CREATE TABLE edgelog_records_1 (pos INTEGER PRIMARY KEY, created INTEGER NOT NULL, data BLOB)",
  );
  old.exec("INSERT INTO edgelog_records_1 VALUES (0, 1000, x'01'), (1, 1000, x'02')");
  old.close();

  const store = new SqliteStore(nodeSqlite(new DatabaseSync(db.path)));
  const log = new Log({ journal: store.open("log") });
  assert.deepEqual(await log.bounds(), { begin: 0, end: 2 });
  assert.deepEqual((await log.read(1)).data, new Uint8Array([2]));
  assert.deepEqual(
    await log.write(new Uint8Array([3]), { producer: producer("p", 0) }),
    { offset: 2, count: 1, duplicate: false },
  );
  store.close();

  const check = new DatabaseSync(db.path);
  const version = check.prepare("SELECT version FROM edgelog_schema WHERE part = 'journals'").get();
  assert.equal(version?.version, 3);
  check.close();
});

Deno.test("SqliteStore refuses a database written with a newer layout", () => {
  const database = new DatabaseSync(":memory:");
  database.exec("CREATE TABLE edgelog_schema (part TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  database.exec("INSERT INTO edgelog_schema VALUES ('journals', 4)");
  assert.throws(() => new SqliteStore(nodeSqlite(database)), RangeError);
  // Nothing was changed: the version is still the newer one.
  assert.equal(
    database.prepare("SELECT version FROM edgelog_schema WHERE part = 'journals'").get()?.version,
    4,
  );
  database.close();
});

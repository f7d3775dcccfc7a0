// The SQLite driver's producer rows beyond the conformance suite: many producers in one commit
// (multi-row upserts), pruning by count and age in SQL, and the rows after reopening the file.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { Log } from "../core/log.ts";
import { nodeSqlite } from "./sql.ts";
import { SqliteStore } from "./sqlite_store.ts";

const gathered = (commit: () => void) => setTimeout(commit, 0);

Deno.test("40 producers' writes gathered in one commit are all stored, and known after reopening", async () => {
  const path = await Deno.makeTempFile({ suffix: ".db" });
  try {
    const store = new SqliteStore(nodeSqlite(new DatabaseSync(path)));
    const log = new Log({ journal: store.open("log"), scheduleCommit: gathered });
    const writes = Array.from(
      { length: 40 },
      (_, i) => log.write(new Uint8Array([i]), { producer: { id: `p${i}`, epoch: i, seq: 0 } }),
    );
    const answers = await Promise.all(writes);
    assert.deepEqual(answers, answers.map((_, i) => ({ offset: i, count: 1, duplicate: false })));
    store.close();

    const again = new SqliteStore(nodeSqlite(new DatabaseSync(path)));
    const journal = again.open("log");
    for (let i = 0; i < 40; i++) {
      assert.deepEqual(
        { ...journal.readProducer(`p${i}`), lastUsed: 0 },
        { id: `p${i}`, epoch: i, seq: 0, offset: i, count: 1, lastUsed: 0 },
      );
    }
    const reopened = new Log({ journal, scheduleCommit: gathered });
    const retries = await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) =>
          reopened.write(new Uint8Array([i]), { producer: { id: `p${i}`, epoch: i, seq: 0 } }),
      ),
    );
    assert(retries.every((r, i) => r.duplicate && r.offset === i));
    assert.deepEqual(await reopened.bounds(), { begin: 0, end: 40 });
    again.close();
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("a new producer prunes the rows of expired and least recently used producers", async () => {
  const db = nodeSqlite(new DatabaseSync(":memory:"));
  const store = new SqliteStore(db);
  let now = 1_000;
  const log = new Log({
    journal: store.open("log"),
    clock: () => new Date(now),
    maxProducers: 3,
    producerTtl: 10_000,
  });
  const producers = () =>
    db.exec("SELECT producer FROM edgelog_producers ORDER BY producer").map((r) => r.producer);
  for (const id of ["a", "b", "c"]) {
    now += 1;
    await log.write(new Uint8Array([1]), { producer: { id, epoch: 0, seq: 0 } });
  }
  now += 1;
  await log.write(new Uint8Array([1]), { producer: { id: "a", epoch: 0, seq: 1 } });
  now += 1;
  await log.write(new Uint8Array([1]), { producer: { id: "d", epoch: 0, seq: 0 } });
  // Three kept; "b" was the least recently used.
  assert.deepEqual(producers(), ["a", "c", "d"]);
  now += 20_000;
  await log.write(new Uint8Array([1]), { producer: { id: "e", epoch: 0, seq: 0 } });
  // The others expired: only the new one is left.
  assert.deepEqual(producers(), ["e"]);
  store.close();
});
